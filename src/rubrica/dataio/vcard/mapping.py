"""A card ↔ the contact services' input shape (the shape of ``contacts.services.snapshot``).

Import maps what Rubrica models and keeps every other property verbatim in ``vcard_extra``; the
organization and the photo are returned beside the data, because they are written through their
own services. Export writes 4.0 (default) or 3.0, then the ``vcard_extra`` properties unchanged.

Known limits: parameters Rubrica does not model on a mapped property (PID, ALTID, SORT-AS, the
LABEL and GEO of an ADR) are not kept; VERSION, PRODID and REV describe the file, not the contact,
and are dropped (export writes its own)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

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
    match = _APPLE_LABEL.fullmatch(raw)
    return match.group(1).lower() if match else raw


def card_to_contact(card: Card) -> ImportedContact:
    """Map a parsed card; never fails (what cannot be mapped goes to ``vcard_extra``)."""
    data = empty_data()
    props = card.properties
    ab_labels = {
        p.group.upper(): i for i, p in enumerate(props) if p.key == "X-ABLABEL" and p.group
    }
    used_labels: set[int] = set()
    seen: set[str] = set()
    mapped: set[int] = set()
    organization: tuple[str, str] | None = None
    photo: Photo | None = None

    def label(prop: Property, kind: str) -> str:
        index = ab_labels.get((prop.group or "").upper())
        if index is not None:
            used_labels.add(index)
            return _apple_label(v.text(props[index]).strip())
        return _type_label(prop, kind)

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
            parts = [*v.split_components(v.decoded_text(prop)), "", "", "", "", ""]
            for name, part in zip(
                ("family_name", "given_name", "additional_name", "prefix", "suffix"),
                parts,
                strict=False,
            ):
                data[name] = part.strip()
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
        elif key == "LANG":
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
    extra = [
        p.to_extra()
        for i, p in enumerate(props)
        if i not in mapped and i not in used_labels and p.key not in FILE_PROPERTIES
    ]
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


def _labelled(
    name: str,
    value: str,
    row: dict[str, Any],
    kind: str,
    version: str,
    groups: _Groups,
    out: list[Property],
) -> None:
    label = str(row.get("label") or "").strip()
    params: list[Param] = []
    group: str | None = None
    tokens = [t.strip().lower() for t in label.split(",")] if label else []
    tokens = ["cell" if t == "mobile" else t for t in tokens]
    custom = bool(tokens) and not all(t in KNOWN_TYPES[kind] for t in tokens)
    if not custom and tokens:
        params.append(Param("TYPE", tuple(tokens)))
    if row.get("is_preferred"):
        if version == "4.0":
            params.append(Param("PREF", ("1",)))
        elif params:
            params[0] = Param("TYPE", (*params[0].values, "pref"))
        else:
            params.append(Param("TYPE", ("pref",)))
    if custom:
        group = groups.take()
    out.append(Property(name, value, tuple(params), group))
    if custom:
        out.append(Property("X-ABLabel", v.escape(label), (), group))


def _profile(row: dict[str, Any], version: str) -> Property:
    label = str(row.get("label") or "").strip()
    value = str(row.get("value") or "")
    preferred = bool(row.get("is_preferred"))
    pref: tuple[Param, ...] = ()
    is_impp = bool(_URI_SCHEME.match(value)) and not value.lower().startswith(("http:", "https:"))
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
    extra = [
        in_version(Property.from_extra(item), version) for item in data.get("vcard_extra") or []
    ]
    groups = _Groups(extra)
    out: list[Property] = [Property("VERSION", version)]
    out.append(Property("PRODID", "-//Rubrica//Rubrica//EN"))
    if data.get("uid"):
        out.append(Property("UID", v.escape(str(data["uid"]))))

    def text(key: str) -> str:
        return str(data.get(key) or "")

    out.append(Property("FN", v.escape(text("display_name"))))
    name_parts = [
        text(k) for k in ("family_name", "given_name", "additional_name", "prefix", "suffix")
    ]
    out.append(Property("N", ";".join(v.escape(p) for p in name_parts)))
    if data.get("nicknames"):
        out.append(Property("NICKNAME", ",".join(v.escape(n) for n in data["nicknames"])))
    if text("phonetic_given_name"):
        out.append(Property("X-PHONETIC-FIRST-NAME", v.escape(text("phonetic_given_name"))))
    if text("phonetic_family_name"):
        out.append(Property("X-PHONETIC-LAST-NAME", v.escape(text("phonetic_family_name"))))
    if text("gender"):
        out.append(Property("GENDER" if version == "4.0" else "X-GENDER", text("gender")))
    for key, name in (("birthday", "BDAY"), ("anniversary", "ANNIVERSARY")):
        if version == "3.0" and name == "ANNIVERSARY":
            name = "X-ANNIVERSARY"
        date = _format_date(text(key), version, name)
        if date:
            out.append(date)
    for key, name in (("title", "TITLE"), ("role", "ROLE")):
        if text(key):
            out.append(Property(name, v.escape(text(key))))
    if isinstance(organization, str):
        organization = (organization, "")
    if organization and (organization[0] or organization[1]):
        org_parts = [v.escape(organization[0])]
        if organization[1]:
            org_parts.append(v.escape(organization[1]))
        out.append(Property("ORG", ";".join(org_parts)))
    for row in data.get("emails") or []:
        _labelled("EMAIL", v.escape(str(row.get("value", ""))), row, "emails", version, groups, out)
    for row in data.get("phones") or []:
        _labelled("TEL", v.escape(str(row.get("value", ""))), row, "phones", version, groups, out)
    for row in data.get("addresses") or []:
        adr = ";".join(v.escape(str(row.get(part) or "")) for part in ADDRESS_PARTS)
        _labelled("ADR", adr, row, "addresses", version, groups, out)
    for row in data.get("urls") or []:
        _labelled("URL", v.escape(str(row.get("value", ""))), row, "urls", version, groups, out)
    for row in data.get("profiles") or []:
        out.append(_profile(row, version))
    for lang in data.get("languages") or []:
        out.append(Property("LANG", v.escape(lang)))
    if text("time_zone"):
        tz_params = (Param("VALUE", ("text",)),) if version == "3.0" else ()
        out.append(Property("TZ", v.escape(text("time_zone")), tz_params))
    if data.get("tags"):
        out.append(Property("CATEGORIES", ",".join(v.escape(t) for t in data["tags"])))
    if text("notes"):
        out.append(Property("NOTE", v.escape(text("notes"))))
    if photo is not None:
        if version == "4.0":
            out.append(Property("PHOTO", v.data_uri(photo.data, photo.mime)))
        else:
            subtype = photo.mime.rpartition("/")[2].upper() or "JPEG"
            params = (Param("ENCODING", ("b",)), Param("TYPE", (subtype,)))
            out.append(Property("PHOTO", v.b64(photo.data), params))
    out.extend(extra)
    return Card(properties=out)


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
