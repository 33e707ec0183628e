"""The codec against the real contact services: a stored contact survives export and import."""

from __future__ import annotations

from typing import Any

from rubrica.contacts.services import contact_create, snapshot
from rubrica.dataio.vcard import card_to_contact, contact_to_card, parse, serialize
from tests.factories import make_contact

MAPPED = (
    "prefix",
    "given_name",
    "additional_name",
    "family_name",
    "suffix",
    "display_name",
    "nicknames",
    "phonetic_given_name",
    "phonetic_family_name",
    "gender",
    "birthday",
    "anniversary",
    "title",
    "role",
    "languages",
    "time_zone",
    "notes",
    "tags",
)


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    out = {key: data[key] for key in MAPPED}
    for kind in ("emails", "urls", "profiles"):
        out[kind] = [(r["label"], r["value"], r["is_preferred"]) for r in data[kind]]
    out["phones"] = [(r["label"], r["value"], r["is_preferred"]) for r in data["phones"]]
    out["addresses"] = [
        tuple(r[k] for k in ("label", "street", "city", "country", "is_preferred"))
        for r in data["addresses"]
    ]
    return out


def test_snapshot_exports_and_imports_into_an_equal_contact(member: Any) -> None:
    contact = make_contact(
        member,
        given_name="Zoë",
        family_name="O'Brien, Jr",
        nicknames=["Zo", "Z; the first"],
        birthday="--04-15",
        notes="line one\nline two, with commas; and semicolons",
        tags=["golf", "vip, gold"],
        emails=[{"label": "work", "value": "zoe@example.com", "is_preferred": True}],
        phones=[{"label": "mobile", "value": "+39 347 123 4567", "is_preferred": False}],
        addresses=[{"label": "home", "street": "Via Roma 1", "city": "Milano", "country": "Italy"}],
        urls=[{"label": "Blog", "value": "https://zoe.example.com", "is_preferred": False}],
    )
    data = {**snapshot(contact), "uid": contact.uid, "vcard_extra": [{"name": "X-A", "value": "1"}]}
    for version in ("3.0", "4.0"):
        [card] = parse(serialize([contact_to_card(data, version=version)])).cards
        imported = card_to_contact(card).data
        assert _comparable(imported) == _comparable(data)
        assert imported["uid"] == contact.uid
        assert imported["vcard_extra"] == [
            {"group": None, "name": "X-A", "params": [], "value": "1"}
        ]
        clone = contact_create(
            actor=member,
            data={k: v for k, v in imported.items() if k not in ("uid", "vcard_extra")},
        )
        assert _comparable(snapshot(clone)) == _comparable(data)
