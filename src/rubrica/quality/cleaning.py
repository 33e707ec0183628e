"""Cleaning actions: pure rules, and the plan of what each would change on one person.

A plan is the ``data`` that ``contacts.services.contact_update`` receives, so applying a cleaning
is an ordinary update: permission checks, history entry, version, search index. The preview and
the job compute the plan with the same function, and the values are passed through the services'
own cleaning (``clean_text``, ``clean_collection``) first, so the preview shows what will be
stored, not an approximation of it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from rubrica.contacts.models import (
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactProfile,
)
from rubrica.contacts.services import TEXT_FIELDS, derive_display_name
from rubrica.core import normalize
from rubrica.core.services import ADDRESS_PARTS, clean_collection, clean_text
from rubrica.quality.sql import TrimChars, like, untidy

TRIM = "trim"
CAPITALIZE = "capitalize"
PHONES = "phones"
ACTIONS: dict[str, Any] = {
    TRIM: _("Trim white space"),
    CAPITALIZE: _("Fix name capitalisation"),
    PHONES: _("Normalise phone formats"),
}


@dataclass(frozen=True)
class Change:
    """One value a cleaning changes on one person, as shown in the preview."""

    contact_id: int
    contact_name: str
    field: str
    before: str
    after: str


# --- name capitalisation ---------------------------------------------------------------------

#: Name particles written in lower case inside a name ("Ludwig van Beethoven", "Charles de
#: Gaulle"); as the first word of a field they take a capital ("Van Beethoven", "De Luca"),
#: which is also how Italian and Dutch surnames standing alone are written.
PARTICLES = frozenset(
    {
        "da", "das", "de", "degli", "dei", "del", "della", "dello", "delle", "der", "den",
        "des", "di", "do", "dos", "du", "la", "le", "lo", "ten", "ter", "van", "von", "y", "e",
        "zu", "af", "av", "bin", "ibn", "los", "las",
    }
)  # fmt: skip
#: Suffix-like words that stay upper case ("Henry VIII", "John Smith III").
_ROMAN = re.compile(r"^(?=[MDCLXVI])M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")
_SUFFIXES = {"phd": "PhD", "md": "MD", "mba": "MBA", "dds": "DDS", "cpa": "CPA", "esq": "Esq"}
#: Name fields the capitalisation rule looks at. Display names are handled separately (a derived
#: display name follows the parts by itself).
NAME_FIELDS = ("prefix", "given_name", "additional_name", "family_name", "suffix")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _is_latin(text: str) -> bool:
    """True when every letter of ``text`` is a Latin letter: other scripts have other rules
    (or no letter case at all) and are never touched."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)


def needs_recase(text: str) -> bool:
    """Only names written entirely in upper or entirely in lower case are re-cased; a name with
    mixed case ("McDONALD", "deLuca") was typed that way on purpose, or is beyond a rule."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 2 or not _is_latin(text) or "@" in text or "/" in text:
        return False  # too short to tell, another script, or an address rather than a name
    return all(ch.isupper() for ch in letters) or all(ch.islower() for ch in letters)


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def _recase_word(word: str, *, first: bool, field: str) -> str:
    """One run of letters (apostrophes and hyphens split runs before this is called)."""
    lower = word.lower()
    if field == "suffix" and _ROMAN.match(word.upper()):
        return word.upper()
    if field == "suffix" and lower in _SUFFIXES:
        return _SUFFIXES[lower]
    if lower in PARTICLES and not first:
        return lower
    if lower.startswith("mc") and len(lower) > 3:
        return "Mc" + _cap(lower[2:])
    return _cap(lower)


def recase_name(text: str, field: str = "given_name") -> str:
    """Title case for an ALL CAPS or all-lower name; any other name comes back unchanged.

    "MARIO ROSSI" -> "Mario Rossi"; "o'neil" -> "O'Neil"; "anne-marie" -> "Anne-Marie";
    "mcdonald" -> "McDonald"; "ludwig van beethoven" -> "Ludwig van Beethoven";
    "de luca" -> "De Luca" (first word); "henry viii" (suffix) -> "VIII"; "李小龙" untouched.
    """
    if not needs_recase(text):
        return text
    out: list[str] = []
    position = 0
    first = True
    for match in _WORD.finditer(text):
        start, end = match.span()
        out.append(text[position:start])
        separator = text[position:start]
        # a run after an apostrophe (O'Neil, D'Angelo) or a hyphen (Anne-Marie) is a new
        # capitalised part, never a lower-case particle
        glued = separator in ("'", "\u2019", "-") and not first
        word = match.group()
        if glued:
            out.append(_cap(word.lower()))
        else:
            out.append(_recase_word(word, first=first, field=field))
        first = False
        position = end
    out.append(text[position:])
    return "".join(out)


def field_label(path: str) -> str:
    """A readable name for a changed value: "given name", "phone 2", "address 1: city"."""
    from rubrica.contacts.services import COLLECTIONS

    parts = path.split(".")
    if parts[0] in COLLECTIONS:
        model = COLLECTIONS[parts[0]]
        if len(parts) == 1:
            return str(model._meta.verbose_name_plural)
        label = f"{model._meta.verbose_name} {parts[1]}"
        if len(parts) > 2:
            label += f": {model._meta.get_field(parts[2]).verbose_name}"
        return label
    try:
        field = Contact._meta.get_field(parts[0])
    except FieldDoesNotExist:
        return path
    return str(getattr(field, "verbose_name", path))


# --- plans -----------------------------------------------------------------------------------

Plan = tuple[dict[str, Any], list[tuple[str, str, str]]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _row_text(kind: str, row: Mapping[str, Any]) -> str:
    if kind == "addresses":
        return ", ".join(str(row.get(part) or "") for part in ADDRESS_PARTS if row.get(part))
    return str(row.get("value") or "")


def _collection_changes(
    kind: str, before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[tuple[str, str, str]]:
    """Display rows for a collection: per entry when the entries line up, else the whole list."""
    if len(before) == len(after):
        rows = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            if kind == "addresses":
                for part in ADDRESS_PARTS:
                    if (old.get(part) or "") != (new.get(part) or ""):
                        rows.append(
                            (f"{kind}.{index + 1}.{part}", old.get(part) or "", new.get(part) or "")
                        )
            elif (old.get("value") or "") != (new.get("value") or ""):
                rows.append((f"{kind}.{index + 1}", old.get("value") or "", new.get("value") or ""))
            elif kind == "phones" and (old.get("e164") or "") != (new.get("e164") or ""):
                rows.append((f"{kind}.{index + 1}.e164", old.get("e164") or "", new.get("e164")))
        return rows
    return [
        (
            kind,
            "; ".join(_row_text(kind, row) for row in before),
            "; ".join(_row_text(kind, row) for row in after),
        )
    ]


def _same_rows(kind: str, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> bool:
    keys = ("label", "is_preferred", *(ADDRESS_PARTS if kind == "addresses" else ("value",)))
    if kind == "phones":
        keys = (*keys, "e164", "extension")
    if len(before) != len(after):
        return False
    return all(
        all((old.get(k) or "") == (new.get(k) or "") for k in keys)
        for old, new in zip(before, after, strict=True)
    )


def _untidy(value: Any) -> bool:
    return isinstance(value, str) and value != " ".join(value.split())


def plan_trim(snap: Mapping[str, Any]) -> Plan:
    """Trim and fold white space in every text field, address part, email, phone and profile,
    exactly as the services clean them on input."""
    data: dict[str, Any] = {}
    shown: list[tuple[str, str, str]] = []
    for name, max_length in TEXT_FIELDS.items():
        value = snap.get(name) or ""
        errors: dict[str, str] = {}
        cleaned = clean_text({name: value}, {name: max_length}, errors, multiline=("notes",))
        if errors or cleaned.get(name, value) == value:
            continue
        data[name] = cleaned[name]
        shown.append((name, value, cleaned[name]))
    for kind in ("emails", "phones", "addresses", "profiles"):
        rows = list(snap.get(kind) or [])
        if not any(_untidy(v) for row in rows for v in row.values()):
            continue
        errors = {}
        cleaned_rows = clean_collection(kind, [dict(row) for row in rows], errors)
        if errors or cleaned_rows is None or _same_rows(kind, rows, cleaned_rows):
            continue
        data[kind] = cleaned_rows
        shown.extend(_collection_changes(kind, rows, cleaned_rows))
    return data, shown


def plan_capitalize(snap: Mapping[str, Any]) -> Plan:
    """Re-case ALL CAPS and all-lower Latin names. A display name derived from the name parts
    follows them (the service re-derives it); one typed by a person is re-cased by itself."""
    data: dict[str, Any] = {}
    shown: list[tuple[str, str, str]] = []
    for name in NAME_FIELDS:
        value = snap.get(name) or ""
        fixed = recase_name(value, name)
        if fixed != value:
            data[name] = fixed
            shown.append((name, value, fixed))
    display = snap.get("display_name") or ""
    derived = not display or display == derive_display_name(snap)
    if derived:
        new_display = derive_display_name({**snap, **data}) if data else display
    else:
        new_display = recase_name(display, "display_name")
        if new_display != display:
            data["display_name"] = new_display
    if new_display != display and new_display:
        shown.append(("display_name", display, new_display))
    return data, shown


def _format(parsed: phonenumbers.PhoneNumber, extension: str = "") -> str | None:
    if not phonenumbers.is_valid_number(parsed):
        # possible but not valid: most likely a foreign number typed without its country code;
        # writing a country into it would turn a guess into a fact
        return None
    if extension:
        parsed.extension = extension
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def international(raw: str, region: str | None = None) -> str | None:
    """The phone as typed, rewritten in international format ("+39 02 1234 5678"); None when it
    is not a valid number (those are left alone; unreadable ones are reported as invalid)."""
    try:
        normalised = normalize.phone(raw, region)
        parsed = phonenumbers.parse(normalised.e164, None)
    except (ValueError, phonenumbers.NumberParseException):
        return None
    return _format(parsed, normalised.extension)


def _from_e164(e164: str, extension: str) -> str | None:
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return _format(parsed, extension)


def plan_phones(snap: Mapping[str, Any]) -> Plan:
    """Valid phones rewritten in international format. A phone already read (it has an E.164
    form) is written from that form, so the rule can never change which number it is; one not
    read yet is read with the default region. A person with a phone that cannot be read is left
    alone: the service would refuse the whole list, and such a number must not be dropped."""
    region = normalize.default_region()  # the region the services read with
    rows = list(snap.get("phones") or [])
    if not rows:
        return {}, []
    new_rows = []
    for row in rows:
        raw = str(row.get("value") or "")
        e164 = str(row.get("e164") or "")
        if e164:
            fixed = _from_e164(e164, str(row.get("extension") or ""))
        else:
            fixed = international(raw, region)
        if fixed is None:
            try:
                normalize.phone(raw, region)
            except ValueError:
                return {}, []
            fixed = raw  # accepted by the services but not valid: kept as typed
        new_rows.append({**row, "value": fixed})
    errors: dict[str, str] = {}
    cleaned = clean_collection("phones", new_rows, errors)
    if errors or cleaned is None or _same_rows("phones", rows, cleaned):
        return {}, []
    if len(cleaned) == len(rows) and any(
        old.get("e164") and old.get("e164") != new.get("e164")
        for old, new in zip(rows, cleaned, strict=True)
    ):
        return {}, []  # the services would read some number differently now: not a format fix
    return {"phones": cleaned}, _collection_changes("phones", rows, cleaned)


PLANNERS = {TRIM: plan_trim, CAPITALIZE: plan_capitalize, PHONES: plan_phones}


def plan(action: str, snap: Mapping[str, Any]) -> Plan:
    """The update ``data`` and the displayed changes of ``action`` on one person's snapshot."""
    planner: Any = PLANNERS[action]
    result: Plan = planner(snap)
    return result


# --- candidates ------------------------------------------------------------------------------


#: Phones whose typed form may differ from the international format: no E.164 form, no leading
#: "+", no space, or a character the international format does not use.
_UNTIDY_PHONE = ("%(%", "%)%", "%.%", "%/%", "%x%", "%X%", "%#%", "%,%", "%;%", "%:%", "%*%")


def candidates(qs: QuerySet[Contact], action: str) -> QuerySet[Contact]:
    """People of ``qs`` that ``action`` may change, found by the database. A superset: the plan
    decides. It keeps the preview and the job from reading every person in Python. Child rows
    are searched on their own and joined by id (``pk IN (...)``): few people have untidy
    values, and a correlated EXISTS per person was a pass over a million people per child
    table."""
    if action == TRIM:
        single_line = [name for name in TEXT_FIELDS if name != "notes"]
        condition = untidy(single_line) | ~Q(notes=TrimChars(F("notes")))
        children: list[tuple[type[Any], tuple[str, ...]]] = [
            (ContactEmail, ("value",)),
            (ContactPhone, ("raw",)),
            (ContactProfile, ("value",)),
            (ContactAddress, tuple(ADDRESS_PARTS)),
        ]
        for model, fields in children:
            rows = model.objects.filter(untidy(fields)).values("contact_id")
            condition |= Q(pk__in=rows)
        return qs.filter(condition)
    if action == CAPITALIZE:
        condition = Q(pk__in=[])
        for name in (*NAME_FIELDS, "display_name"):
            same_case = Q(**{name: Upper(name)}) | Q(**{name: Lower(name)})
            condition |= ~Q(**{name: ""}) & same_case
        return qs.filter(condition)
    if action == PHONES:
        phone = Q(e164="") | ~like("raw", "+%") | ~like("raw", "% %")
        for pattern in _UNTIDY_PHONE:
            phone |= like("raw", pattern)
        return qs.filter(pk__in=ContactPhone.objects.filter(phone).values("contact_id"))
    raise ValueError(f"unknown cleaning action {action!r}")
