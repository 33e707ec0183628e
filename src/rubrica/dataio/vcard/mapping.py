"""A card ↔ the contact services' input shape (the shape of ``contacts.services.snapshot``).

Import maps what Rubrica models and keeps every other property verbatim in ``vcard_extra``; the
organization and the photo are returned beside the data, because they are written through their
own services. Export writes 4.0 (default) or 3.0, then the ``vcard_extra`` properties in that
version's form (``in_version``, ``version_form``).

A modelled property written in a form the plain export would not reproduce (a group, parameters
such as PID, ALTID, SORT-AS, LANGUAGE, an ADR's LABEL and GEO, TYPE values that are not the label,
a structured value with lists, a ``tel:`` URI) is also kept in ``vcard_extra`` as a *kept form*:
the property as read, marked ``"of": <its name>`` (``KEPT_FORM``). Export writes each modelled
value with the kept form that still maps to it (a row by its value, a name part by its text), so
an unchanged value goes back as it came, and an edited one keeps its parameters and group around
the new value. A kept form whose value is gone (the row was deleted) is not written, nor are the
companions of its group (``X-ABLabel``, ``X-ABADR``). See docs/adr/0012-vcard-kept-forms.md.

VERSION, PRODID and REV describe the file, not the contact, and are dropped (export writes its
own)."""

from __future__ import annotations

import calendar
import contextlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from rubrica.core import normalize
from rubrica.dataio.vcard import values as v
from rubrica.dataio.vcard.model import BARE_ENCODINGS, Card, Param, Property

TEXT_FIELDS = (
    "prefix",
    "given_name",
    "additional_name",
    "family_name",
    "suffix",
    "display_name",
    "phonetic_given_name",
    "phonetic_family_name",
    "title",
    "role",
    "notes",
)
ADDRESS_PARTS = ("po_box", "extended", "street", "city", "region", "postal_code", "country")
GENDERS = frozenset({"F", "M", "O", "N", "U"})
FILE_PROPERTIES = frozenset({"VERSION", "PRODID", "REV"})
UNKNOWN_YEAR = 1604  # Apple writes a birthday without a year as 1604-MM-DD
NOT_LABELS = frozenset({"pref", "internet", "x400", "quoted-printable", "base64", "b", "8bit"})
KNOWN_TYPES: dict[str, frozenset[str]] = {
    "emails": frozenset({"home", "work", "other"}),
    "phones": frozenset(
        {
            "home",
            "work",
            "cell",
            "fax",
            "pager",
            "voice",
            "text",
            "video",
            "textphone",
            "main",
            "iphone",
            "other",
            "car",
            "isdn",
            "bbs",
            "modem",
            "msg",
            "pcs",
        }
    ),
    "addresses": frozenset({"home", "work", "dom", "intl", "postal", "parcel", "other"}),
    "urls": frozenset({"home", "work", "other"}),
}
#: The key of a ``vcard_extra`` item that keeps the written form of a modelled property.
KEPT_FORM = "of"
#: The properties of a ``vcard_extra`` item that hold a postal address or its parts.
ADDRESS_PROPERTIES = frozenset({"ADR", "LABEL", "X-ABADR"})


def _holds_address(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    name = str(item.get("name") or "").upper()
    return name in ADDRESS_PROPERTIES or str(item.get(KEPT_FORM) or "").upper() == "ADR"


def without_address_forms(extra: Any) -> Any:
    """A person's ``vcard_extra`` without the items that hold a postal address — kept forms of
    ADR, ADR and LABEL properties kept verbatim, Apple's X-ABADR — nor the other members of
    their groups (an ``X-ABLabel``); the same list when none is there. Sealed addresses (ADR
    0048) and readers who may not read addresses get this."""
    if not isinstance(extra, list):
        return extra
    groups = {
        str(item["group"]).upper() for item in extra if _holds_address(item) and item.get("group")
    }
    kept = [
        item
        for item in extra
        if not _holds_address(item)
        and not (
            isinstance(item, dict) and item.get("group") and str(item["group"]).upper() in groups
        )
    ]
    return kept if len(kept) != len(extra) else extra


def without_phone_forms(extra: Any, numbers: set[str] | None) -> Any:
    """A person's ``vcard_extra`` without the kept TEL forms (and their groups' companions)
    whose number is one of ``numbers`` (digits only): the personal phones a reader may not
    read (ADR 0034); with ``numbers`` None, without any (while personal phones are sealed,
    ADR 0052: a kept form does not say reliably whether its row is a personal one)."""
    if not isinstance(extra, list) or numbers == set():
        return extra

    def hidden(item: Any) -> bool:
        return (
            isinstance(item, dict)
            and str(item.get("name") or "").upper() == "TEL"
            and (
                numbers is None
                or re.sub(r"\D", "", str(item.get("value") or "")).lstrip("0") in numbers
            )
        )

    groups = {str(item["group"]).upper() for item in extra if hidden(item) and item.get("group")}
    kept = [
        item
        for item in extra
        if not hidden(item)
        and not (
            isinstance(item, dict) and item.get("group") and str(item["group"]).upper() in groups
        )
    ]
    return kept if len(kept) != len(extra) else extra


def scrub_sealed_forms(entity: str, name: str, value: Any) -> Any:
    """``core.sealing.SCRUB_POLICY``: while people's addresses are sealed (ADR 0048), their
    vCard extras keep no address in clear (the address itself is in its sealed row); while
    personal phones are (ADR 0052), no phone number."""
    from rubrica.core import sealing

    if entity != "contact" or name != "vcard_extra":
        return value
    if sealing.must_seal("contact", "addresses"):
        value = without_address_forms(value)
    if sealing.must_seal("contact", "personal_phones"):  # ADR 0052
        value = without_phone_forms(value, None)
    return value


#: Rubrica's label for each of Apple's built-in labels (``_$!<HomeFAX>!$_``), and back.
APPLE_LABELS = {
    "home": "home",
    "work": "work",
    "other": "other",
    "mobile": "mobile",
    "main": "main",
    "iphone": "iphone",
    "pager": "pager",
    "homefax": "home,fax",
    "workfax": "work,fax",
    "otherfax": "other,fax",
    "homepage": "homepage",
    "school": "school",
}
APPLE_FORMS = {
    "home": "Home",
    "work": "Work",
    "other": "Other",
    "mobile": "Mobile",
    "main": "Main",
    "iphone": "iPhone",
    "pager": "Pager",
    "home,fax": "HomeFAX",
    "work,fax": "WorkFAX",
    "other,fax": "OtherFAX",
    "homepage": "HomePage",
    "school": "School",
}
#: Companions of a modelled property in its Apple group.
APPLE_COMPANIONS = frozenset({"X-ABLABEL", "X-ABADR"})
#: Properties vCard 4.0 has and 3.0 has not: their 3.0 (X-) form, and back.
TO_30 = {
    "KIND": "X-ADDRESSBOOKSERVER-KIND",
    "MEMBER": "X-ADDRESSBOOKSERVER-MEMBER",
    "RELATED": "X-RELATED",
    "CLIENTPIDMAP": "X-CLIENTPIDMAP",
    "LANG": "X-LANG",
    "GENDER": "X-GENDER",
    "ANNIVERSARY": "X-ANNIVERSARY",
    "XML": "X-XML",
}
TO_40 = {x: name for name, x in TO_30.items()}
#: Properties vCard 3.0 has and 4.0 has not: their 4.0 (X-) form.
ONLY_30 = {
    name: f"X-{name}" for name in ("LABEL", "MAILER", "CLASS", "NAME", "PROFILE", "SORT-STRING")
}
#: Parameters the export writes itself for a property (so they need no kept form).
WRITER_PARAMS = {
    "PHOTO": frozenset({"ENCODING", "TYPE", "MEDIATYPE", "VALUE"}),
    "TZ": frozenset({"VALUE"}),
    "BDAY": frozenset({"X-APPLE-OMIT-YEAR"}),
    "ANNIVERSARY": frozenset({"X-APPLE-OMIT-YEAR"}),
    "X-ANNIVERSARY": frozenset({"X-APPLE-OMIT-YEAR"}),
}
#: The kind of row each modelled multi-valued property becomes.
ROW_KINDS = {
    "EMAIL": "emails",
    "TEL": "phones",
    "ADR": "addresses",
    "URL": "urls",
    "IMPP": "profiles",
    "X-SOCIALPROFILE": "profiles",
}
#: Name parts joined when a component is a list: prefixes and suffixes read "Dr., Prof.".
N_FIELDS = ("family_name", "given_name", "additional_name", "prefix", "suffix")
N_JOIN = {"prefix": ", ", "suffix": ", "}
_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_")
_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_ITEM_GROUP = re.compile(r"item(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Photo:
    data: bytes
    mime: str


@dataclass
class ImportedContact:
    """What one card gives the importer: service input data (with ``uid`` and ``vcard_extra``),
    the organization as (name, department) if the card has an ORG, and an inline photo."""

    data: dict[str, Any]
    organization: tuple[str, str] | None = None
    photo: Photo | None = None


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def empty_data() -> dict[str, Any]:
    data: dict[str, Any] = dict.fromkeys(TEXT_FIELDS, "")
    data.update(
        nicknames=[],
        languages=[],
        gender="",
        birthday="",
        anniversary="",
        time_zone="",
        tags=[],
        emails=[],
        phones=[],
        addresses=[],
        urls=[],
        profiles=[],
        uid="",
        vcard_extra=[],
    )
    return data


def parse_date(raw: str, omit_year: str = "") -> str | None:
    """``YYYY-MM-DD`` or ``--MM-DD`` from the date forms seen in files; None when it is not a
    full date (a year alone, free text, an impossible day)."""
    value = raw.strip().split("T", 1)[0] if not raw.strip().startswith("T") else ""
    match = _NO_YEAR.fullmatch(value)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]:
            return f"--{month:02d}-{day:02d}"
        return None
    match = _DATE.fullmatch(value)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    no_year = year == UNKNOWN_YEAR or match.group(1) == omit_year.strip() or year < 1000
    if not 1 <= month <= 12 or day < 1 or day > calendar.monthrange(year or 2000, month)[1]:
        return None
    if no_year:
        return f"--{month:02d}-{day:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _tel(prop: Property) -> str:
    value = v.text(prop).strip()
    if value[:4].lower() != "tel:":
        return value
    number, *rest = value[4:].split(";")
    for part in rest:
        key, _eq, ext = part.partition("=")
        if key.strip().lower() == "ext" and ext.strip():
            return f"{number} ext. {ext.strip()}"
    return number


def _preferred(prop: Property) -> bool:
    if any(p.is_named("PREF") for p in prop.params):
        return True
    return any(t.lower() == "pref" for t in prop.types())


def _type_label(prop: Property, kind: str) -> str:
    tokens = [t.lower() for t in prop.types() if t.lower() not in NOT_LABELS]
    if kind == "phones" and len(tokens) > 1:
        tokens = [t for t in tokens if t != "voice"]
    return ",".join("mobile" if t == "cell" else t for t in tokens)


def _apple_label(raw: str) -> str:
    """Rubrica's label for an ``X-ABLabel`` value: a built-in one by the table, an unknown
    built-in one lower-cased without its marks, a custom one as written."""
    match = _APPLE_LABEL.fullmatch(raw)
    if not match:
        return raw
    name = match.group(1).lower()
    return APPLE_LABELS.get(name, name)


def apple_form(label: str) -> str:
    """An ``X-ABLabel`` value for a Rubrica label: Apple's built-in form when there is one."""
    known = APPLE_FORMS.get(label.strip().lower())
    return f"_$!<{known}>!$_" if known else label


def _name_part(field: str, raw_component: str) -> str:
    items = [item.strip() for item in v.component_items(raw_component) if item.strip()]
    return N_JOIN.get(field, " ").join(items)


def _canonical(key: str) -> str:
    """The 4.0 name of a property that 3.0 writes as an X- property (GENDER for X-GENDER)."""
    return TO_40.get(key, key)


def _tokens(prop: Property) -> list[str]:
    """TYPE values and bare parameters, without transfer encodings and ``pref``."""
    return [t for t in prop.types() if t.upper() not in BARE_ENCODINGS and t.lower() != "pref"]


def _label_types(kind: str, label: str) -> list[str] | None:
    """The TYPE values the export writes for a label, or None for a custom label (written as
    a group's X-ABLabel)."""
    tokens = [t.strip().lower() for t in label.split(",")] if label else []
    tokens = ["cell" if t == "mobile" else t for t in tokens]
    if tokens and not all(t in KNOWN_TYPES.get(kind, frozenset()) for t in tokens):
        return None
    return tokens


def _plain(prop: Property, kind: str | None, label: str, data: dict[str, Any]) -> bool:
    """True when the export writes this mapped property back the same from the data alone, so
    that no kept form is needed: no group, no parameter other than a transfer encoding, the
    preference and TYPE values that are the label, and a value that is not a structured list
    or a ``tel:`` URI."""
    if prop.group:
        return False
    written = WRITER_PARAMS.get(prop.key, frozenset())
    for param in prop.params:
        name = "TYPE" if param.name is None else param.name.upper()
        if name in ("ENCODING", "CHARSET") or (name in written and kind is None):
            continue
        if param.name is None and param.values and param.values[0].upper() in BARE_ENCODINGS:
            continue
        if name == "PREF" and param.values == ("1",) and kind is not None:
            continue
        if name in written:
            continue
        if kind == "profiles" and name in ("TYPE", "X-SERVICE-TYPE"):
            if [x for x in param.values if x.lower() != "pref"] in ([label], []):
                continue
            return False
        if name != "TYPE" or kind is None:
            return False
    if kind is not None and kind != "profiles":
        wanted = _label_types(kind, label)
        if wanted is None or sorted(set(wanted)) != sorted({t.lower() for t in _tokens(prop)}):
            return False
    key = prop.key
    if key == "TEL":
        return v.text(prop).strip()[:4].lower() != "tel:"
    if key == "N":
        parts = v.raw_components(v.decoded_text(prop))
        return not any(p.strip() for p in parts[5:]) and all(
            v.escape(data[f]) == part.strip() for f, part in zip(N_FIELDS, parts, strict=False)
        )
    if key == "ORG":
        return len(v.raw_components(v.decoded_text(prop))) <= 2
    return True


def card_to_contact(card: Card) -> ImportedContact:
    """Map a parsed card; never fails (what cannot be mapped goes to ``vcard_extra``)."""
    data = empty_data()
    props = card.properties
    ab_labels = {
        p.group.upper(): i for i, p in enumerate(props) if p.key == "X-ABLABEL" and p.group
    }
    seen: set[str] = set()
    mapped: set[int] = set()
    #: the label each mapped row property was given, by its index
    labels: dict[int, str] = {}
    organization: tuple[str, str] | None = None
    photo: Photo | None = None

    def label(prop: Property, kind: str) -> str:
        index = ab_labels.get((prop.group or "").upper())
        if index is not None:
            found = _apple_label(v.text(props[index]).strip())
        else:
            found = _type_label(prop, kind)
        labels[i] = found
        return found

    def first(key: str) -> bool:
        if key in seen:
            return False
        seen.add(key)
        return True

    for i, prop in enumerate(props):
        key = prop.key
        ok = True
        if key in FILE_PROPERTIES:
            pass
        elif key == "N" and first(key):
            # A component may be a comma list (two additional names): its items are joined
            # here, and the kept form writes the list back while the name is unchanged.
            parts = [*v.raw_components(v.decoded_text(prop)), "", "", "", "", ""]
            for name, part in zip(N_FIELDS, parts, strict=False):
                data[name] = _name_part(name, part)
        elif key == "FN" and first(key):
            data["display_name"] = v.text(prop).strip()
        elif key == "NICKNAME":
            data["nicknames"].extend(
                n.strip() for n in v.split_list(v.decoded_text(prop)) if n.strip()
            )
        elif key in ("X-PHONETIC-FIRST-NAME", "X-PHONETIC-LAST-NAME") and first(key):
            name = "phonetic_given_name" if "FIRST" in key else "phonetic_family_name"
            data[name] = v.text(prop).strip()
        elif key == "EMAIL":
            data["emails"].append(
                {
                    "label": label(prop, "emails"),
                    "value": v.text(prop).strip(),
                    "is_preferred": _preferred(prop),
                }
            )
        elif key == "TEL":
            data["phones"].append(
                {
                    "label": label(prop, "phones"),
                    "value": _tel(prop),
                    "is_preferred": _preferred(prop),
                }
            )
        elif key == "ADR":
            parts = [*v.split_components(v.decoded_text(prop)), *[""] * 7]
            row: dict[str, Any] = {"label": label(prop, "addresses")}
            for name, part in zip(ADDRESS_PARTS, parts, strict=False):
                row[name] = part.strip()
            row["is_preferred"] = _preferred(prop)
            data["addresses"].append(row)
        elif key == "URL":
            data["urls"].append(
                {
                    "label": label(prop, "urls"),
                    "value": v.text(prop).strip(),
                    "is_preferred": _preferred(prop),
                }
            )
        elif key in ("IMPP", "X-SOCIALPROFILE"):
            service = prop.param_values("X-SERVICE-TYPE") if key == "IMPP" else []
            names = [t for t in prop.param_values("TYPE") if t.lower() != "pref"]
            index = ab_labels.get((prop.group or "").upper())
            if service:
                profile_label = service[0]
            elif index is not None:
                profile_label = label(prop, "profiles")
            else:
                profile_label = names[0] if names else ""
            labels[i] = profile_label
            value = v.text(prop).strip() or next(iter(prop.param_values("X-USER")), "")
            data["profiles"].append(
                {"label": profile_label, "value": value, "is_preferred": _preferred(prop)}
            )
        elif key in ("BDAY", "ANNIVERSARY", "X-ANNIVERSARY"):
            name = "birthday" if key == "BDAY" else "anniversary"
            omit = next(iter(prop.param_values("X-APPLE-OMIT-YEAR")), "")
            date = parse_date(v.text(prop), omit) if not data[name] else None
            ok = date is not None
            if date:
                data[name] = date
        # An empty TITLE, ROLE or NOTE is kept verbatim (nothing to map), and does not keep the
        # next one of its name out of the field.
        elif key in ("TITLE", "ROLE") and (text := v.text(prop).strip()) and first(key):
            data[key.lower()] = text
        elif key == "NOTE" and (note := v.text(prop)).strip() and first(key):
            data["notes"] = note
        elif key in ("LANG", "X-LANG") and v.text(prop).strip():
            data["languages"].append(v.text(prop).strip())
        elif key == "TZ" and v.text(prop).strip() in _time_zones() and first(key):
            data["time_zone"] = v.text(prop).strip()
        elif key in ("GENDER", "X-GENDER") and not data["gender"]:
            parts = v.split_components(v.decoded_text(prop))
            code = parts[0].strip().upper()
            code = {"MALE": "M", "FEMALE": "F"}.get(code, code)
            ok = code in GENDERS and not any(p.strip() for p in parts[1:])
            if ok:
                data["gender"] = code
        elif key == "CATEGORIES":
            for tag in v.split_list(v.decoded_text(prop)):
                if tag.strip() and tag.strip() not in data["tags"]:
                    data["tags"].append(tag.strip())
        elif key == "UID" and first(key):
            data["uid"] = v.text(prop).strip()
        elif key == "ORG" and first(key):
            parts = [p.strip() for p in v.split_components(v.decoded_text(prop))]
            organization = (parts[0], ", ".join(p for p in parts[1:] if p))
        elif key == "PHOTO" and photo is None and (found := v.binary(prop)) is not None:
            photo = Photo(*found)
        else:
            ok = False
        if ok:
            mapped.add(i)
    members: dict[str, list[int]] = {}
    for i, prop in enumerate(props):
        if prop.group:
            members.setdefault(prop.group.upper(), []).append(i)
    forms: list[dict[str, Any]] = []
    written_labels: set[int] = set()
    for i in sorted(mapped):
        prop = props[i]
        kind = ROW_KINDS.get(prop.key)
        if prop.group and kind is not None and kind != "profiles":
            # The export's own form of a custom label: ``itemN.TEL`` + ``itemN.X-ABLabel``.
            index = ab_labels.get(prop.group.upper())
            ungrouped = Property(prop.name, prop.value, prop.params)
            if (
                index is not None
                and len(members[prop.group.upper()]) == 2
                and not _APPLE_LABEL.fullmatch(v.text(props[index]).strip())
                and _label_types(kind, labels.get(i, "")) is None
                and not _tokens(prop)
                and _plain(ungrouped, kind, "", data)
            ):
                written_labels.add(index)
                continue
        if _plain(prop, kind, labels.get(i, ""), data):
            continue
        item = prop.to_extra()
        if prop.key == "PHOTO":
            item["value"] = ""  # the image is the person's photo; only its form is kept
        item[KEPT_FORM] = _canonical(prop.key)
        forms.append(item)
    extra = [
        p.to_extra()
        for i, p in enumerate(props)
        if i not in mapped and i not in written_labels and p.key not in FILE_PROPERTIES
    ]
    extra += forms
    data["vcard_extra"] = extra
    return ImportedContact(data=data, organization=organization, photo=photo)


def _format_date(value: str, version: str, name: str) -> Property | None:
    match = _NO_YEAR.fullmatch(value or "")
    if match:
        month, day = match.groups()
        if version == "4.0":
            return Property(name, f"--{month}{day}")
        omit = (Param("X-APPLE-OMIT-YEAR", (str(UNKNOWN_YEAR),)),)
        return Property(name, f"{UNKNOWN_YEAR}-{month}-{day}", omit)
    match = _DATE.fullmatch(value or "")
    if not match:
        return None
    year, month, day = match.groups()
    return Property(name, f"{year}{month}{day}" if version == "4.0" else f"{year}-{month}-{day}")


class _Groups:
    """Hands out ``itemN`` groups that do not clash with groups kept in ``vcard_extra``."""

    def __init__(self, extra: list[Property]) -> None:
        numbers = [
            int(m.group(1)) for p in extra if p.group and (m := _ITEM_GROUP.fullmatch(p.group))
        ]
        self.next = max(numbers, default=0) + 1

    def take(self) -> str:
        group = f"item{self.next}"
        self.next += 1
        return group


def _loose(text: str) -> str:
    return " ".join(text.split()).casefold()


def _row_key(kind: str, row: dict[str, Any]) -> Any:
    """What identifies a row's value, loosely (case and spacing aside)."""
    if kind == "addresses":
        return tuple(_loose(str(row.get(part) or "")) for part in ADDRESS_PARTS)
    value = str(row.get("value") or "")
    if kind == "urls":
        with contextlib.suppress(ValueError):
            value = normalize.url(value)
    return _loose(value)


def _kept_key(kind: str, prop: Property) -> Any:
    """The key of the row a kept form was mapped to (``card_to_contact``'s own reading)."""
    if kind == "addresses":
        parts = [*v.split_components(v.decoded_text(prop)), *[""] * 7]
        return tuple(_loose(part) for part in parts[: len(ADDRESS_PARTS)])
    if kind == "phones":
        return _row_key(kind, {"value": _tel(prop)})
    if kind == "profiles":
        value = v.text(prop).strip() or next(iter(prop.param_values("X-USER")), "")
        return _loose(value)
    return _row_key(kind, {"value": v.text(prop).strip()})


class _Kept:
    """The kept forms of a contact's modelled properties (in the export's version) and its
    other kept properties; hands each modelled value the kept form that still maps to it."""

    def __init__(self, items: list[dict[str, Any]], version: str) -> None:
        self.version = version
        self.forms: list[tuple[str, Property]] = []
        self.extra: list[Property] = []
        for item in items:
            prop = in_version(Property.from_extra(item), version)
            if item.get(KEPT_FORM):
                self.forms.append((str(item[KEPT_FORM]).upper(), prop))
            else:
                self.extra.append(prop)
        self.used: set[int] = set()
        self.groups = _Groups(self.extra + [prop for _key, prop in self.forms])
        #: groups written by a modelled property (their companions are written too)
        self.written_groups: set[str] = set()

    def take(self, key: str, match: Any = None, kind: str = "") -> Property | None:
        """The first unused kept form of ``key`` (whose row key is ``match`` for a row)."""
        for index, (name, prop) in enumerate(self.forms):
            if index in self.used or name != key:
                continue
            if kind and _kept_key(kind, prop) != match:
                continue
            self.used.add(index)
            if prop.group:
                self.written_groups.add(prop.group.upper())
            return prop
        return None

    def ab_label(self, group: str | None) -> int | None:
        """The index in ``extra`` of the X-ABLabel of ``group``."""
        if not group:
            return None
        for index, prop in enumerate(self.extra):
            if prop.key == "X-ABLABEL" and (prop.group or "").upper() == group.upper():
                return index
        return None

    def kept_extra(self) -> list[Property]:
        """The other kept properties, without the companions of a kept form whose value is
        gone (a deleted row's X-ABLabel would label nothing)."""
        gone = {
            prop.group.upper()
            for index, (_name, prop) in enumerate(self.forms)
            if index not in self.used and prop.group
        } - self.written_groups
        alone = {
            (p.group or "").upper() for p in self.extra if p.key not in APPLE_COMPANIONS
        }  # a property of the group kept verbatim (a refused value set aside) keeps them
        return [
            prop for prop in self.extra if not (prop.group and prop.group.upper() in gone - alone)
        ]


def _without(params: tuple[Param, ...], *names: str) -> list[Param]:
    return [p for p in params if not any(p.is_named(name) for name in names)]


def _with_pref(
    params: list[Param], types: list[str], preferred: bool, kept: Property | None, version: str
) -> tuple[Param, ...]:
    """``params`` with TYPE (``types``) first and the preference in the version's form; a kept
    4.0 PREF rank other than 1 stays on a value that is not the preferred one."""
    types = list(types)
    extra: list[Param] = []
    ranks = kept.param_values("PREF") if kept is not None else []
    if preferred:
        if version == "4.0":
            extra.append(Param("PREF", ("1",)))
        else:
            types.append("pref")
    elif ranks and ranks != ["1"] and version == "4.0":
        extra.append(Param("PREF", tuple(ranks)))
    head = [Param("TYPE", tuple(types))] if types else []
    return tuple(head + params + extra)


def _labelled(
    name: str,
    value: str,
    row: dict[str, Any],
    kind: str,
    version: str,
    kept: _Kept,
    out: list[Property],
) -> None:
    label = str(row.get("label") or "").strip()
    form = kept.take(name, _row_key(kind, row), kind)
    preferred = bool(row.get("is_preferred"))
    if form is None:
        wanted = _label_types(kind, label)
        group = kept.groups.take() if wanted is None else None
        out.append(
            Property(name, value, _with_pref([], wanted or [], preferred, None, version), group)
        )
        if group:
            out.append(Property("X-ABLabel", v.escape(label), (), group))
        return
    # The kept form: its group, parameters and value, with the label and preference of now.
    group = form.group
    ab_index = kept.ab_label(group)
    types = _tokens(form)
    if ab_index is not None:
        was = _apple_label(v.text(kept.extra[ab_index]).strip())
        if was != label:
            written = kept.extra[ab_index]
            kept.extra[ab_index] = Property(
                written.name, v.escape(apple_form(label)), (), written.group
            )
    elif _type_label(form, kind) != label:
        wanted = _label_types(kind, label)
        types = wanted or []
        if wanted is None:
            group = group or kept.groups.take()
            out_label = Property("X-ABLabel", v.escape(label), (), group)
            kept.extra.append(out_label)
            kept.written_groups.add(group.upper())
    params = _without(form.params, "TYPE", "PREF")
    params = [p for p in params if p.name is not None]
    if name == "TEL" and version == "3.0" and form.value[:4].lower() == "tel:":
        form_value = value  # 3.0 has no tel: URI: the number as Rubrica reads it
        params = _without(tuple(params), "VALUE")
    else:
        form_value = form.value
    out.append(
        Property(form.name, form_value, _with_pref(params, types, preferred, form, version), group)
    )


def _profile(row: dict[str, Any], version: str, kept: _Kept) -> Property:
    label = str(row.get("label") or "").strip()
    value = str(row.get("value") or "")
    preferred = bool(row.get("is_preferred"))
    pref: tuple[Param, ...] = ()
    is_impp = bool(_URI_SCHEME.match(value)) and not value.lower().startswith(("http:", "https:"))
    for name in ("IMPP", "X-SOCIALPROFILE"):
        form = kept.take(name, _row_key("profiles", row), "profiles")
        if form is not None:
            params = [p for p in _without(form.params, "PREF") if p.name is not None]
            return Property(
                form.name,
                form.value,
                _with_pref(params, [], preferred, form, version),
                form.group,
            )
    if preferred:
        pref = (Param("PREF", ("1",)),) if version == "4.0" else (Param("TYPE", ("pref",)),)
    if is_impp:
        service = (Param("X-SERVICE-TYPE", (label,)),) if label else ()
        return Property("IMPP", v.escape(value), service + pref)
    types = (label,) if label else ()
    if preferred and version != "4.0":
        types = (*types, "pref")
        pref = ()
    type_param = (Param("TYPE", types),) if types else ()
    return Property("X-SOCIALPROFILE", v.escape(value), type_param + pref)


def _with_form(fresh: Property, form: Property | None, same: bool, *drop: str) -> Property:
    """``fresh`` (written from the data) in its kept form: the kept group and parameters (but
    ``drop``, which the writer decides), and the kept value when ``same`` (it still maps to the
    data's value)."""
    if form is None:
        return fresh
    params = [p for p in _without(form.params, *drop)]
    names = {p.name.upper() for p in params if p.name is not None}
    params += [p for p in fresh.params if p.name is None or p.name.upper() not in names]
    return Property(form.name if same else fresh.name, form.value if same else fresh.value,
                    tuple(params), form.group)  # fmt: skip


def contact_to_card(
    data: dict[str, Any],
    *,
    version: str = "4.0",
    organization: tuple[str, str] | str | None = None,
    photo: Photo | None = None,
) -> Card:
    """Build a card from snapshot-shaped ``data`` (plus optional ``uid`` and ``vcard_extra``)."""
    if version not in ("3.0", "4.0"):
        raise ValueError(version)
    kept = _Kept(list(data.get("vcard_extra") or []), version)
    out: list[Property] = [Property("VERSION", version)]
    out.append(Property("PRODID", "-//Rubrica//Rubrica//EN"))

    def text(key: str) -> str:
        return str(data.get(key) or "")

    def single(fresh: Property, same: Any = None, *drop: str) -> None:
        """Write ``fresh`` with the kept form of its name; the kept value when ``same`` (a
        function of the kept form) says it still maps to the data."""
        form = kept.take(_canonical(fresh.key))
        ok = form is not None and (same is None or bool(same(form)))
        out.append(_with_form(fresh, form, ok, *drop))

    if data.get("uid"):
        uid = text("uid")
        single(Property("UID", v.escape(uid)), lambda f: v.text(f).strip() == uid)
    display = text("display_name")
    single(Property("FN", v.escape(display)), lambda f: v.text(f).strip() == display)
    out.append(_name(data, kept))
    _lists(out, kept, "NICKNAME", list(data.get("nicknames") or []))
    if text("phonetic_given_name"):
        single(Property("X-PHONETIC-FIRST-NAME", v.escape(text("phonetic_given_name"))))
    if text("phonetic_family_name"):
        single(Property("X-PHONETIC-LAST-NAME", v.escape(text("phonetic_family_name"))))
    if text("gender"):
        code = text("gender")
        gender = Property("GENDER" if version == "4.0" else "X-GENDER", code)
        single(gender, lambda f: v.text(f).strip().upper() in (code, _GENDER_WORDS.get(code)))
    for key, name in (("birthday", "BDAY"), ("anniversary", "ANNIVERSARY")):
        if version == "3.0" and name == "ANNIVERSARY":
            name = "X-ANNIVERSARY"
        date = _format_date(text(key), version, name)
        if date:
            # The date is written in the version's form; its other parameters are kept.
            form = kept.take(_canonical(name))
            out.append(_with_form(date, form, False, "X-APPLE-OMIT-YEAR"))
    for key, name in (("title", "TITLE"), ("role", "ROLE")):
        if text(key):
            value = text(key)
            single(Property(name, v.escape(value)), lambda f, x=value: v.text(f).strip() == x)
    if isinstance(organization, str):
        organization = (organization, "")
    if organization and (organization[0] or organization[1]):
        out.append(_organization(organization, kept))
    for row in data.get("emails") or []:
        _labelled("EMAIL", v.escape(str(row.get("value", ""))), row, "emails", version, kept, out)
    for row in data.get("phones") or []:
        _labelled("TEL", v.escape(str(row.get("value", ""))), row, "phones", version, kept, out)
    for row in data.get("addresses") or []:
        adr = ";".join(v.escape(str(row.get(part) or "")) for part in ADDRESS_PARTS)
        _labelled("ADR", adr, row, "addresses", version, kept, out)
    for row in data.get("urls") or []:
        _labelled("URL", v.escape(str(row.get("value", ""))), row, "urls", version, kept, out)
    for row in data.get("profiles") or []:
        out.append(_profile(row, version, kept))
    for lang in data.get("languages") or []:
        form = kept.take("LANG", _loose(lang), "languages")
        out.append(_with_form(Property("LANG", v.escape(lang)), form, form is not None))
    if text("time_zone"):
        tz_params = (Param("VALUE", ("text",)),) if version == "3.0" else ()
        zone = text("time_zone")
        single(Property("TZ", v.escape(zone), tz_params), lambda f: v.text(f).strip() == zone)
    _lists(out, kept, "CATEGORIES", list(data.get("tags") or []))
    if text("notes"):
        notes = text("notes")
        single(Property("NOTE", v.escape(notes)), lambda f: v.text(f) == notes)
    if photo is not None:
        if version == "4.0":
            fresh = Property("PHOTO", v.data_uri(photo.data, photo.mime))
            drop: tuple[str, ...] = ("ENCODING", "TYPE", "MEDIATYPE", "VALUE")
        else:
            subtype = photo.mime.rpartition("/")[2].upper() or "JPEG"
            params = (Param("ENCODING", ("b",)), Param("TYPE", (subtype,)))
            fresh = Property("PHOTO", v.b64(photo.data), params)
            drop = ("ENCODING", "TYPE", "MEDIATYPE", "VALUE")
        out.append(_with_form(fresh, kept.take("PHOTO"), False, *drop))
    out = [out[0], out[1], *(version_form(prop, version) for prop in out[2:])]
    out.extend(version_form(prop, version) for prop in kept.kept_extra())
    return Card(properties=out)


def _name(data: dict[str, Any], kept: _Kept) -> Property:
    """N from the name parts; a component whose kept form still reads as the part is written
    as it was (a comma list of additional names stays a list)."""
    parts = [str(data.get(field) or "") for field in N_FIELDS]
    fresh = [v.escape(part) for part in parts]
    form = kept.take("N")
    if form is None:
        return Property("N", ";".join(fresh))
    raw = v.raw_components(form.value)
    written = [
        raw[i] if i < len(raw) and _name_part(field, raw[i]) == parts[i] else fresh[i]
        for i, field in enumerate(N_FIELDS)
    ]
    written += [part for part in raw[5:]]  # components beyond the five, as they came
    return _with_form(Property("N", ";".join(written)), form, False)


def _organization(organization: tuple[str, str], kept: _Kept) -> Property:
    """ORG from the organization's name and the department; the kept form's units when they
    still read as the department (``R&D;Team Ö`` stays two units)."""
    name, department = organization
    fresh = [v.escape(name)] + ([v.escape(department)] if department else [])
    form = kept.take("ORG")
    if form is None:
        return Property("ORG", ";".join(fresh))
    raw = v.raw_components(form.value)
    parts = [p.strip() for p in v.split_components(form.value)]
    same_name = bool(raw) and parts[0] == name
    same_units = ", ".join(p for p in parts[1:] if p) == department
    written = [raw[0] if same_name else fresh[0]]
    if same_units:
        written += raw[1:]
    elif department:
        written.append(v.escape(department))
    return _with_form(Property("ORG", ";".join(written)), form, False)


def _lists(out: list[Property], kept: _Kept, name: str, items: list[str]) -> None:
    """NICKNAME or CATEGORIES: each kept form whose items are all still there is written with
    them (as it was), the other items in one more property."""
    left = list(items)
    while True:
        before = len(kept.used)
        form = None
        for index, (key, prop) in enumerate(kept.forms):
            if index in kept.used or key != name:
                continue
            its = [x.strip() for x in v.split_list(prop.value) if x.strip()]
            if its and all(x in left for x in its):
                kept.used.add(index)
                if prop.group:
                    kept.written_groups.add(prop.group.upper())
                for x in its:
                    left.remove(x)
                form = prop
                break
        if form is None or len(kept.used) == before:
            break
        out.append(form)
    if left:
        form = kept.take(name)
        fresh = Property(name, ",".join(v.escape(x) for x in left))
        out.append(_with_form(fresh, form, False))


def version_form(prop: Property, version: str) -> Property:
    """A property in ``version``'s own form: a 4.0-only property as its 3.0 X- form (KIND as
    X-ADDRESSBOOKSERVER-KIND, RELATED as X-RELATED…) and back, a 3.0-only one (LABEL, MAILER…)
    as X- in 4.0, and GEO as ``lat;lon`` in 3.0 and a ``geo:`` URI in 4.0."""
    key = prop.key
    name = prop.name
    if version == "3.0" and key in TO_30:
        name = TO_30[key]
    elif version == "4.0" and key in TO_40:
        name = TO_40[key]
    elif version == "4.0" and key in ONLY_30:
        name = ONLY_30[key]
    value = prop.value
    if key == "GEO":
        value = _geo(value, version)
    if name == prop.name and value == prop.value:
        return prop
    return Property(name, value, prop.params, prop.group)


_GENDER_WORDS = {"M": "MALE", "F": "FEMALE"}
_GEO_URI = re.compile(r"geo:\s*([-+]?[\d.]+)\s*,\s*([-+]?[\d.]+)(.*)", re.IGNORECASE)
_GEO_30 = re.compile(r"\s*([-+]?[\d.]+)\s*[;,]\s*([-+]?[\d.]+)\s*")


def _geo(value: str, version: str) -> str:
    if version == "3.0":
        match = _GEO_URI.fullmatch(value.strip())
        return f"{match.group(1)};{match.group(2)}" if match else value
    match = _GEO_30.fullmatch(value)
    return f"geo:{match.group(1)},{match.group(2)}" if match else value


def in_version(prop: Property, version: str) -> Property:
    """A kept (unmodelled) property as a 3.0 or 4.0 card writes it: vCard 2.1's ways of carrying
    a value become the version's own, so that other programs read it; nothing else changes.

    Quoted-printable text is decoded with its CHARSET (line breaks become ``\\n``); CHARSET goes
    (the file is UTF-8, and an 8-bit value was read with it); a bare parameter (``X-FOO;HOME``)
    becomes ``TYPE=HOME``; inline base64 is ``ENCODING=b`` in 3.0 and a data URI in 4.0 (an
    image TYPE goes into the URI). Base64 that does not decode is kept as written. A property
    already in the version's form is returned as it is."""
    encoding = prop.encoding()
    named_b = any(
        p.is_named("ENCODING") and p.values[0].upper() == "B" for p in prop.params if p.values
    )
    old_base64 = encoding in ("B", "BASE64") and (version == "4.0" or not named_b)
    carried = encoding == "QUOTED-PRINTABLE" or old_base64
    if not carried and not any(p.name is None or p.is_named("CHARSET") for p in prop.params):
        return prop
    blob = v.binary(prop) if old_base64 else None
    if old_base64 and blob is None:
        return prop
    value = prop.value
    if encoding == "QUOTED-PRINTABLE":
        value = re.sub(r"\r\n|\r|\n", r"\\n", v.decoded_text(prop))
    params: list[Param] = []
    for param in prop.params:
        if param.name is None:
            if not (param.values and param.values[0].upper() in BARE_ENCODINGS):
                params.append(Param("TYPE", param.values))
        elif param.is_named("CHARSET") or (param.is_named("ENCODING") and carried):
            continue
        else:
            params.append(param)
    if blob is not None:
        data, mime = blob
        if version == "4.0":
            value = v.data_uri(data, mime)
            params = [p for p in params if not _image_type(p)]
        else:
            value = v.b64(data)
            params.append(Param("ENCODING", ("b",)))
    return Property(prop.name, value, tuple(params), prop.group)


def _image_type(param: Param) -> bool:
    return param.is_named("TYPE") and all(x.upper() in v.IMAGE_TYPES for x in param.values)
