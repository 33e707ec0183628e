"""contacts.services: validation, history, Trash, concurrency, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rubrica.contacts.models import Contact, ContactPhone
from rubrica.contacts.services import (
    contact_create,
    contact_delete,
    contact_restore,
    contact_revert,
    contact_update,
    contacts_bulk,
)
from rubrica.core.services import ConflictError
from rubrica.core.trash import trash_purge
from rubrica.customfields.services import definition_save
from rubrica.history.models import HistoryAction
from rubrica.history.selectors import history_for
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_create_keeps_phone_as_typed_and_in_e164(member, settings):
    settings.RUBRICA_DEFAULT_PHONE_REGION = "IT"

    contact = make_contact(
        member, phones=[{"value": "06 1234 5678", "label": "work"}, {"value": "+1 202-555-0143"}]
    )

    phones = list(contact.phones.order_by("position"))
    assert [(p.raw, p.e164, p.label) for p in phones] == [
        ("06 1234 5678", "+390612345678", "work"),
        ("+1 202-555-0143", "+12025550143", ""),
    ]
    assert contact.primary_phone == "+390612345678"
    assert [p.is_preferred for p in phones] == [True, False]


def test_create_writes_history_entry_with_the_initial_values(member):
    contact = make_contact(member, emails=[{"value": "ada@example.org"}])

    (entry,) = history_for(contact)
    assert entry.action == HistoryAction.CREATE
    assert entry.actor == member
    assert entry.changes["family_name"] == {"before": None, "after": "Lovelace"}
    assert entry.changes["emails"]["after"] == [
        {"label": "", "is_preferred": True, "value": "ada@example.org"}
    ]


def test_invalid_input_names_each_field_and_saves_nothing(member):
    with pytest.raises(ValidationError) as caught:
        contact_create(
            actor=member,
            data={
                "given_name": "Ada",
                "emails": [{"value": "ada@example.org"}, {"value": "not an email"}],
                "phones": [{"value": "12"}],
                "birthday": "1815-02-30",
                "time_zone": "Mars/Olympus",
                "urls": [{"value": "javascript:alert(1)"}],
            },
        )

    assert set(caught.value.message_dict) == {
        "emails.1.value",
        "phones.0.value",
        "birthday",
        "time_zone",
        "urls.0.value",
    }
    assert Contact.all_objects.count() == 0
    assert ContactPhone.objects.count() == 0


def test_unknown_fields_and_wrong_types_are_rejected(member):
    with pytest.raises(ValidationError) as caught:
        contact_create(
            actor=member, data={"given_name": ["a"], "emails": "x@example.org", "is_admin": True}
        )

    assert set(caught.value.message_dict) == {"given_name", "emails", "is_admin"}


def test_a_person_needs_a_name_email_or_phone(member):
    with pytest.raises(ValidationError) as caught:
        contact_create(actor=member, data={"notes": "who?"})

    assert "given_name" in caught.value.message_dict
    assert Contact.all_objects.count() == 0


def test_display_name_falls_back_to_email_and_chinese_names_are_family_first(member):
    by_email = contact_create(actor=member, data={"emails": [{"value": "x@example.org"}]})
    chinese = contact_create(actor=member, data={"given_name": "伟", "family_name": "王"})

    assert by_email.display_name == "x@example.org"
    assert chinese.display_name == "王伟"


def test_typed_display_name_is_kept_when_name_parts_change(member):
    contact = make_contact(member, display_name="Countess of Lovelace")

    updated = contact_update(actor=member, contact=contact, data={"given_name": "Augusta"})

    assert updated.display_name == "Countess of Lovelace"


def test_update_records_field_level_before_and_after_and_bumps_version(member):
    contact = make_contact(member)

    updated = contact_update(
        actor=member, contact=contact, data={"family_name": "Byron"}, expected_version=1
    )

    assert updated.version == 2
    entry = history_for(contact).first()
    assert entry.action == HistoryAction.UPDATE
    assert entry.changes == {
        "family_name": {"before": "Lovelace", "after": "Byron"},
        "display_name": {"before": "Ada Lovelace", "after": "Ada Byron"},
    }


def test_update_without_change_writes_no_history(member):
    contact = make_contact(member)

    contact_update(actor=member, contact=contact, data={"family_name": "Lovelace"})

    assert history_for(contact).count() == 1
    assert Contact.objects.get(pk=contact.pk).version == 1


def test_stale_version_is_refused_and_nothing_changes(member, other_member):
    contact = make_contact(member)
    contact_update(actor=other_member, contact=contact, data={"title": "Analyst"})

    with pytest.raises(ConflictError):
        contact_update(actor=member, contact=contact, data={"title": "Poet"}, expected_version=1)

    assert Contact.objects.get(pk=contact.pk).title == "Analyst"


def test_revert_puts_back_an_earlier_value_and_is_itself_recorded(member):
    contact = make_contact(member, phones=[{"value": "+39 06 1234 5678"}])
    contact_update(actor=member, contact=contact, data={"phones": []})
    change = history_for(contact).first()

    reverted = contact_revert(actor=member, contact=contact, entry=change, field="phones")

    assert [p.e164 for p in reverted.phones.all()] == ["+390612345678"]
    assert history_for(contact).first().action == HistoryAction.REVERT


def test_delete_moves_to_trash_and_restore_brings_it_back(member):
    contact = make_contact(member)

    contact_delete(actor=member, contact=contact)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Contact.trash.filter(pk=contact.pk).exists()

    contact_restore(actor=member, contact=contact)
    assert Contact.objects.filter(pk=contact.pk).exists()
    actions = [e.action for e in history_for(contact)]
    assert actions == [HistoryAction.RESTORE, HistoryAction.DELETE, HistoryAction.CREATE]


def test_trashed_record_cannot_be_edited(member):
    contact = make_contact(member)
    contact_delete(actor=member, contact=contact)

    with pytest.raises(ValidationError):
        contact_update(actor=member, contact=contact, data={"title": "x"})


def test_purge_removes_only_records_past_retention(member):
    old = make_contact(member, given_name="Old")
    recent = make_contact(member, given_name="Recent")
    contact_delete(actor=member, contact=old)
    contact_delete(actor=member, contact=recent)
    Contact.all_objects.filter(pk=old.pk).update(deleted_at=timezone.now() - dt.timedelta(days=31))

    purged = trash_purge(older_than=dt.timedelta(days=30))

    assert purged == 1
    assert list(Contact.all_objects.values_list("given_name", flat=True)) == ["Recent"]


def test_viewer_cannot_create_or_change_and_nothing_changes(member, viewer):
    contact = make_contact(member)

    with pytest.raises(PermissionDenied):
        contact_create(actor=viewer, data={"given_name": "X"})
    with pytest.raises(PermissionDenied):
        contact_update(actor=viewer, contact=contact, data={"given_name": "X"})
    with pytest.raises(PermissionDenied):
        contact_delete(actor=viewer, contact=contact)

    assert Contact.objects.get(pk=contact.pk).given_name == "Ada"
    assert Contact.all_objects.count() == 1


def test_private_record_of_another_member_cannot_be_changed(member, other_member):
    contact = make_contact(member, visibility="private")

    with pytest.raises(PermissionDenied):
        contact_update(actor=other_member, contact=contact, data={"given_name": "X"})

    assert Contact.objects.get(pk=contact.pk).given_name == "Ada"


def test_only_owner_or_admin_changes_sharing(member, other_member, admin_user):
    contact = make_contact(member)

    with pytest.raises(PermissionDenied):
        contact_update(actor=other_member, contact=contact, data={"visibility": "private"})
    assert Contact.objects.get(pk=contact.pk).visibility == "everyone"

    contact_update(actor=admin_user, contact=contact, data={"owner": other_member.username})
    assert Contact.objects.get(pk=contact.pk).owner == other_member


def test_custom_fields_are_validated_on_write(admin_user, member):
    definition_save(
        actor=admin_user,
        data={
            "entity": "contact",
            "key": "shoe_size",
            "label": "Shoe size",
            "field_type": "number",
            "required": True,
        },
    )

    with pytest.raises(ValidationError) as caught:
        make_contact(member, custom_fields={"shoe_size": "big"})
    assert list(caught.value.message_dict) == ["custom_fields.shoe_size"]

    with pytest.raises(ValidationError) as missing:
        make_contact(member)
    assert list(missing.value.message_dict) == ["custom_fields.shoe_size"]

    contact = make_contact(member, custom_fields={"shoe_size": "42"})
    assert contact.custom_fields == {"shoe_size": 42}


def test_bulk_is_all_or_nothing(member, other_member):
    mine = make_contact(member, given_name="Mine")
    theirs = make_contact(other_member, given_name="Theirs", visibility="private")

    with pytest.raises(PermissionDenied):
        contacts_bulk(actor=member, contacts=[mine, theirs], action="tag", value="VIP")

    assert not Contact.objects.get(pk=mine.pk).tags.exists()


def test_bulk_tag_and_untag(member):
    first, second = make_contact(member), make_contact(member, given_name="Bob")

    assert contacts_bulk(actor=member, contacts=[first, second], action="tag", value="VIP") == 2
    assert sorted(
        Contact.objects.filter(tags__name="VIP").values_list("given_name", flat=True)
    ) == [
        "Ada",
        "Bob",
    ]

    contacts_bulk(actor=member, contacts=[first], action="untag", value="vip")
    assert list(Contact.objects.filter(tags__name="VIP").values_list("given_name", flat=True)) == [
        "Bob"
    ]


def test_hostile_strings_are_stored_verbatim_not_interpreted(member):
    name = "<script>alert(1)</script>'; DROP TABLE contacts_contact;--"

    contact = make_contact(member, given_name=name)

    assert Contact.objects.get(pk=contact.pk).given_name == name


def test_values_of_a_deleted_custom_field_survive_later_edits(admin_user, member):
    from rubrica.customfields.services import definition_delete

    definition = definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "nickname2", "label": "Alias", "field_type": "text"},
    )
    contact = make_contact(member, custom_fields={"nickname2": "Ada L."})
    definition_delete(actor=admin_user, definition=definition)

    updated = contact_update(actor=member, contact=contact, data={"title": "Countess"})

    assert updated.custom_fields == {"nickname2": "Ada L."}
