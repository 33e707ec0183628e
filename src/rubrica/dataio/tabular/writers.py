"""Spreadsheet export of contacts, streaming: CSV (our own header, or one Google Contacts
imports) and XLSX.

Input: an iterable of contact snapshots (``contacts.services.snapshot`` plus ``uid`` and
``organization``, a name or ``{"name", "department"}``). Nothing is held but the current row.

A streaming writer cannot count first how many emails the busiest contact has, so the number of
column groups per kind is fixed by :class:`Layout` (the job may compute it with one aggregate
query); a contact with more entries than groups gets the extra ones in the last group, joined by
``" ::: "`` as Google does, so nothing is lost and our reader splits them again.

Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell starting with ``=``, ``+``,
``-`` or ``@`` (and tab or CR, which some strip first) as a formula: ``=HYPERLINK(...)`` or DDE
payloads in a contact's name would run on the machine of whoever opens the export. CSV cells
starting with one of these get a leading apostrophe, which spreadsheets show as text; our
reader removes it again. One exception: in phone columns a value made only of ``+``, digits,
spaces, dots, dashes and parentheses (``+39 06 1234 5678``) is written as is: it cannot call a
function or reach another program, at worst a spreadsheet shows it as a number, and Google
Contacts and other importers then read the number exactly (an apostrophe would end up in the
phone number). Likewise a date without a year, ``--04-15``, in any column. In XLSX every value
is written as a typed string cell, which no spreadsheet evaluates, so no apostrophe is needed
and values stay exact.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from rubrica.dataio.tabular.profiles import (
    RUBRICA_CONSENT_FIELDS,
    RUBRICA_CUSTOM_PREFIX,
    RUBRICA_FIELDS,
    RUBRICA_GROUPS,
    RUBRICA_PURPOSE_PREFIX,
)

MULTI = " ::: "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SAFE_PHONE = re.compile(r"\+[0-9 ().-]*")
_SAFE_DATE = re.compile(r"--[0-9]{2}-[0-9]{2}")  # a birthday without a year


def neutralise(value: str, *, phone: bool = False) -> str:
    """``value`` made safe to open in a spreadsheet (see the module docstring)."""
    if value.startswith(FORMULA_STARTS):
        if (phone and _SAFE_PHONE.fullmatch(value)) or _SAFE_DATE.fullmatch(value):
            return value
        return "'" + value
    return value


@dataclass
class Layout:
    """How many column groups each collection gets, and which custom fields have a column."""

    counts: dict[str, int] = field(
        default_factory=lambda: {
            "emails": 3,
            "phones": 4,
            "addresses": 2,
            "urls": 2,
            "profiles": 2,
        }
    )
    custom_keys: Sequence[str] = ()
    #: The consent purposes that get a column per channel (our header only, ADR 0050).
    purpose_keys: Sequence[str] = ()


def default_layout() -> Layout:
    """The default counts, a column for each defined custom field of contacts and two (e-mail,
    SMS) for each consent purpose."""
    from rubrica.contacts.models import ConsentPurpose
    from rubrica.customfields.models import Entity
    from rubrica.customfields.services import definitions_for

    return Layout(
        custom_keys=[d.key for d in definitions_for(Entity.CONTACT)],
        purpose_keys=list(ConsentPurpose.objects.order_by("key").values_list("key", flat=True)),
    )


def _groups(items: list[dict[str, Any]], count: int) -> list[list[dict[str, Any]]]:
    """``items`` spread over ``count`` groups, the overflow joined into the last."""
    if count <= 0:
        return []
    groups = [[item] for item in items[: count - 1]]
    groups.append(items[count - 1 :])
    groups.extend([] for _ in range(count - len(groups)))
    return groups


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return MULTI.join(_text(v) for v in value)
    return str(value)


def _organization(contact: Mapping[str, Any]) -> tuple[str, str]:
    org = contact.get("organization")
    if isinstance(org, Mapping):
        return str(org.get("name") or ""), str(org.get("department") or "")
    return (str(org or ""), "")


def _join_list(values: Iterable[str]) -> str:
    """A list cell our reader splits back exactly: ``" ::: "`` between items, and a trailing
    one when a single item holds a comma or semicolon (which would split it otherwise)."""
    items = [str(v) for v in values]
    text = MULTI.join(items)
    if len(items) == 1 and (";" in text or "," in text):
        text += MULTI
    return text


def _label(item: Mapping[str, Any], google: bool) -> str:
    label = str(item.get("label") or "")
    if google:
        label = GOOGLE_LABELS.get(label, label)
    if item.get("is_preferred"):
        return f"* {label}" if label else "*"
    return label


Column = tuple[str, Callable[[Mapping[str, Any]], str], bool]  # header, getter, is a phone


def rubrica_columns(layout: Layout) -> list[Column]:
    columns: list[Column] = [
        (header, _scalar_getter(target), False) for header, target in RUBRICA_FIELDS
    ]
    columns += _group_and_custom_columns(layout)
    # last, so that the columns of files exported before them keep their places (ADR 0050)
    columns += [
        (header, _scalar_getter(target), False) for header, target in RUBRICA_CONSENT_FIELDS
    ]
    for key in layout.purpose_keys:
        for channel in ("email", "sms"):
            columns.append(
                (f"{RUBRICA_PURPOSE_PREFIX}{key} ({channel})", _purpose_getter(key, channel), False)
            )
    return columns


def _purpose_getter(key: str, channel: str) -> Callable[[Mapping[str, Any]], str]:
    """The person's answer for one purpose and channel (``consent_by_purpose``), else empty."""

    def get(contact: Mapping[str, Any]) -> str:
        for answer in contact.get("consent_by_purpose") or ():
            if answer.get("purpose") == key and answer.get("channel") == channel:
                return _text(answer.get("state"))
        return ""

    return get


def _group_and_custom_columns(layout: Layout) -> list[Column]:
    """Our header's collection groups (as many as ``layout`` counts) and custom-field columns."""
    columns: list[Column] = []
    for word, kind, parts in RUBRICA_GROUPS:
        for n in range(layout.counts.get(kind, 0)):
            for part_header, part in parts:
                columns.append(
                    (
                        f"{word} {n + 1} - {part_header}",
                        _group_getter(kind, n, layout.counts[kind], part, google=False),
                        kind == "phones" and part == "value",
                    )
                )
    for key in layout.custom_keys:
        columns.append((f"{RUBRICA_CUSTOM_PREFIX}{key}", _custom_getter(key), False))
    return columns


def _scalar_getter(target: str) -> Callable[[Mapping[str, Any]], str]:
    if target == "external_id":
        return lambda c: _text(c.get("uid"))
    if target == "organization.name":
        return lambda c: _organization(c)[0]
    if target == "organization.department":
        return lambda c: _organization(c)[1]
    if target in ("nicknames", "languages", "tags"):
        return lambda c: _join_list(c.get(target) or [])
    return lambda c: _text(c.get(target))


def _custom_getter(key: str) -> Callable[[Mapping[str, Any]], str]:
    def get(contact: Mapping[str, Any]) -> str:
        value = (contact.get("custom_fields") or {}).get(key)
        if isinstance(value, list):
            return _join_list(value)
        return _text(value)

    return get


def _group_getter(
    kind: str, index: int, count: int, part: str, *, google: bool
) -> Callable[[Mapping[str, Any]], str]:
    def get(contact: Mapping[str, Any]) -> str:
        groups = _groups(list(contact.get(kind) or []), count)
        items = groups[index] if index < len(groups) else []
        if not items:
            return ""
        if part == "label":
            return MULTI.join(_label(item, google) for item in items)
        if part == "formatted":
            return MULTI.join(_formatted(item) for item in items)
        return MULTI.join(_text(item.get(part)) for item in items)

    return get


def _formatted(address: Mapping[str, Any]) -> str:
    city_line = " ".join(str(address[p]) for p in ("postal_code", "city") if address.get(p))
    lines = [
        str(address.get("street") or ""),
        str(address.get("extended") or ""),
        str(address.get("po_box") or ""),
        city_line,
        str(address.get("region") or ""),
        str(address.get("country") or ""),
    ]
    return "\n".join(line for line in lines if line)


# -- Google Contacts --------------------------------------------------------------------------

GOOGLE_LABELS = {
    "home": "Home",
    "work": "Work",
    "mobile": "Mobile",
    "other": "Other",
    "main": "Main",
    "home,fax": "Home Fax",
    "work,fax": "Work Fax",
    "pager": "Pager",
}
GOOGLE_HEAD: tuple[tuple[str, str], ...] = (
    ("First Name", "given_name"),
    ("Middle Name", "additional_name"),
    ("Last Name", "family_name"),
    ("Phonetic First Name", "phonetic_given_name"),
    ("Phonetic Middle Name", ""),
    ("Phonetic Last Name", "phonetic_family_name"),
    ("Name Prefix", "prefix"),
    ("Name Suffix", "suffix"),
    ("Nickname", "nicknames"),
    ("File As", ""),
    ("Organization Name", "organization.name"),
    ("Organization Title", "title"),
    ("Organization Department", "organization.department"),
    ("Birthday", "birthday"),
    ("Notes", "notes"),
    ("Photo", ""),
    ("Labels", "labels"),
)
GOOGLE_GROUPS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("E-mail", "emails", (("Label", "label"), ("Value", "value"))),
    ("Phone", "phones", (("Label", "label"), ("Value", "value"))),
    (
        "Address",
        "addresses",
        (
            ("Label", "label"),
            ("Formatted", "formatted"),
            ("Street", "street"),
            ("City", "city"),
            ("PO Box", "po_box"),
            ("Region", "region"),
            ("Postal Code", "postal_code"),
            ("Country", "country"),
            ("Extended Address", "extended"),
        ),
    ),
    ("Website", "urls", (("Label", "label"), ("Value", "value"))),
)


def google_columns(layout: Layout) -> list[Column]:
    """A header Google Contacts imports (its own export's names)."""
    columns: list[Column] = []
    for header, target in GOOGLE_HEAD:
        if target == "labels":
            columns.append(
                (header, lambda c: MULTI.join(["* myContacts", *(c.get("tags") or [])]), False)
            )
        elif target == "nicknames":
            columns.append((header, lambda c: MULTI.join(c.get("nicknames") or []), False))
        elif target:
            columns.append((header, _scalar_getter(target), False))
        else:
            columns.append((header, lambda c: "", False))
    for word, kind, parts in GOOGLE_GROUPS:
        for n in range(layout.counts.get(kind, 0)):
            for part_header, part in parts:
                columns.append(
                    (
                        f"{word} {n + 1} - {part_header}",
                        _group_getter(kind, n, layout.counts[kind], part, google=True),
                        kind == "phones" and part == "value",
                    )
                )
    columns.append(
        ("Event 1 - Label", lambda c: "Anniversary" if c.get("anniversary") else "", False)
    )
    columns.append(("Event 1 - Value", lambda c: _text(c.get("anniversary")), False))
    for n, key in enumerate(layout.custom_keys, start=1):
        getter = _custom_getter(key)
        columns.append((f"Custom Field {n} - Label", _custom_label_getter(key, getter), False))
        columns.append((f"Custom Field {n} - Value", getter, False))
    return columns


def _custom_label_getter(
    key: str, getter: Callable[[Mapping[str, Any]], str]
) -> Callable[[Mapping[str, Any]], str]:
    return lambda contact: key if getter(contact) else ""


# -- Organizations ----------------------------------------------------------------------------

ORGANIZATION_FIELDS: tuple[tuple[str, str], ...] = (
    ("UID", "uid"),
    ("Name", "name"),
    ("Kind", "kind"),
    ("Industry", "industry"),
    ("Size", "size"),
    ("Website", "website"),
    ("Email Domains", "email_domains"),
    ("Parent Organization", "parent_name"),
    ("Tags", "tags"),
    ("Visibility", "visibility"),
    ("Owner", "owner"),
    ("Team", "team"),
    ("Notes", "notes"),
    ("Created", "created_at"),
    ("Updated", "updated_at"),
)
ORGANIZATION_KINDS = ("phones", "addresses")


def organization_layout() -> Layout:
    """Phones and addresses as many as people get, and a column per organization custom field."""
    from rubrica.customfields.models import Entity
    from rubrica.customfields.services import definitions_for

    counts = {kind: count for kind, count in Layout().counts.items() if kind in ORGANIZATION_KINDS}
    return Layout(counts=counts, custom_keys=[d.key for d in definitions_for(Entity.ORGANIZATION)])


def organization_columns(layout: Layout) -> list[Column]:
    """Our own header for organizations: the same group and custom-field columns as people's."""
    columns: list[Column] = []
    for header, target in ORGANIZATION_FIELDS:
        if target in ("tags", "email_domains"):
            columns.append((header, _list_getter(target), False))
        else:
            columns.append((header, _scalar_getter(target), False))
    return columns + _group_and_custom_columns(layout)


def _list_getter(target: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda record: _join_list(record.get(target) or [])


def columns_for(flavour: str, layout: Layout) -> list[Column]:
    if flavour == "organizations":
        return organization_columns(layout)
    if flavour == "google":
        return google_columns(layout)
    if flavour == "rubrica":
        return rubrica_columns(layout)
    raise ValueError(f"unknown flavour {flavour!r}")


def rows(contacts: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> Iterable[list[str]]:
    """The header, then one row of text cells per contact (not neutralised)."""
    yield [header for header, _getter, _phone in columns]
    for contact in contacts:
        yield [getter(contact) for _header, getter, _phone in columns]


class CsvWriter:
    """Push-style CSV writer: ``write(contact)`` per contact, then ``close()`` (flushes and
    leaves ``out`` open). Same output as :func:`write_csv`."""

    def __init__(
        self,
        out: IO[bytes],
        *,
        flavour: str = "rubrica",
        layout: Layout | None = None,
        delimiter: str = ",",
    ) -> None:
        self.columns = columns_for(flavour, layout or Layout())
        self._phones = [phone for _header, _getter, phone in self.columns]
        self._text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(
            self._text, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
        )
        self._writer.writerow([header for header, _getter, _phone in self.columns])
        self.count = 0

    def write(self, contact: Mapping[str, Any]) -> None:
        self._writer.writerow(
            [
                neutralise(cell, phone=phone) if cell else cell
                for cell, phone in zip(
                    (getter(contact) for _header, getter, _phone in self.columns),
                    self._phones,
                    strict=True,
                )
            ]
        )
        self.count += 1

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


def write_csv(
    contacts: Iterable[Mapping[str, Any]],
    out: IO[bytes],
    *,
    flavour: str = "rubrica",
    layout: Layout | None = None,
    delimiter: str = ",",
) -> int:
    """Write ``contacts`` to the binary stream ``out`` as UTF-8 with a BOM (so spreadsheets
    read accents right), cells neutralised. Returns the number of contacts written."""
    writer = CsvWriter(out, flavour=flavour, layout=layout, delimiter=delimiter)
    try:
        for contact in contacts:
            writer.write(contact)
    finally:
        writer.close()
    return writer.count
