"""`rubrica contacts ...`: reads through the selectors, writes through the services, exit codes."""

from __future__ import annotations

import json

import pytest

from rubrica.contacts.models import Contact
from tests.factories import make_contact


def test_add_creates_a_person_with_emails_phones_and_tags(admin_user, rubrica):
    code, out, err = rubrica(
        "contacts", "add", "--given-name", "Ada", "--family-name", "Lovelace",
        "--email", "ada@example.org", "--email", "ada@home.example",
        "--phone", "+39 02 1234 5678", "--tag", "VIP", "--stage", "Lead", "--json",
    )  # fmt: skip

    assert code == 0, err
    shown = json.loads(out)
    contact = Contact.objects.get()
    assert shown["id"] == contact.pk
    assert contact.display_name == "Ada Lovelace"
    assert [e["value"] for e in shown["emails"]] == ["ada@example.org", "ada@home.example"]
    assert shown["phones"][0]["e164"] == "+390212345678"
    assert shown["tags"] == ["VIP"]
    assert shown["stage"] == "Lead"
    assert contact.owner == admin_user


def test_add_from_json_data(admin_user, rubrica):
    data = {"given_name": "王", "family_name": "伟", "addresses": [{"city": "北京"}]}

    code, out, _ = rubrica("contacts", "add", "--data", json.dumps(data, ensure_ascii=False))

    assert code == 0
    contact = Contact.objects.get()
    assert out == f"Added {contact.display_name} (id {contact.pk}).\n"
    assert contact.city == "北京"


def test_add_with_a_bad_email_exits_2_and_creates_nothing(admin_user, rubrica):
    code, out, err = rubrica(
        "contacts", "add", "--given-name", "Ada", "--email", "ada@example.org", "--email", "nope"
    )

    assert code == 2
    assert out == ""
    assert err == "error: emails.1.value: Enter a valid email address.\n"
    assert Contact.all_objects.count() == 0


def test_add_reports_every_bad_field_on_its_own_line(admin_user, rubrica):
    code, _, err = rubrica(
        "contacts", "add", "--data", '{"given_name": "Ada", "birthday": "1815-13-40", "x": 1}'
    )

    assert code == 2
    assert err.splitlines() == [
        "error: birthday: This date does not exist.",
        "error: x: Unknown field.",
    ]
    assert Contact.all_objects.count() == 0


def test_add_with_malformed_json_exits_2(admin_user, rubrica):
    code, _, err = rubrica("contacts", "add", "--data", "{given_name")

    assert code == 2
    assert err.startswith("error: data: This is not valid JSON (line 1, column 2")
    assert Contact.all_objects.count() == 0


def test_add_as_a_viewer_is_refused_with_exit_3(viewer, rubrica):
    code, _, err = rubrica("contacts", "add", "--given-name", "Ada", "--as", "viewer")

    assert code == 3
    assert err == "error: Read-only users cannot create records.\n"
    assert Contact.all_objects.count() == 0


def test_list_json_pages_with_next_cursor(admin_user, rubrica):
    ada = make_contact(admin_user, given_name="Ada", family_name="Lovelace")
    alan = make_contact(admin_user, given_name="Alan", family_name="Turing")

    code, out, _ = rubrica("contacts", "list", "--json", "--limit", "1")
    first = json.loads(out)
    code2, out2, _ = rubrica(
        "contacts", "list", "--json", "--limit", "1", "--cursor", first["next_cursor"]
    )
    second = json.loads(out2)

    assert (code, code2) == (0, 0)
    assert [row["id"] for row in first["items"]] == [ada.pk]
    assert first["items"][0]["display_name"] == "Ada Lovelace"
    assert [row["id"] for row in second["items"]] == [alan.pk]
    assert second["next_cursor"] is None


def test_list_filters_by_tag_name_and_sorts(admin_user, rubrica):
    make_contact(admin_user, given_name="Ada", family_name="Lovelace", tags=["VIP"])
    make_contact(admin_user, given_name="Alan", family_name="Turing", tags=["VIP"])
    make_contact(admin_user, given_name="Grace", family_name="Hopper")

    code, out, _ = rubrica("contacts", "list", "--filter", "tag=vip", "--sort=-name", "--json")

    assert code == 0
    names = [row["display_name"] for row in json.loads(out)["items"]]
    assert names == ["Alan Turing", "Ada Lovelace"]


def test_list_prints_a_table(admin_user, rubrica):
    make_contact(admin_user, given_name="Ada", family_name="Lovelace")

    code, out, _ = rubrica("contacts", "list")

    assert code == 0
    assert "Name" in out.splitlines()[0]
    assert "Ada Lovelace" in out


def test_list_shows_only_what_the_acting_user_may_see(admin_user, member, rubrica):
    make_contact(admin_user, given_name="Secret", family_name="", visibility="private")
    make_contact(admin_user, given_name="Open", family_name="", visibility="everyone")

    code, out, _ = rubrica("contacts", "list", "--json", "--as", "member")

    assert code == 0
    assert [row["display_name"] for row in json.loads(out)["items"]] == ["Open"]


def test_list_acts_as_rubrica_user_from_the_environment(admin_user, member, rubrica, monkeypatch):
    make_contact(admin_user, given_name="Secret", visibility="private")
    monkeypatch.setenv("RUBRICA_USER", "member")

    code, out, _ = rubrica("contacts", "list", "--json")

    assert code == 0
    assert json.loads(out)["items"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--filter", "has_email=maybe"], "error: has_email: Use true or false.\n"),
        (["--filter", "tag=Nope"], "error: tag: There is no tag named Nope.\n"),
        (["--filter", "city"], "error: filter: Write filters as key=value, not 'city'.\n"),
        (["--cursor", "garbage"], "error: cursor: This page link is not valid.\n"),
        (["--limit", "0"], "error: limit: Choose a number from 1 to 200.\n"),
    ],
)
def test_list_with_bad_input_exits_2(admin_user, rubrica, args, message):
    code, out, err = rubrica("contacts", "list", *args)

    assert code == 2
    assert out == ""
    assert err == message


def test_commands_without_any_administrator_explain_setup(db, rubrica):
    code, _, err = rubrica("contacts", "list")

    assert code == 1
    assert "run `rubrica setup` first" in err


def test_show_prints_the_person_as_json(admin_user, rubrica):
    contact = make_contact(admin_user, emails=[{"value": "ada@example.org"}], notes="Poet")

    code, out, _ = rubrica("contacts", "show", str(contact.pk), "--json")

    assert code == 0
    shown = json.loads(out)
    assert shown["id"] == contact.pk
    assert shown["uid"] == contact.uid
    assert shown["version"] == 1
    assert shown["emails"] == [{"label": "", "is_preferred": True, "value": "ada@example.org"}]
    assert shown["notes"] == "Poet"


def test_show_as_text(admin_user, rubrica):
    contact = make_contact(admin_user, title="Countess")

    code, out, _ = rubrica("contacts", "show", str(contact.pk))

    assert code == 0
    assert "Ada Lovelace" in out
    assert "Countess" in out


def test_show_of_an_unknown_id_exits_1(admin_user, rubrica):
    code, out, err = rubrica("contacts", "show", "999")

    assert code == 1
    assert out == ""
    assert err == "error: no person with id 999\n"


def test_show_of_a_private_record_of_someone_else_is_not_found(admin_user, member, rubrica):
    contact = make_contact(admin_user, visibility="private")

    code, _, err = rubrica("contacts", "show", str(contact.pk), "--as", "member")

    assert code == 1
    assert err == f"error: no person with id {contact.pk}\n"


def test_edit_sets_fields_tags_and_custom_fields(admin_user, rubrica):
    from rubrica.customfields.services import definition_save

    definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "size", "label": "Size", "field_type": "number"},
    )
    contact = make_contact(admin_user)

    code, out, err = rubrica(
        "contacts", "edit", str(contact.pk), "--set", "title=Countess",
        "--set", "tags=VIP,Partner", "--set", "cf.size=12", "--set", "emails=a@example.org",
    )  # fmt: skip

    assert code == 0, err
    assert out == f"Updated Ada Lovelace (id {contact.pk}), now version 2.\n"
    contact.refresh_from_db()
    assert contact.title == "Countess"
    assert sorted(tag.name for tag in contact.tags.all()) == ["Partner", "VIP"]
    assert contact.custom_fields == {"size": 12}
    assert contact.primary_email == "a@example.org"


def test_edit_with_a_bad_value_exits_2_and_changes_nothing(admin_user, rubrica):
    contact = make_contact(admin_user, title="Countess")

    code, _, err = rubrica(
        "contacts", "edit", str(contact.pk), "--set", "title=Queen", "--set", "emails=nope"
    )

    assert code == 2
    assert err == "error: emails.0.value: Enter a valid email address.\n"
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("Countess", 1)


def test_edit_without_changes_asked_exits_2(admin_user, rubrica):
    contact = make_contact(admin_user)

    code, _, err = rubrica("contacts", "edit", str(contact.pk))

    assert code == 2
    assert err == "error: set: Give at least one --set field=value, or --data.\n"


def test_edit_by_a_viewer_exits_3_and_changes_nothing(admin_user, viewer, rubrica):
    contact = make_contact(admin_user, title="Countess")

    code, _, err = rubrica(
        "contacts", "edit", str(contact.pk), "--set", "title=Queen", "--as", "viewer"
    )

    assert code == 3
    assert err == "error: You may not change this record.\n"
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("Countess", 1)


def test_edit_with_a_stale_version_exits_4(admin_user, rubrica):
    contact = make_contact(admin_user, title="Countess")
    rubrica("contacts", "edit", str(contact.pk), "--set", "title=Queen")

    code, _, err = rubrica(
        "contacts", "edit", str(contact.pk), "--set", "title=Empress", "--if-version", "1"
    )

    assert code == 4
    assert err == (
        "error: This record was changed by someone else meanwhile. Its version is now 2.\n"
    )
    contact.refresh_from_db()
    assert contact.title == "Queen"


def test_edit_of_an_unknown_id_exits_1(admin_user, rubrica):
    code, _, err = rubrica("contacts", "edit", "999", "--set", "title=X")

    assert code == 1
    assert err == "error: no person with id 999\n"


def test_delete_moves_to_the_trash_and_restore_brings_back(admin_user, rubrica):
    contact = make_contact(admin_user)

    code, out, _ = rubrica("contacts", "delete", str(contact.pk))

    assert code == 0
    assert out.splitlines()[0] == f"Moved Ada Lovelace (id {contact.pk}) to the Trash."
    assert f"rubrica contacts restore {contact.pk}" in out
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Contact.trash.filter(pk=contact.pk).exists()

    code, out, _ = rubrica("contacts", "restore", str(contact.pk))

    assert code == 0
    assert out == f"Restored Ada Lovelace (id {contact.pk}).\n"
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_delete_of_an_unknown_id_exits_1(admin_user, rubrica):
    code, _, err = rubrica("contacts", "delete", "999")

    assert code == 1
    assert err == "error: no person with id 999\n"


def test_delete_by_a_viewer_exits_3_and_keeps_the_person(admin_user, viewer, rubrica):
    contact = make_contact(admin_user)

    code, _, _ = rubrica("contacts", "delete", str(contact.pk), "--as", "viewer")

    assert code == 3
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_usage_errors_exit_2_without_a_traceback(admin_user, rubrica):
    code, out, err = rubrica("contacts", "show", "not-a-number")

    assert code == 2
    assert out == ""
    assert "argument id: invalid int value: 'not-a-number'" in err
    assert "Traceback" not in err
