"""How a search document's text is made: the helpers the domains' document builders share
(``rubrica.contacts.search.contact_fields``, ``rubrica.organizations.search.organization_fields``),
so that every kind folds, de-duplicates and spells names out alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rubrica.search.text import fold, pinyin_forms


def folded_lines(values: Iterable[Any]) -> str:
    """Folded values, one per line, without duplicates (the order is kept for snippets)."""
    seen: dict[str, None] = {}
    for value in values:
        if value is None:
            continue
        text = fold(str(value))
        if text:
            seen.setdefault(text, None)
    return "\n".join(seen)


def custom_text(custom_fields: dict[str, Any]) -> list[str]:
    """The text values of a record's custom fields (a multiple choice's every choice): what a
    search for custom-field text finds; numbers, dates and yes/no are not searched."""
    values: list[str] = []
    for value in custom_fields.values():
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, list):
            values.extend(str(item) for item in value if isinstance(item, str))
    return values


def name_forms(*parts: str) -> list[str]:
    """The non-blank name parts, then their pinyin spellings (a Chinese name is found typed in
    Latin letters)."""
    names = [part for part in parts if part]
    for part in list(names):
        names.extend(pinyin_forms(part))
    return names
