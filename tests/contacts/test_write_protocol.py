"""The write protocol every door shares, owned by contacts.services: the duplicate rule
(``allow_duplicates``, DuplicatesFound) and optimistic concurrency (``expected_version``), and the
order of the checks (permission, version, validation, then duplicates)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.contacts.models import Contact
from rubrica.contacts.services import (
    ALL_FIELDS,
    DuplicatesFound,
    contact_create,
    contact_delete,
    contact_restore,
    contact_update,
)
from rubrica.contacts.types import ContactInput
from rubrica.core.services import ConflictError
from rubrica.history.models import HistoryEntry
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

ADA: ContactInput = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "emails": [{"value": "ada.lovelace@gmail.com"}],
}


# The duplicate rule ------------------------------------------------------------------------


def test_create_refuses_a_likely_duplicate_with_the_candidates_and_saves_nothing(member):
    ada = make_contact(member, emails=[{"value": "Ada.Lovelace+x@googlemail.com"}])
    entries = HistoryEntry.objects.count()

    with pytest.raises(DuplicatesFound) as caught:
        contact_create(actor=member, data=ADA, allow_duplicates=False)

    [candidate] = caught.value.candidates
    assert (candidate.pk, candidate.display_name) == (ada.pk, "Ada Lovelace")
    # the same e-mail (folded) and the same name: a "sure" match of the linkage model (ADR 0014)
    assert candidate.score >= settings.RUBRICA_DEDUP_TIERS["sure"]
    assert candidate.labels == ["Same email", "Same name"]
    assert Contact.all_objects.count() == 1
    assert HistoryEntry.objects.count() == entries


def test_the_refusal_is_a_validation_error_for_callers_that_do_not_know_it(member):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    with pytest.raises(ValidationError) as caught:
        contact_create(actor=member, data=ADA, allow_duplicates=False)

    assert caught.value.messages == [
        "This person looks like someone already here; nothing was saved."
    ]


def test_create_with_duplicates_allowed_saves_the_person(member):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    contact_create(actor=member, data=ADA, allow_duplicates=True)

    assert Contact.objects.count() == 2


def test_system_writes_that_do_not_ask_are_not_warned(member):
    # importers, merges, quality fixes and reverts call the services without the argument
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    contact_create(actor=member, data=ADA)

    assert Contact.objects.count() == 2


def test_no_warning_about_a_record_the_actor_cannot_view(member, other_member):
    make_contact(other_member, visibility="private", emails=[{"value": "ada.lovelace@gmail.com"}])

    contact_create(actor=member, data=ADA, allow_duplicates=False)

    assert Contact.objects.count() == 2


def test_update_that_makes_a_duplicate_is_refused_and_changes_nothing(member):
    ada = make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    grace = make_contact(member, given_name="Grace", family_name="Hopper")

    with pytest.raises(DuplicatesFound) as caught:
        contact_update(actor=member, contact=grace, data=ADA, allow_duplicates=False)

    assert [c.pk for c in caught.value.candidates] == [ada.pk]
    grace.refresh_from_db()
    assert (grace.given_name, grace.version) == ("Grace", 1)
    assert not grace.emails.exists()


def test_update_with_duplicates_allowed_saves_the_change(member):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    grace = make_contact(member, given_name="Grace", family_name="Hopper")

    updated = contact_update(actor=member, contact=grace, data=ADA, allow_duplicates=True)

    assert (updated.given_name, updated.version) == ("Ada", 2)


def test_update_of_an_unrelated_field_does_not_warn_about_a_known_pair(member):
    ada = make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    updated = contact_update(
        actor=member, contact=ada, data={"notes": "hi"}, allow_duplicates=False
    )

    assert updated.notes == "hi"


# The order of the checks: a refusal for another reason comes first ------------------------


def test_invalid_data_is_reported_before_the_duplicate_warning(member):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    with pytest.raises(ValidationError) as caught:
        contact_create(actor=member, data={**ADA, "birthday": "1815-13-40"}, allow_duplicates=False)

    assert not isinstance(caught.value, DuplicatesFound)
    assert caught.value.message_dict == {"birthday": ["This date does not exist."]}


def test_a_reader_is_refused_before_the_duplicate_warning(member, viewer):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    with pytest.raises(PermissionDenied):
        contact_create(actor=viewer, data=ADA, allow_duplicates=False)


def test_a_stale_version_is_refused_before_the_duplicate_warning(member):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    grace = make_contact(member, given_name="Grace", family_name="Hopper")
    contact_update(actor=member, contact=grace, data={"notes": "meanwhile"})

    with pytest.raises(ConflictError) as caught:
        contact_update(
            actor=member, contact=grace, data=ADA, expected_version=1, allow_duplicates=False
        )

    assert caught.value.current_version == 2


# Optimistic concurrency on the Trash --------------------------------------------------------


def test_delete_with_a_stale_version_is_refused_and_keeps_the_person(member):
    contact = make_contact(member)
    contact_update(actor=member, contact=contact, data={"notes": "meanwhile"})

    with pytest.raises(ConflictError) as caught:
        contact_delete(actor=member, contact=contact, expected_version=1)

    assert caught.value.current_version == 2
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_delete_and_restore_with_the_current_version(member):
    contact = make_contact(member)

    deleted = contact_delete(actor=member, contact=contact, expected_version=1)
    restored = contact_restore(actor=member, contact=deleted, expected_version=2)

    assert (deleted.version, restored.version) == (2, 3)
    assert restored.deleted_at is None


def test_restore_with_a_stale_version_is_refused_and_keeps_it_in_the_trash(member):
    contact = make_contact(member)
    contact_delete(actor=member, contact=contact)

    with pytest.raises(ConflictError):
        contact_restore(actor=member, contact=contact, expected_version=1)

    assert Contact.trash.filter(pk=contact.pk).exists()


def test_delete_by_someone_who_may_not_is_refused_before_the_version(member, viewer):
    contact = make_contact(member)

    with pytest.raises(PermissionDenied):
        contact_delete(actor=viewer, contact=contact, expected_version=7)

    assert Contact.objects.filter(pk=contact.pk).exists()


# The typed input ---------------------------------------------------------------------------


def test_the_typed_input_names_exactly_the_fields_the_service_reads():
    assert ContactInput.__optional_keys__ == set(ALL_FIELDS)
    assert ContactInput.__required_keys__ == frozenset()


# Every door shows the same warning ---------------------------------------------------------


def test_the_same_candidates_reach_the_api_the_web_and_the_cli(client, member, rubrica):
    from django.urls import reverse

    from tests.api.conftest import JSON, bearer
    from tests.web.conftest import logged_in, person_form

    ada = make_contact(member, emails=[{"value": "Ada.Lovelace+x@googlemail.com"}])

    api = client.post("/api/v1/contacts", ADA, content_type=JSON, **bearer(member))
    web = logged_in(member).post(
        reverse("contacts:create"),
        person_form(
            given_name="Ada",
            family_name="Lovelace",
            **{"emails-0-label": "", "emails-0-value": "ada.lovelace@gmail.com"},
        ),
    )
    code, _, err = rubrica(
        "contacts", "add", "--given-name", "Ada", "--family-name", "Lovelace",
        "--email", "ada.lovelace@gmail.com", "--as", "member",
    )  # fmt: skip

    assert api.status_code == 409
    assert [(d["id"], d["reasons"]) for d in api.json()["duplicates"]] == [
        (ada.pk, ["Same email", "Same name"])
    ]
    assert web.status_code == 200
    assert f'href="{ada.get_absolute_url()}"' in web.content.decode()
    assert "Same email · Same name" in web.content.decode()
    assert code == 5
    assert f"likely duplicate: Ada Lovelace (id {ada.pk}): Same email, Same name" in err
    assert Contact.all_objects.count() == 1
