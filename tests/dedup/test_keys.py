"""Match keys: provider rules for emails, phones, folded/swapped/phonetic/pinyin/nickname names,
organizations, and the blocking keys built from them."""

from __future__ import annotations

import pytest

from rubrica.dedup import keys
from rubrica.dedup.keys import (
    blocking_keys,
    email_local_key,
    identity,
    name_tokens,
    national_number,
    normalize_email,
    organization_key,
    phonetic,
    phonetic_key,
    sorted_name_key,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ada.Lovelace+news@Gmail.com", "adalovelace@gmail.com"),
        ("ada.lovelace@googlemail.com", "adalovelace@gmail.com"),
        ("a.d.a+x+y@gmail.com", "ada@gmail.com"),
        ("Ada.Lovelace+work@outlook.com", "ada.lovelace@outlook.com"),
        ("ada+x@hotmail.it", "ada@hotmail.it"),
        ("ada.l+x@icloud.com", "ada.l@icloud.com"),
        ("ada+x@me.com", "ada@icloud.com"),
        ("ada@mac.com", "ada@icloud.com"),
        ("ada+x@protonmail.com", "ada@proton.me"),
        ("Ada.Lovelace+x@yahoo.com", "ada.lovelace+x@yahoo.com"),
        ("Ada.Lovelace+x@example.org", "ada.lovelace+x@example.org"),
        ("not an email", ""),
        ("@example.org", ""),
        ("+tag@gmail.com", ""),
    ],
)
def test_normalize_email_applies_the_provider_rules(raw, expected):
    assert normalize_email(raw) == expected


def test_email_local_key_ignores_punctuation_so_providers_agree():
    gmail = email_local_key(normalize_email("ada.lovelace@gmail.com"))
    outlook = email_local_key(normalize_email("Ada.Lovelace@outlook.com"))
    company = email_local_key(normalize_email("ada_lovelace@example.org"))
    assert gmail == outlook == company == "adalovelace"


@pytest.mark.parametrize("raw", ["info@example.org", "sales@acme.it", "bob@x.com", "1234@x.com"])
def test_email_local_key_skips_role_mailboxes_and_short_or_numeric_locals(raw):
    assert email_local_key(normalize_email(raw)) == ""


def test_national_number_drops_the_country_code():
    assert national_number("+393331234567") == "3331234567"
    assert national_number("+13331234567") == "3331234567"
    assert national_number("+3906") == ""
    assert national_number("3331234567") == ""


def test_national_number_matches_a_national_form_read_in_the_wrong_region():
    # "06 67 33 90 91" (a French mobile) read as a US number keeps its trunk 0.
    assert national_number("+10667339091") == national_number("+33667339091") == "667339091"


def test_swapped_given_and_family_names_give_the_same_sorted_key():
    a = name_tokens(given_name="Ada", family_name="Lovelace")
    b = name_tokens(given_name="Lovelace", family_name="Ada")
    assert a != b
    assert sorted_name_key(a) == sorted_name_key(b) == "ada lovelace"


def test_accents_and_case_are_folded():
    assert name_tokens(given_name="JOSÉ", family_name="Müller") == ("jose", "muller")


def test_nicknames_become_the_canonical_given_name():
    assert name_tokens(given_name="Bob", family_name="Smith") == ("robert", "smith")
    assert name_tokens(given_name="Bill", family_name="Gates") == ("william", "gates")
    assert name_tokens(given_name="Beppe", family_name="Verdi") == ("giuseppe", "verdi")
    assert name_tokens(given_name="Totò", family_name="Esposito") == ("salvatore", "esposito")
    assert name_tokens(given_name="Gigi", family_name="Riva") == ("luigi", "riva")


def test_ambiguous_nicknames_are_left_alone():
    assert name_tokens(given_name="Bert", family_name="Ross") == ("bert", "ross")
    assert name_tokens(given_name="Nino", family_name="Rota") == ("nino", "rota")


def test_chinese_names_become_pinyin_matching_a_latin_spelling():
    structured = name_tokens(given_name="小明", family_name="王")
    display_only = name_tokens(display_name="王小明")
    latin = name_tokens(given_name="Xiaoming", family_name="Wang")
    assert structured == ("xiaoming", "wang")
    assert sorted_name_key(display_only) == sorted_name_key(latin) == "wang xiaoming"


def test_persian_and_arabic_letter_variants_fold_to_one_form():
    persian = name_tokens(given_name="علی", family_name="رضایی")
    arabic = name_tokens(given_name="علي", family_name="رضائي")
    assert persian == arabic
    assert phonetic_key(persian) == phonetic_key(arabic)


def test_display_name_is_used_without_name_parts_but_not_when_it_is_an_email():
    assert name_tokens(display_name="Dr. Ada Lovelace") == ("ada", "lovelace")
    assert name_tokens(display_name="ada@example.org") == ()
    assert name_tokens(display_name="+39 333 1234567") == ()
    assert name_tokens(nicknames=["Ada"]) == ("ada",)


def test_phonetic_codes_tolerate_spelling_variants():
    assert phonetic("smith") == phonetic("smyth")
    assert phonetic("catherine") == phonetic("katherine")
    assert phonetic("lovelace") == phonetic("lovleace")
    assert phonetic("mohammad") == phonetic("muhammad")


def test_organization_key_drops_case_punctuation_and_legal_form():
    assert organization_key("ACME S.p.A.") == organization_key("Acme SpA") == "acme"
    assert organization_key("The Analytical Engines Ltd") == "analytical engines"
    assert organization_key("Inc") == "inc"


def test_blocking_keys_of_every_rule():
    """One or more keys per blocking rule (ADR 0014); the organization is no key."""
    person = identity(
        given_name="Bob",
        family_name="Smith",
        emails=["Bob.Smith+x@gmail.com"],
        phones=["+393331234567"],
        organization="Acme S.r.l.",
        birthday="1980-05-17",
        postcode="20 121",
        identifiers={"tax": "RSS-123.45"},
    )
    found = blocking_keys(person)
    names = {
        (keys.NAME_SOUND, "RBRT SM0"),
        (keys.SORTED_NAME, "smith robert"),
        (keys.NAME_DELETE, "smith|r"),
        (keys.NAME_DELETE, "smth|r"),
    }
    assert found >= {
        (keys.EMAIL, "bobsmith@gmail.com"),
        (keys.EMAIL_LOCAL, "bobsmith"),
        (keys.PHONE, "+393331234567"),
        (keys.PHONE_NSN, "3331234567"),
        (keys.NAME_BIRTHDAY, "05-17|RBRT"),
        (keys.NAME_BIRTHDAY, "05-17|SM0"),
        (keys.BIRTHDAY, "1980-05-17"),
        (keys.POSTCODE_NAME, "20121|RBRT"),
        (keys.POSTCODE_NAME, "20121|SM0"),
        (keys.IDENTIFIER, "tax=rss12345"),
        *names,
    }
    assert {kind for kind, _key in found} == set(keys.KINDS)
    # every other key is a one-deletion spelling of a name token
    assert all(
        kind == keys.NAME_DELETE
        for kind, _key in found - names
        if kind
        not in (
            keys.EMAIL,
            keys.EMAIL_LOCAL,
            keys.PHONE,
            keys.PHONE_NSN,
            keys.NAME_BIRTHDAY,
            keys.BIRTHDAY,
            keys.POSTCODE_NAME,
            keys.IDENTIFIER,
        )
    )


def test_a_bare_name_has_only_name_keys_and_an_organization_adds_none():
    """A bare name is compared with sound-alike and nearby names (it can be a "possible" pair,
    never more); the organization is compared, not blocked on."""
    bare = blocking_keys(identity(given_name="Maria", family_name="Rossi"))
    assert {kind for kind, _key in bare} == {keys.NAME_SOUND, keys.NAME_DELETE, keys.SORTED_NAME}
    assert (
        blocking_keys(identity(given_name="Maria", family_name="Rossi", organization="Acme"))
        == bare
    )


def test_role_mailboxes_are_not_email_keys():
    assert blocking_keys(identity(emails=["info@acme.it"])) == set()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("maryam", "mariam"),
        ("maryam", "مریم"),
        ("mohammad", "muhammad"),
        ("mohammad", "محمد"),
        ("zhang", "chang"),
        ("rossi", "rosi"),
    ],
)
def test_letter_classes_agree_across_spellings_and_scripts(a, b):
    assert keys.letter_classes(a) == keys.letter_classes(b)
    assert len(keys.letter_classes(a)) >= 2


def test_letter_classes_tell_unrelated_names_apart():
    assert keys.letter_classes("rossi") != keys.letter_classes("bianchi")
    assert keys.letter_classes("maryam") != keys.letter_classes("ahmadi")


def test_name_codes_hold_sounds_letter_classes_and_the_initials_in_either_order():
    person = identity(given_name="Maryam", family_name="Rossi")
    swapped = identity(given_name="Rossi", family_name="Maryam")
    codes = keys.name_codes(person)
    assert {"sMRYM", "sRS", "c565", "c62", "i56"} <= codes
    assert "i56" in keys.name_codes(swapped)
    # Persian script meets its romanisation through the letter classes only.
    persian = keys.name_codes(identity(given_name="مریم", family_name="احمدی"))
    assert "c565" in persian and not any(code.startswith("sM") for code in persian)
    assert keys.name_codes(identity(given_name="Luca", family_name="Bianchi")).isdisjoint(codes)
