"""`rubrica contacts add|edit` and the duplicate warning: without --allow-duplicate a person who
looks like someone already there is refused (exit 5, the likely duplicates on stderr, nothing
saved); with it, saved. The command never prompts."""

from __future__ import annotations

import json

from rubrica.contacts.models import Contact
from tests.factories import make_contact

NAME = {"given_name": "Ada", "family_name": "Lovelace"}
ADA = ("--given-name", "Ada", "--family-name", "Lovelace", "--email", "ada.lovelace@gmail.com")


def test_add_of_an_exact_duplicate_is_refused_with_exit_5_and_the_candidates(admin_user, rubrica):
    ada = make_contact(admin_user, emails=[{"value": "ada.lovelace@gmail.com"}])

    code, out, err = rubrica("contacts", "add", *ADA)

    assert code == 5
    assert out == ""
    assert err.splitlines() == [
        "error: This person looks like someone already here; nothing was saved.",
        f"error: likely duplicate: Ada Lovelace (id {ada.pk}): Same email, Same name",
        "error: Add --allow-duplicate to save anyway.",
    ]
    assert Contact.all_objects.count() == 1


def test_add_with_allow_duplicate_saves_the_person(admin_user, rubrica):
    make_contact(admin_user, emails=[{"value": "ada.lovelace@gmail.com"}])

    code, out, err = rubrica("contacts", "add", *ADA, "--allow-duplicate")

    assert code == 0, err
    newest = Contact.objects.order_by("-pk")[0]
    assert out == f"Added Ada Lovelace (id {newest.pk}).\n"
    assert Contact.objects.count() == 2


def test_add_from_json_data_is_checked_too(admin_user, rubrica):
    make_contact(admin_user, emails=[{"value": "ada.lovelace@gmail.com"}])
    data = json.dumps({**NAME, "emails": [{"value": "ada.lovelace@gmail.com"}]})

    code, _, err = rubrica("contacts", "add", "--data", data, "--json")

    assert code == 5
    assert "likely duplicate: Ada Lovelace" in err
    assert Contact.objects.count() == 1


def test_add_does_not_reveal_a_private_record_of_another_user(member, other_member, rubrica):
    make_contact(other_member, visibility="private", emails=[{"value": "ada.lovelace@gmail.com"}])

    code, _, err = rubrica("contacts", "add", *ADA, "--as", "member")

    assert code == 0, err
    assert Contact.all_objects.count() == 2


def test_add_that_looks_like_no_one_is_saved_without_the_flag(admin_user, rubrica):
    make_contact(admin_user, given_name="Grace", family_name="Hopper")

    code, _, err = rubrica("contacts", "add", *ADA)

    assert code == 0, err
    assert Contact.objects.count() == 2


def test_edit_that_makes_a_duplicate_is_refused_and_changes_nothing(admin_user, rubrica):
    ada = make_contact(admin_user, emails=[{"value": "ada.lovelace@gmail.com"}])
    grace = make_contact(admin_user, given_name="Grace", family_name="Hopper")
    sets = ("--set", "given_name=Ada", "--set", "family_name=Lovelace")

    code, _, err = rubrica(
        "contacts", "edit", str(grace.pk), *sets, "--set", "emails=ada.lovelace@gmail.com"
    )

    assert code == 5
    assert f"error: likely duplicate: Ada Lovelace (id {ada.pk}): Same email, Same name" in err
    grace.refresh_from_db()
    assert (grace.given_name, grace.version) == ("Grace", 1)

    code, out, err = rubrica(
        "contacts", "edit", str(grace.pk), *sets, "--set", "emails=ada.lovelace@gmail.com",
        "--allow-duplicate",
    )  # fmt: skip

    assert code == 0, err
    assert out == f"Updated Ada Lovelace (id {grace.pk}), now version 2.\n"


def test_edit_of_an_unrelated_field_of_a_known_pair_is_not_refused(admin_user, rubrica):
    ada = make_contact(admin_user, emails=[{"value": "ada.lovelace@gmail.com"}])
    make_contact(admin_user, emails=[{"value": "ada.lovelace@gmail.com"}])

    code, _, err = rubrica("contacts", "edit", str(ada.pk), "--set", "title=Countess")

    assert code == 0, err


def test_a_stale_version_is_reported_before_the_duplicate_warning(admin_user, rubrica):
    make_contact(admin_user, emails=[{"value": "ada.lovelace@gmail.com"}])
    grace = make_contact(admin_user, given_name="Grace", family_name="Hopper")
    rubrica("contacts", "edit", str(grace.pk), "--set", "title=Rear Admiral")

    code, _, err = rubrica(
        "contacts", "edit", str(grace.pk), "--set", "given_name=Ada", "--set",
        "family_name=Lovelace", "--set", "emails=ada.lovelace@gmail.com", "--if-version", "1",
    )  # fmt: skip

    assert code == 4
    assert "Its version is now 2." in err


def test_help_documents_the_flag_and_exit_5(rubrica):
    for action in ("add", "edit"):
        code, out, _ = rubrica("contacts", action, "--help")

        assert code == 0
        assert "--allow-duplicate" in out
        assert "5  likely duplicates: nothing was saved" in out
