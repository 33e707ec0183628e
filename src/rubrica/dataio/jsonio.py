"""The full JSON export and its reader: everything Rubrica knows about people and
organizations, in one versioned document.

    {"format": "rubrica", "version": 1, "exported_at": "2026-11-22T18:00:00+00:00",
     "contacts": [{snapshot..., "uid": ..., "affiliations": [...], "history": [...]?}, ...],
     "organizations": [{snapshot..., "uid": ...}, ...]}

Both directions stream. The writer writes the head, then one record at a time. The reader parses
with ijson (an iterative JSON parser, maintained, with a C backend): a single JSON document
rather than JSON Lines, so that the file is one valid JSON value any tool opens, while memory
stays bounded by one record. Contacts and organizations are separate passes over the file
(:meth:`JsonReader.records` and :meth:`JsonReader.organizations`); the importer reads
organizations first so that affiliations can link to them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import ijson
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.contacts.services import TEXT_FIELDS
from rubrica.core import normalize
from rubrica.core.services import MAX_ITEMS
from rubrica.dataio.records import SourceRecord
from rubrica.dataio.tabular import checks
from rubrica.dataio.vcard.mapping import KEPT_FORM

FORMAT = "rubrica"
VERSION = 1
CONTACT_TEXT = (*TEXT_FIELDS, "gender", "time_zone", "visibility")
CONTACT_OPTIONAL_TEXT = ("stage",)
CONTACT_DATES = ("birthday", "anniversary")
CONTACT_LISTS = ("nicknames", "languages", "tags")
COLLECTIONS = ("emails", "phones", "addresses", "urls", "profiles")
ADDRESS_PARTS = ("street", "extended", "po_box", "city", "region", "postal_code", "country")
# Kept in the export, not service input: the importer decides owner and team, and the rest
# describes the exporting site.
NOT_DATA = frozenset(
    {
        "uid",
        "id",
        "owner",
        "team",
        "affiliations",
        "history",
        "organization",
        "created_at",
        "updated_at",
        "version",
        "deleted_at",
        "photo",
        # Tasks, appointments, document metadata and mail (``related_export``): described,
        # not imported (the timeline, ``activities``, is).
        "tasks",
        "appointments",
        "documents",
        "mail",
        # When and where the general consent came from on the exporting site: an import
        # records the state it brings as its own (now, from an import), as the CSV import does.
        "email_consent_at",
        "email_consent_source",
        "sms_consent_at",
        "sms_consent_source",
    }
)
#: Activities one person's timeline may bring (a long one: years of calls and notes).
MAX_ACTIVITIES = 10_000
#: The general consent states (a state word the services read; empty or null says nothing).
CONTACT_CONSENT = ("email_consent", "sms_consent")


class JsonFormatError(ValueError):
    """The document is not a Rubrica export this version reads."""


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_default, separators=(",", ":"))


class JsonWriter:
    """Push-style writer of the document on a binary stream: ``write(contact)`` for each
    contact, then ``write_organization(org)`` for each organization, then ``close()`` (which
    leaves ``out`` open). One record per line inside the arrays: readable, diffable, and still
    one JSON value."""

    def __init__(self, out: IO[bytes], *, exported_at: dt.datetime | None = None) -> None:
        self._out = out
        when = exported_at or timezone.now()
        self._emit(
            "{"
            f'"format":{_dumps(FORMAT)},"version":{VERSION},"exported_at":{_dumps(when)},'
            '\n"contacts":['
        )
        self.contacts = 0
        self.organizations = 0
        self._in_organizations = False

    def _emit(self, text: str) -> None:
        self._out.write(text.encode("utf-8"))

    def write(self, contact: Mapping[str, Any]) -> None:
        if self._in_organizations:
            raise ValueError("contacts come before organizations")
        self._emit(("\n" if not self.contacts else ",\n") + _dumps(contact))
        self.contacts += 1

    def write_organization(self, organization: Mapping[str, Any]) -> None:
        if not self._in_organizations:
            self._emit('\n],\n"organizations":[')
            self._in_organizations = True
        self._emit(("\n" if not self.organizations else ",\n") + _dumps(organization))
        self.organizations += 1

    def close(self) -> None:
        if not self._in_organizations:
            self._emit('\n],\n"organizations":[')
            self._in_organizations = True
        self._emit("\n]}\n")
        self._out.flush()


def write_json(
    out: IO[bytes],
    contacts: Iterable[Mapping[str, Any]],
    organizations: Iterable[Mapping[str, Any]] = (),
    *,
    exported_at: dt.datetime | None = None,
) -> tuple[int, int]:
    """Write the whole document to ``out``. Returns (contacts, organizations) written."""
    writer = JsonWriter(out, exported_at=exported_at)
    for contact in contacts:
        writer.write(contact)
    for organization in organizations:
        writer.write_organization(organization)
    writer.close()
    return writer.contacts, writer.organizations


class JsonReader:
    """Records from a Rubrica JSON export (binary stream). :meth:`records` yields contacts,
    :meth:`organizations` yields organization dicts; each pass needs a seekable stream or a
    fresh one."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._passes = 0

    def _events(self) -> Iterator[tuple[str, Any]]:
        if self._passes:
            if not self._stream.seekable():
                raise JsonFormatError(_("This file can be read only once."))
            self._stream.seek(0)
        self._passes += 1
        # basic_parse, not parse: parse gives every event the path of keys above it, and a
        # file of a few kilobytes nested 100,000 deep made those paths take gigabytes.
        return iter(ijson.basic_parse(self._stream, use_float=True))

    def _items(self, array: str) -> Iterator[tuple[int, Any]]:
        """(index, value) of each element of the top-level ``array``, one at a time, after
        checking format and version; values nested deeper than ``MAX_DEPTH`` are refused."""
        events = self._events()
        index = 0
        depth = 0
        key = None  # the current key of the top-level object
        in_array = False
        # Elements begun in another top-level array (the pass for organizations walks the
        # people too): a value nested too deep there is named by its own record number.
        other = 0
        other_array = False
        seen_format = False
        try:
            for event, value in events:
                if event == "map_key":
                    if depth == 1:
                        key = value
                    continue
                if depth == 0 and event != "start_map":
                    raise JsonFormatError(_("This is not a Rubrica export."))
                if in_array and depth == 2 and event not in ("end_array", "end_map"):
                    if event in ("start_map", "start_array"):
                        value = _built(event, events, index)
                    yield index, value
                    index += 1
                elif event in ("start_map", "start_array"):
                    if depth == 2 and other_array:
                        other += 1
                    depth += 1
                    _check_depth(depth, index if in_array else max(other - 1, 0))
                    if depth == 2 and event == "start_array":
                        if key == array:
                            if not seen_format:
                                raise JsonFormatError(_("This is not a Rubrica export."))
                            in_array = True
                        else:
                            other_array, other = True, 0
                elif event in ("end_map", "end_array"):
                    depth -= 1
                    in_array = False
                    if depth < 2:
                        other_array = False
                elif depth == 2 and other_array:
                    other += 1  # a scalar element
                elif depth == 1 and key == "format":
                    if value != FORMAT:
                        raise JsonFormatError(_("This is not a Rubrica export."))
                    seen_format = True
                elif (
                    depth == 1
                    and key == "version"
                    and (not isinstance(value, int | float) or int(value) > VERSION)
                ):
                    raise JsonFormatError(
                        _("Version %(v)s of the export format is not supported.") % {"v": value}
                    )
        except ijson.JSONError as exc:
            raise JsonFormatError(
                _("The file is not valid JSON (after record %(n)d): %(e)s") % {"n": index, "e": exc}
            ) from None
        if not seen_format:
            raise JsonFormatError(_("This is not a Rubrica export."))

    def records(self) -> Iterator[SourceRecord]:
        for index, item in self._items("contacts"):
            yield contact_record(index, item)

    def organizations(self) -> Iterator[OrganizationRecord]:
        """The organizations of the document, read (the services validate the values)."""
        for index, item in self._items("organizations"):
            yield organization_record(index, item)


#: Levels of arrays and objects a document may nest (an exported one uses eight).
MAX_DEPTH = 32


def _check_depth(depth: int, index: int) -> None:
    if depth > MAX_DEPTH:
        raise JsonFormatError(
            _("Record %(n)d nests values more than %(max)d levels deep.")
            % {"n": index + 1, "max": MAX_DEPTH}
        )


def _built(event: str, events: Iterator[tuple[str, Any]], index: int) -> Any:
    """The array or object that ``event`` starts (an element of the top-level array, two
    levels down), built from the events up to its end."""
    builder = ijson.ObjectBuilder()
    builder.event(event, None)
    depth = 1
    for inner_event, inner_value in events:
        builder.event(inner_event, inner_value)
        if inner_event in ("start_map", "start_array"):
            depth += 1
            _check_depth(depth + 2, index)
        elif inner_event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                break
    return builder.value


def _problem(index: int, name: str, message: str) -> str:
    return _('record %(n)d, field "%(field)s": %(problem)s') % {
        "n": index + 1,
        "field": name,
        "problem": message,
    }


def contact_record(index: int, item: Any) -> SourceRecord:
    """One exported contact -> a :class:`SourceRecord` (``line`` is the 1-based index in the
    ``contacts`` array), with type and syntax problems named by record and field."""
    raw = _dumps(item)
    if not isinstance(item, dict):
        return SourceRecord(
            line=index + 1,
            data={},
            errors=[_("record %(n)d: not an object") % {"n": index + 1}],
            raw=raw,
        )
    errors: list[str] = []
    set_aside: list[str] = []
    data: dict[str, Any] = {}
    for name, value in item.items():
        if name in NOT_DATA:
            continue
        if name in CONTACT_TEXT or name in CONTACT_OPTIONAL_TEXT:
            if value is None and name in CONTACT_OPTIONAL_TEXT:
                data[name] = None
            elif not isinstance(value, str):
                errors.append(_problem(index, name, _("Enter text.")))
            else:
                data[name] = value
        elif name in CONTACT_CONSENT:
            if isinstance(value, str) and value.strip():
                data[name] = value
            elif value not in (None, ""):
                errors.append(_problem(index, name, _("Enter text.")))
        elif name in CONTACT_DATES:
            if value in (None, ""):
                data[name] = ""
            elif not isinstance(value, str):
                errors.append(_problem(index, name, _("Enter text.")))
            else:
                try:
                    data[name] = normalize.partial_date(value)
                except ValueError as exc:
                    # kept as written: the services refuse it and the import sets it aside
                    set_aside.append(_problem(index, name, str(exc)))
                    data[name] = value
        elif name in CONTACT_LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.append(_problem(index, name, _("Enter a list of texts.")))
            else:
                data[name] = value
        elif name in COLLECTIONS:
            data[name] = _collection(index, name, value, errors, set_aside=set_aside)
        elif name == "custom_fields":
            if not isinstance(value, dict):
                errors.append(_problem(index, name, _("Enter an object.")))
            else:
                data[name] = value
        elif name == "vcard_extra":
            extra = _vcard_extra(value)
            if extra is None:
                errors.append(
                    _problem(
                        index,
                        name,
                        _("Enter a list of vCard properties: %(shape)s.")
                        % {"shape": '{"name", "value", "params", "group"}'},
                    )
                )
            else:
                data[name] = extra
    affiliations: list[dict[str, Any]] = []
    organization = None
    raw_affiliations = item.get("affiliations") or []
    if not isinstance(raw_affiliations, list):
        errors.append(_problem(index, "affiliations", _("Enter a list.")))
        raw_affiliations = []
    elif len(raw_affiliations) > MAX_ITEMS:
        errors.append(
            _problem(index, "affiliations", _("At most %(n)d entries.") % {"n": MAX_ITEMS})
        )
        raw_affiliations = []
    for position, affiliation in enumerate(raw_affiliations):
        name = f"affiliations.{position}"
        if not isinstance(affiliation, dict) or not isinstance(
            affiliation.get("organization"), str
        ):
            errors.append(_problem(index, f"{name}.organization", _("Enter an organization.")))
            continue
        wrong = [
            part
            for part in ("title", "department", "start", "end", "organization_uid")
            if affiliation.get(part) is not None and not isinstance(affiliation[part], str)
        ]
        if not isinstance(affiliation.get("is_primary", False), bool):
            wrong.append("is_primary")
        for part in wrong:
            words = _("Enter true or false.") if part == "is_primary" else _("Enter text.")
            errors.append(_problem(index, f"{name}.{part}", words))
        if not wrong:
            affiliations.append(affiliation)
    if not affiliations and "affiliations" not in item:
        # A document written before exports carried every affiliation: its one organization.
        only = item.get("organization")
        if isinstance(only, dict) and isinstance(only.get("name"), str) and only["name"]:
            affiliations.append({**only, "organization": only["name"], "is_primary": True})
    if affiliations:
        chosen = next((a for a in affiliations if a.get("is_primary")), affiliations[0])
        organization = {
            "name": chosen["organization"],
            "title": str(chosen.get("title") or ""),
            "department": str(chosen.get("department") or ""),
        }
        for part, name in (("start", "start_date"), ("end", "end_date")):
            if chosen.get(part):
                organization[name] = str(chosen[part])
    answers = _purpose_answers(index, item.get("consent_by_purpose"), errors)
    activities = item.get("activities") or []
    if not isinstance(activities, list) or not all(isinstance(a, dict) for a in activities):
        errors.append(_problem(index, "activities", _("Enter a list of objects.")))
        activities = []
    elif len(activities) > MAX_ACTIVITIES:
        errors.append(
            _problem(index, "activities", _("At most %(n)d entries.") % {"n": MAX_ACTIVITIES})
        )
        activities = []
    uid = item.get("uid")
    return SourceRecord(
        line=index + 1,
        data=data,
        organization=organization,
        external_id=str(uid) if uid not in (None, "") else None,
        errors=errors,
        raw=raw,
        affiliations=affiliations,
        set_aside=set_aside,
        purpose_answers=answers,
        activities=activities,
    )


def _purpose_answers(index: int, value: Any, errors: list[str]) -> list[dict[str, str]]:
    """A person's ``consent_by_purpose`` as answers of three texts (purpose key, channel,
    state); the import judges each (an unknown purpose or a bad state costs that answer)."""
    if value in (None, []):
        return []
    if not isinstance(value, list):
        errors.append(_problem(index, "consent_by_purpose", _("Enter a list.")))
        return []
    if len(value) > MAX_ITEMS:
        errors.append(
            _problem(index, "consent_by_purpose", _("At most %(n)d entries.") % {"n": MAX_ITEMS})
        )
        return []
    out = []
    for position, answer in enumerate(value):
        if not isinstance(answer, dict):
            errors.append(_problem(index, f"consent_by_purpose.{position}", _("Enter an object.")))
            continue
        out.append({k: str(answer.get(k) or "") for k in ("purpose", "channel", "state")})
    return out


#: What an exported organization carries that an import writes (the organization services'
#: input); owner and team are the importer's to decide, and the parent is found by
#: ``parent_name`` once every organization of the document is in.
ORGANIZATION_TEXT = ("name", "industry", "notes", "website", "visibility")
ORGANIZATION_CHOICES = ("kind", "size")


@dataclass
class OrganizationRecord:
    """One exported organization, read: ``data`` in the services' shape, its ``uid`` and
    parent's name, and the problems found (by record and field); ``line`` is its 1-based
    index in the ``organizations`` array."""

    line: int
    data: dict[str, Any]
    uid: str = ""
    parent_name: str = ""
    errors: list[str] = field(default_factory=list)


def organization_record(index: int, item: Any) -> OrganizationRecord:
    """One element of the ``organizations`` array -> an :class:`OrganizationRecord`."""
    record = OrganizationRecord(line=index + 1, data={})
    if not isinstance(item, dict):
        record.errors.append(_("record %(n)d: not an object") % {"n": index + 1})
        return record
    errors = record.errors
    data = record.data
    for name in (*ORGANIZATION_TEXT, *ORGANIZATION_CHOICES):
        value = item.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            errors.append(_problem(index, name, _("Enter text.")))
        elif value or name in ORGANIZATION_TEXT:
            data[name] = value
    for name in ("tags", "email_domains"):
        value = item.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(_problem(index, name, _("Enter a list of texts.")))
        else:
            data[name] = value
    for name in ("phones", "addresses"):
        if item.get(name) is not None:
            data[name] = _collection(index, name, item[name], errors, check_values=False)
    custom = item.get("custom_fields")
    if custom is not None:
        if not isinstance(custom, dict):
            errors.append(_problem(index, "custom_fields", _("Enter an object.")))
        else:
            data["custom_fields"] = custom
    if not str(data.get("name") or "").strip():
        errors.append(_problem(index, "name", _("An organization needs a name.")))
    uid = item.get("uid")
    record.uid = uid if isinstance(uid, str) else ""
    parent = item.get("parent_name")
    record.parent_name = parent if isinstance(parent, str) else ""
    return record


# As the vCard codec reads names and groups (``vcard.lines``): a group may hold dots.
_VCARD_NAME = re.compile(r"[A-Za-z0-9_-]+")
_VCARD_GROUP = re.compile(r"[A-Za-z0-9_.-]+")
_NOT_IN_VALUE = frozenset("\r\n\x00")
_NOT_IN_PARAM = frozenset('\r\n\x00"')
#: A bare (2.1) parameter ends at ``;`` or ``:`` and would be named with ``=``.
_NOT_IN_BARE = _NOT_IN_PARAM | frozenset(";:=")


def _vcard_extra(value: Any) -> list[dict[str, Any]] | None:
    """The ``vcard_extra`` of an exported contact, checked (None when it is not what the vCard
    codec writes): a name or parameter that is not a vCard token, or a line break in a value,
    would write other lines into every vCard export of the person."""

    def token(text: Any) -> bool:
        return isinstance(text, str) and _VCARD_NAME.fullmatch(text) is not None

    def text(item: Any, banned: frozenset[str]) -> bool:
        return isinstance(item, str) and banned.isdisjoint(item)

    if not isinstance(value, list):
        return None
    out: list[dict[str, Any]] = []
    for item in value:
        if not isinstance(item, dict) or not token(item.get("name")):
            return None
        group = item.get("group")
        params = item.get("params", [])
        if group not in (None, "") and not (
            isinstance(group, str) and _VCARD_GROUP.fullmatch(group)
        ):
            return None
        if not text(item.get("value", ""), _NOT_IN_VALUE) or not isinstance(params, list):
            return None
        for param in params:
            if not isinstance(param, list) or len(param) != 2 or not isinstance(param[1], list):
                return None
            name, values = param
            if name is None and not all(text(v, _NOT_IN_BARE) and v for v in values):
                return None
            if name is not None and not (
                token(name) and all(text(v, _NOT_IN_PARAM) for v in values)
            ):
                return None
        kept = {
            "group": group or None,
            "name": item["name"],
            "params": [[n, list(vs)] for n, vs in params],
            "value": item.get("value", ""),
        }
        form_of = item.get(KEPT_FORM)
        if form_of is not None:  # the kept form of a modelled property (ADR 0005, amended)
            if not token(form_of):
                return None
            kept[KEPT_FORM] = form_of
        out.append(kept)
    return out


def _text(value: Any) -> str | None:
    """A text part of a collection row: a string, a whole number (a postal code) or nothing;
    None for anything else (an object would become its Python spelling)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _collection(
    index: int,
    kind: str,
    value: Any,
    errors: list[str],
    *,
    check_values: bool = True,
    set_aside: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The rows of a collection, their shape checked (a problem in ``errors``); with
    ``check_values`` their values too, a bad one named in ``set_aside`` and kept in the row (the
    services refuse it and the import sets it aside: one bad value never costs the record), or
    in ``errors`` without ``set_aside``."""
    if not isinstance(value, list):
        errors.append(_problem(index, kind, _("Enter a list.")))
        return []
    rows: list[dict[str, Any]] = []
    for position, row in enumerate(value):
        name = f"{kind}.{position}"
        if not isinstance(row, dict):
            errors.append(_problem(index, name, _("Enter an object.")))
            continue
        clean: dict[str, Any] = {"is_preferred": bool(row.get("is_preferred", False))}
        parts = ("label", *ADDRESS_PARTS) if kind == "addresses" else ("label",)
        for part in parts:
            clean[part] = _text(row.get(part))
            if clean[part] is None:
                errors.append(_problem(index, f"{name}.{part}", _("Enter text.")))
        if kind == "addresses":
            rows.append(clean)
            continue
        text = row.get("value")
        if not isinstance(text, str) or not text:
            errors.append(_problem(index, f"{name}.value", _("Enter a value.")))
            continue
        problem = None
        if not check_values:
            pass
        elif kind == "emails":
            problem = checks.check_email(text)
        elif kind == "phones":
            problem = checks.check_phone(text)
        elif kind == "urls":
            problem = checks.check_url(text)
        if problem:
            (set_aside if set_aside is not None else errors).append(
                _problem(index, f"{name}.value", problem)
            )
        clean["value"] = text
        rows.append(clean)
    return rows
