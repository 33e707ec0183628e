"""The cleaning rules on their own: name capitalisation, phone formats, white space. Pure
functions over the services' snapshot shape; no database."""

from __future__ import annotations

import pytest

from rubrica.quality.cleaning import (
    international,
    needs_recase,
    plan_capitalize,
    plan_phones,
    plan_trim,
    recase_name,
)


@pytest.mark.parametrize(
    ("field", "before", "after"),
    [
        ("display_name", "MARIO ROSSI", "Mario Rossi"),
        ("display_name", "mario rossi", "Mario Rossi"),
        ("family_name", "o'neil", "O'Neil"),
        ("family_name", "O’BRIEN", "O’Brien"),
        ("family_name", "d'angelo", "D'Angelo"),
        ("family_name", "de luca", "De Luca"),
        ("display_name", "mario de luca", "Mario de Luca"),
        ("family_name", "VAN DER BERG", "Van der Berg"),
        ("display_name", "ludwig van beethoven", "Ludwig van Beethoven"),
        ("display_name", "LEONARDO DI SER PIERO DA VINCI", "Leonardo di Ser Piero da Vinci"),
        ("family_name", "mcdonald", "McDonald"),
        ("given_name", "anne-marie", "Anne-Marie"),
        ("display_name", "JOSÉ ÁLVAREZ", "José Álvarez"),
        ("display_name", "ÉMILE ZOLA", "Émile Zola"),
        ("suffix", "iii", "III"),
        ("suffix", "PHD", "PhD"),
        ("suffix", "JR.", "Jr."),
        ("prefix", "DR.", "Dr."),
    ],
)
def test_all_caps_and_all_lower_latin_names_are_recased(field, before, after):
    assert recase_name(before, field) == after


@pytest.mark.parametrize(
    "name",
    [
        "李小龙",  # no letter case
        "ΓΙΩΡΓΟΣ",  # Greek: other rules
        "ИВАН ПЕТРОВ",  # Cyrillic
        "McDONALD",  # mixed case: typed on purpose
        "deLuca",
        "Mario Rossi",
        "J",  # a single initial
        "ADA@EXAMPLE.ORG",  # a display name made from an email address
        "",
    ],
)
def test_mixed_case_non_latin_and_tiny_names_are_left_alone(name):
    assert recase_name(name, "family_name") == name
    assert needs_recase(name) is False or name.isupper() is False


def test_a_derived_display_name_follows_the_recased_parts():
    snap = {"given_name": "MARIO", "family_name": "DE LUCA", "display_name": "MARIO DE LUCA"}

    data, shown = plan_capitalize(snap)

    assert data == {"given_name": "Mario", "family_name": "De Luca"}
    assert shown == [
        ("given_name", "MARIO", "Mario"),
        ("family_name", "DE LUCA", "De Luca"),
        ("display_name", "MARIO DE LUCA", "Mario De Luca"),
    ]


def test_a_typed_display_name_is_recased_by_itself():
    snap = {"given_name": "Mario", "family_name": "Rossi", "display_name": "DOTT. MARIO ROSSI"}

    data, shown = plan_capitalize(snap)

    assert data == {"display_name": "Dott. Mario Rossi"}
    assert shown == [("display_name", "DOTT. MARIO ROSSI", "Dott. Mario Rossi")]


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("02 1234 5678", "IT", "+39 02 1234 5678"),
        ("+390212345678", "IT", "+39 02 1234 5678"),
        ("(650) 253-0000", "US", "+1 650-253-0000"),
        ("+39 02 1234 5678 ext. 12", "IT", "+39 02 1234 5678 ext. 12"),
        ("abc", "IT", None),  # not a number
        ("02 1234 5678", "US", None),  # possible but not valid in the US: left as typed
    ],
)
def test_phones_are_written_in_international_format(raw, region, expected):
    assert international(raw, region) == expected


def _phone(value: str, e164: str = "", **extra):
    row = {"label": "", "is_preferred": False, "value": value, "e164": e164, "extension": ""}
    return {**row, **extra}


def test_phone_plan_leaves_a_person_with_an_unreadable_phone_alone(settings):
    settings.RUBRICA_DEFAULT_PHONE_REGION = "IT"
    snap = {"phones": [_phone("02 1234 5678", "+390212345678"), _phone("call me", "")]}

    assert plan_phones(snap) == ({}, [])


def test_phone_plan_rewrites_only_what_differs(settings):
    settings.RUBRICA_DEFAULT_PHONE_REGION = "IT"
    snap = {
        "phones": [
            _phone("+39 02 1234 5678", "+390212345678", is_preferred=True),
            _phone("333 123 4567", "+393331234567"),
        ]
    }

    data, shown = plan_phones(snap)

    assert [row["value"] for row in data["phones"]] == ["+39 02 1234 5678", "+39 333 123 4567"]
    assert [row["e164"] for row in data["phones"]] == ["+390212345678", "+393331234567"]
    assert shown == [("phones.2", "333 123 4567", "+39 333 123 4567")]


def test_trim_folds_white_space_in_text_fields_and_addresses():
    snap = {
        "given_name": "  Mario ",
        "family_name": "De  Luca",
        "notes": "\n line one \n",
        "title": "CEO",
        "addresses": [
            {
                "label": "",
                "is_preferred": True,
                "street": " Via Roma  1 ",
                "city": "Milano",
                "region": "",
                "postal_code": "",
                "country": "",
                "po_box": "",
                "extended": "",
            }
        ],
    }

    data, shown = plan_trim(snap)

    assert data["given_name"] == "Mario"
    assert data["family_name"] == "De Luca"
    assert data["notes"] == "line one"
    assert "title" not in data
    assert data["addresses"][0]["street"] == "Via Roma 1"
    assert ("addresses.1.street", " Via Roma  1 ", "Via Roma 1") in shown
    assert ("given_name", "  Mario ", "Mario") in shown


def test_phone_plan_writes_a_read_number_from_its_e164_form_whatever_the_region(settings):
    settings.RUBRICA_DEFAULT_PHONE_REGION = "US"
    snap = {"phones": [_phone("02 1234 5678", "+390212345678")]}

    data, shown = plan_phones(snap)

    assert [(row["value"], row["e164"]) for row in data["phones"]] == [
        ("+39 02 1234 5678", "+390212345678")
    ]
    assert shown == [("phones.1", "02 1234 5678", "+39 02 1234 5678")]


def test_phone_plan_never_changes_which_number_a_phone_is(settings):
    settings.RUBRICA_DEFAULT_PHONE_REGION = "US"
    # typed when the default region was Italy and read as an (invalid) Italian number; with the
    # US as default region the services would now read the typed form as a US number, so the
    # person is left alone rather than have a phone silently become another one
    phones = [_phone("02 1234 5678", "+390212345678"), _phone("212 555 0100", "+392125550100")]
    snap = {"phones": phones}

    assert plan_phones(snap) == ({}, [])
