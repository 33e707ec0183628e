"""Rows of cells -> :class:`SourceRecord`, shared by the CSV and XLSX readers.

The mapping is compiled once into one small setter per mapped column, so the per-row work is a
loop over the non-empty mapped cells and the assembly of what they filled (the hot path of an
import of a million rows).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from rubrica.dataio.records import SourceRecord
from rubrica.dataio.tabular import checks
from rubrica.dataio.tabular.targets import ADDRESS_PARTS, Target, parse_target

MULTI = " ::: "
NEUTRALISED = frozenset("=+-@\t\r")
_LIST_SPLIT = re.compile(r"\s*[;,]\s*")
_GOOGLE_SYSTEM_TAGS = frozenset(
    {"* mycontacts", "* my contacts", "* other contacts", "* othercontacts"}
)
_GENDERS = {
    "f": "F",
    "female": "F",
    "woman": "F",
    "weiblich": "F",
    "femme": "F",
    "féminin": "F",
    "femmina": "F",
    "femminile": "F",
    "m": "M",
    "male": "M",
    "man": "M",
    "männlich": "M",
    "homme": "M",
    "masculin": "M",
    "maschio": "M",
    "maschile": "M",
    "o": "O",
    "other": "O",
    "n": "N",
    "none": "N",
    "u": "U",
    "unknown": "U",
    "unspecified": "",
    "nicht angegeben": "",
    "non spécifié": "",
    "non specificato": "",
}
# Google's and Outlook's English labels -> the lower-case vCard-like labels Rubrica uses.
_LABELS = {
    "home": "home",
    "work": "work",
    "mobile": "mobile",
    "cell": "mobile",
    "other": "other",
    "main": "main",
    "home fax": "home,fax",
    "work fax": "work,fax",
    "other fax": "fax",
    "fax": "fax",
    "pager": "pager",
    "google voice": "google voice",
    "homepage": "homepage",
    "blog": "blog",
    "profile": "profile",
}
_TRUE = frozenset({"1", "true", "yes", "y", "x", "*", "wahr", "vrai", "vero", "ja", "oui", "sì"})


#: Fields an empty cell leaves as they are, even when updating someone (ADR 0032).
KEEP_WHEN_EMPTY = frozenset({"email_consent", "sms_consent"})


def unneutralise(cell: str) -> str:
    """Undo the apostrophe our writers put before a cell that a spreadsheet would run."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in NEUTRALISED:
        return cell[1:]
    return cell


def split_multi(cell: str) -> list[str]:
    """Google's several values in one cell (``a ::: b``); the cell was stripped, so an empty
    last value leaves ``a :::``."""
    return [part.strip() for part in cell.split(":::")] if ":::" in cell else [cell]


def split_list(cell: str, name: str) -> list[str]:
    if ":::" in cell:
        parts = cell.split(":::")
    elif name == "nicknames":
        parts = [cell]
    else:
        parts = _LIST_SPLIT.split(cell)
    out: list[str] = []
    for part in parts:
        item = " ".join(part.split())
        if name == "tags":
            folded = item.casefold()
            if folded in _GOOGLE_SYSTEM_TAGS or folded.startswith("system group:"):
                continue
            if item.startswith("* "):
                item = item[2:].strip()
        if item and item not in out:
            out.append(item)
    return out


def clean_label(raw: str) -> tuple[str, bool]:
    """(label, preferred) from a label cell: ``* Home`` -> ("home", True)."""
    text = raw.strip()
    starred = text.startswith("*")
    if starred:
        text = text[1:].strip()
    return _LABELS.get(text.casefold(), text), starred


def _no_check(value: str, region: str | None = None) -> str | None:
    return None


_CHECKS: dict[str, Callable[[str, str | None], str | None]] = {
    "emails": lambda value, region: checks.check_email(value),
    "phones": checks.check_phone,
    "urls": lambda value, region: checks.check_url(value),
    "profiles": _no_check,
}


_VALUE_AND_LABEL = frozenset({"value", "label"})


_Cell = tuple[str, int]  # (text, column index): a tuple is the cheapest to make


@dataclass(slots=True)
class _State:
    fields: dict[str, list[_Cell]] = field(default_factory=dict)
    lists: dict[str, list[_Cell]] = field(default_factory=dict)
    organization: dict[str, str] = field(default_factory=dict)
    custom: dict[str, _Cell] = field(default_factory=dict)
    purposes: dict[tuple[str, str], list[_Cell]] = field(default_factory=dict)
    groups: dict[tuple[str, str, str | None], dict[str, list[_Cell]]] = field(default_factory=dict)
    external_id: str | None = None
    full_name: str = ""


Setter = Callable[[_State, str, int], None]


def _field_setter(name: str) -> Setter:
    def set_field(state: _State, text: str, column: int) -> None:
        state.fields.setdefault(name, []).append((text, column))

    return set_field


def _list_setter(name: str) -> Setter:
    def set_list(state: _State, text: str, column: int) -> None:
        state.lists.setdefault(name, []).append((text, column))

    return set_list


def _organization_setter(part: str) -> Setter:
    def set_organization(state: _State, text: str, column: int) -> None:
        current = state.organization.get(part)
        state.organization[part] = f"{current} {text}" if current else text

    return set_organization


def _custom_setter(key: str) -> Setter:
    def set_custom(state: _State, text: str, column: int) -> None:
        state.custom[key] = (text, column)

    return set_custom


def _purpose_setter(key: str, channel: str) -> Setter:
    def set_purpose(state: _State, text: str, column: int) -> None:
        state.purposes.setdefault((key, channel), []).append((text, column))

    return set_purpose


def _item_setter(target: Target) -> Setter:
    key = (target.name, target.group, target.label)
    part = target.part

    def set_item(state: _State, text: str, column: int) -> None:
        group = state.groups.get(key)
        if group is None:
            state.groups[key] = {part: [(text, column)]}
            return
        cells = group.get(part)
        if cells is None:
            group[part] = [(text, column)]
        else:
            cells.append((text, column))

    return set_item


def _external_id(state: _State, text: str, column: int) -> None:
    state.external_id = text


def _full_name(state: _State, text: str, column: int) -> None:
    state.full_name = f"{state.full_name} {text}" if state.full_name else text


def _setter(target: Target) -> Setter | None:
    if target.kind == "field":
        return _field_setter(target.name)
    if target.kind == "list":
        return _list_setter(target.name)
    if target.kind == "organization":
        return _organization_setter(target.name)
    if target.kind == "custom":
        return _custom_setter(target.name)
    if target.kind == "item":
        return _item_setter(target)
    if target.kind == "purpose":
        return _purpose_setter(target.name, target.part)
    if target.kind == "external_id":
        return _external_id
    if target.kind == "full_name":
        return _full_name
    return None


class RowMapper:
    """Turns a row of cells into a :class:`SourceRecord` for one header and mapping.

    ``date_order`` (``MDY``, ``DMY``) reads ``4/5/1980``-like dates; ``phone_region`` is the
    region for phones written without a country code (default: the site's)."""

    def __init__(
        self,
        headers: Sequence[str],
        mapping: Mapping[int, str],
        *,
        date_order: str = "MDY",
        phone_region: str | None = None,
    ) -> None:
        self.headers = [str(h) for h in headers]
        self.targets: dict[int, Target] = {}
        for index, text in mapping.items():
            target = parse_target(text)
            if target.kind != "ignore":
                self.targets[int(index)] = target
        self.date_order = date_order
        self.phone_region = phone_region
        self._setters: list[tuple[int, Setter]] = []
        for index, target in sorted(self.targets.items()):
            setter = _setter(target)
            if setter is not None:
                self._setters.append((index, setter))
        targets = list(self.targets.values())
        self._fields = list(dict.fromkeys(t.name for t in targets if t.kind == "field"))
        self._lists = list(dict.fromkeys(t.name for t in targets if t.kind == "list"))
        self._kinds = list(dict.fromkeys(t.name for t in targets if t.kind == "item"))
        self._has_full_name = any(t.kind == "full_name" for t in self.targets.values())
        self._has_custom = any(
            t.kind == "custom" or (t.kind == "item" and t.name == "custom_fields")
            for t in self.targets.values()
        )
        self._has_title = any(
            t.kind == "organization" and t.name == "title" for t in self.targets.values()
        )
        # The order of groups as the columns come, so entries keep the file's order.
        self._group_order: list[tuple[str, str, str | None]] = []
        for _index, target in sorted(self.targets.items()):
            if target.kind == "item":
                key = (target.name, target.group, target.label)
                if key not in self._group_order:
                    self._group_order.append(key)

    def column_name(self, index: int) -> str:
        if index < len(self.headers) and self.headers[index]:
            return self.headers[index]
        return _("column %(n)d") % {"n": index + 1}

    def problem(self, line: int, column: int, message: str) -> str:
        return _('line %(line)d, column "%(column)s": %(problem)s') % {
            "line": line,
            "column": self.column_name(column),
            "problem": message,
        }

    def fill(self, cells: Sequence[str]) -> _State:
        state = _State()
        width = len(cells)
        for index, setter in self._setters:
            if index >= width:
                break
            text = cells[index]
            if not text:
                continue
            text = text.strip()
            if not text:
                continue
            if text[0] == "'":
                text = unneutralise(text)
            setter(state, text, index)
        return state

    def record(self, cells: Sequence[str], line: int, *, raw: bool = True) -> SourceRecord:
        return self.record_and_problems(cells, line, raw=raw)[0]

    def record_and_problems(
        self, cells: Sequence[str], line: int, *, raw: bool = True
    ) -> tuple[SourceRecord, list[tuple[int, str]]]:
        """The record, and its problems as (column index, message) for a preview."""
        state = self.fill(cells)
        problems: list[tuple[int, str]] = []
        data = self._data(state, problems)
        answers = self._purpose_answers(state, problems)
        # A bad cell costs its value, not the person (issue 13): reported, not an error.
        set_aside = [self.problem(line, column, message) for column, message in problems]
        organization = None
        if state.organization.get("name"):
            organization = {
                "name": state.organization.get("name", ""),
                # Our own header has one "Title" for the person and the affiliation.
                "title": state.organization.get("title") or data.get("title", ""),
                "department": state.organization.get("department", ""),
            }
        raw_row: dict[str, str] = {}
        if raw:
            raw_row = {
                self.column_name(i): cell for i, cell in enumerate(cells) if cell not in ("", None)
            }
        record = SourceRecord(
            line=line,
            data=data,
            organization=organization,
            external_id=state.external_id,
            raw=raw_row,
            set_aside=set_aside,
            purpose_answers=answers,
        )
        return record, problems

    def _purpose_answers(
        self, state: _State, problems: list[tuple[int, str]]
    ) -> list[dict[str, str]]:
        """The answers per purpose the row's cells give, every cell one (the import judges
        each, and records nothing for a purpose whose columns answer differently)."""
        return [
            {"purpose": key, "channel": channel, "state": text}
            for (key, channel), cells in state.purposes.items()
            for text, _column in cells
        ]

    # -- assembly ---------------------------------------------------------------------------

    def _data(self, state: _State, problems: list[tuple[int, str]]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in self._fields:
            cells = state.fields.get(name)
            if name in KEEP_WHEN_EMPTY and not any(c[0].strip() for c in cells or ()):
                continue  # an empty consent cell says nothing: it never withdraws an answer
            if not cells:
                data[name] = ""
                continue
            if len(cells) == 1:
                text = cells[0][0]
            else:
                text = ("\n" if name == "notes" else " ").join(c[0] for c in cells)
            if name in ("birthday", "anniversary"):
                try:
                    text = checks.parse_date(text, self.date_order)
                except ValueError as exc:
                    problems.append((cells[0][1], str(exc)))
            elif name == "gender":
                # Exports spell it in their language; a spelling we do not know is left out
                # rather than costing the whole row.
                text = _GENDERS.get(text.casefold(), "")
            elif name == "visibility":
                text = text.lower()
            data[name] = text
        for name in self._lists:
            values: list[str] = []
            for cell in state.lists.get(name, ()):
                for item in split_list(cell[0], name):
                    if item not in values:
                        values.append(item)
            data[name] = values
        if self._has_full_name:
            self._apply_full_name(state.full_name, data)
        if self._has_title and "title" not in self._fields:
            data["title"] = state.organization.get("title", "")
        custom: dict[str, Any] = {}
        for custom_key, cell in state.custom.items():
            custom[custom_key] = split_multi(cell[0]) if ":::" in cell[0] else cell[0]
        for kind in self._kinds:
            if kind not in ("events", "custom_fields"):
                data[kind] = []
        for key in self._group_order:
            parts = state.groups.get(key)
            if parts:
                self._group(key, parts, data, custom, problems)
        if self._has_custom:
            data["custom_fields"] = custom
        return data

    @staticmethod
    def _apply_full_name(full_name: str, data: dict[str, Any]) -> None:
        if not full_name:
            return
        data.setdefault("display_name", full_name)
        if data.get("display_name") == "":
            data["display_name"] = full_name
        if data.get("given_name") or data.get("family_name"):
            return
        if "," in full_name:
            family, given = (p.strip() for p in full_name.split(",", 1))
        elif " " in full_name:
            given, family = full_name.rsplit(" ", 1)
        else:
            given, family = full_name, ""
        data["given_name"], data["family_name"] = given, family

    def _group(
        self,
        key: tuple[str, str, str | None],
        parts: dict[str, list[_Cell]],
        data: dict[str, Any],
        custom: dict[str, Any],
        problems: list[tuple[int, str]],
    ) -> None:
        kind, group, fixed_label = key
        default_label = (
            fixed_label if fixed_label is not None else ("" if group.isdigit() else group)
        )
        # Fast paths for the common cases (Outlook's "Mobile Phone", Google's "E-mail 1 - Label"
        # and "- Value", an address in parts): one cell per part, no several values.
        if kind in _CHECKS and parts.keys() <= _VALUE_AND_LABEL:
            cells = parts.get("value")
            label_cells = parts.get("label")
            if (
                cells is not None
                and len(cells) == 1
                and ":::" not in cells[0][0]
                and (
                    label_cells is None
                    or (len(label_cells) == 1 and ":::" not in label_cells[0][0])
                )
            ):
                value = cells[0][0]
                if kind == "emails" and value.startswith("/o="):
                    return
                problem = _CHECKS[kind](value, self.phone_region)
                if problem:
                    problems.append((cells[0][1], problem))
                label, starred = default_label, False
                if label_cells:
                    label, starred = clean_label(label_cells[0][0])
                    label = label or default_label
                data[kind].append({"label": label, "value": value, "is_preferred": starred})
                return
        if kind == "addresses" and "preferred" not in parts:
            texts = {p: cells[0][0] for p, cells in parts.items() if len(cells) == 1}
            if len(texts) == len(parts) and not any(":::" in t for t in texts.values()):
                texts.pop("formatted", None)  # the parts say it all
                raw_label = texts.pop("label", "")
                if texts:
                    label, starred = clean_label(raw_label) if raw_label else (default_label, False)
                    row: dict[str, Any] = dict.fromkeys(ADDRESS_PARTS, "")
                    row.update(texts)
                    row.update(label=label or default_label, is_preferred=starred)
                    data["addresses"].append(row)
                    return
        split: dict[str, list[str]] = {}
        columns: dict[str, int] = {}
        for part, cells in parts.items():
            # Several columns for one part: address lines join ("Business Street 2"), other
            # values are several entries (two columns both called "Email").
            joiner = ", " if kind == "addresses" else MULTI
            text = joiner.join(c[0] for c in cells)
            split[part] = split_multi(text)
            columns[part] = cells[0][1]
        value_parts = [p for p in split if p not in ("label", "type", "preferred")]
        count = max((len(split[p]) for p in value_parts), default=0)
        labels = split.get("label", [])
        types = split.get("type", [])
        preferred_flag = bool(split.get("preferred")) and (
            split["preferred"][0].casefold() in _TRUE
        )
        for index in range(count):

            def pick(part: str, index: int = index) -> str:
                values = split.get(part)
                if not values:
                    return ""
                return values[index] if index < len(values) else ""

            paired = len(labels) == count
            raw_label = labels[index] if paired else (labels[0] if labels else "")
            label, starred = clean_label(raw_label) if raw_label else (default_label, False)
            if raw_label and not label:
                label = default_label  # a bare "*": preferred, no label
            is_preferred = (starred and (paired or index == 0)) or (preferred_flag and index == 0)
            if kind == "addresses":
                row = {part: pick(part) for part in ADDRESS_PARTS}
                if not any(row.values()) and pick("formatted"):
                    row["street"] = ", ".join(
                        " ".join(line_.split()) for line_ in pick("formatted").splitlines() if line_
                    )
                if not any(row.values()):
                    continue
                row.update(label=label, is_preferred=is_preferred)
                data["addresses"].append(row)
                continue
            value = pick("value")
            if not value:
                continue
            if kind == "events":
                self._event(label, value, columns["value"], data, problems)
                continue
            if kind == "custom_fields":
                if label:
                    custom[label] = value
                continue
            if kind == "emails":
                mail_type = types[index] if index < len(types) else (types[0] if types else "")
                if mail_type.upper() == "EX" or value.startswith("/o="):
                    continue  # an Exchange X.500 address, not an email
                problem = checks.check_email(value)
            elif kind == "phones":
                problem = checks.check_phone(value, self.phone_region)
            elif kind == "urls":
                problem = checks.check_url(value)
            else:
                problem = None
            if problem:
                problems.append((columns["value"], problem))
            data[kind].append({"label": label, "value": value, "is_preferred": is_preferred})

    def _event(
        self,
        label: str,
        value: str,
        column: int,
        data: dict[str, Any],
        problems: list[tuple[int, str]],
    ) -> None:
        folded = label.casefold()
        name = (
            "birthday"
            if folded in ("birthday", "geburtstag", "compleanno")
            else "anniversary"
            if folded in ("anniversary", "jahrestag", "anniversario")
            else None
        )
        if name is None or data.get(name):
            return
        try:
            data[name] = checks.parse_date(value, self.date_order)
        except ValueError as exc:
            problems.append((column, str(exc)))

    def cell_targets(self) -> dict[int, str]:
        return {index: str(target) for index, target in self.targets.items()}
