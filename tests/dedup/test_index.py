"""The key index follows the contact services (create, update, delete, restore, rollback), and
find_duplicates proposes only people the user may view."""

from __future__ import annotations

import pytest
from django.db import transaction

from rubrica import dedup
from rubrica.contacts.services import contact_delete, contact_restore, contact_update
from rubrica.dedup import keys
from rubrica.dedup.models import DuplicateKey
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


CONTACT_KINDS = ("email", "email_local", "phone", "phone_nsn")


def keys_of(contact, kinds=CONTACT_KINDS) -> set[tuple[str, str]]:
    """The person's keys of ``kinds`` (by default those of their emails and phones: the name
    rules of the record-linkage blocking are tested in test_keys/test_linkage)."""
    rows = DuplicateKey.objects.filter(contact=contact, kind__in=kinds)
    return set(rows.values_list("kind", "key"))


def test_creating_a_person_indexes_their_keys(member):
    ada = make_contact(
        member,
        emails=[{"value": "Ada.Lovelace+x@gmail.com"}],
        phones=[{"value": "+39 333 123 4567"}],
    )
    assert keys_of(ada) == {
        ("email", "adalovelace@gmail.com"),
        ("email_local", "adalovelace"),
        ("phone", "+393331234567"),
        ("phone_nsn", "3331234567"),
    }


def test_updating_a_person_replaces_their_keys(member):
    ada = make_contact(member, emails=[{"value": "ada@example.org"}])
    contact_update(actor=member, contact=ada, data={"emails": [{"value": "augusta@example.org"}]})
    assert keys_of(ada) == {
        ("email", "augusta@example.org"),
        ("email_local", "augusta"),
    }


def test_delete_removes_the_keys_and_restore_puts_them_back(member):
    ada = make_contact(member, emails=[{"value": "ada@example.org"}], birthday="1815-12-10")
    before = keys_of(ada, keys.KINDS)
    assert ("name_bday", "12-10|AT") in before
    contact_delete(actor=member, contact=ada)
    assert keys_of(ada, keys.KINDS) == set()
    contact_restore(actor=member, contact=ada)
    assert keys_of(ada, keys.KINDS) == before


def test_a_rolled_back_update_leaves_the_keys_as_they_were(member):
    ada = make_contact(member, emails=[{"value": "ada@example.org"}])
    before = keys_of(ada)
    with pytest.raises(RuntimeError), transaction.atomic():
        contact_update(actor=member, contact=ada, data={"emails": [{"value": "x@example.org"}]})
        raise RuntimeError
    assert keys_of(ada) == before


def test_reindex_rebuilds_every_key(member):
    ada = make_contact(member, emails=[{"value": "ada@example.org"}])
    expected = keys_of(ada)
    DuplicateKey.objects.all().delete()
    calls = []
    assert dedup.reindex(progress=lambda done, total: calls.append((done, total))) == 1
    assert keys_of(ada) == expected
    assert calls[-1] == (1, 1)


def test_find_duplicates_names_a_visible_person_with_reasons(member):
    ada = make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    found = dedup.find_duplicates(
        user=member,
        data={
            "given_name": "Lovelace",
            "family_name": "Ada",
            "emails": [{"value": "Ada.Lovelace+crm@gmail.com"}],
        },
    )
    # A match probability (no longer a fixed 0.97); the swap is named.
    assert [(c.pk, c.display_name, c.reasons) for c in found] == [
        (ada.pk, "Ada Lovelace", ["email_exact", "name_swapped"])
    ]
    assert found[0].score >= 0.995
    assert found[0].labels == ["Same email", "Same name with given and family names swapped"]


def test_find_duplicates_never_proposes_a_private_record_of_another_member(member, other_member):
    make_contact(other_member, visibility="private", emails=[{"value": "ada.lovelace@gmail.com"}])
    data = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "emails": [{"value": "ada.lovelace@gmail.com"}],
    }
    assert dedup.find_duplicates(user=member, data=data) == []
    assert len(dedup.find_duplicates(user=other_member, data=data)) == 1


def test_find_duplicates_ignores_namesakes(member):
    make_contact(member, given_name="Maria", family_name="Rossi", emails=[{"value": "m@a.it"}])
    data = {"given_name": "Maria", "family_name": "Rossi", "emails": [{"value": "maria@b.it"}]}
    assert dedup.find_duplicates(user=member, data=data) == []


def test_an_edit_warns_only_about_new_look_alikes(member):
    ada = make_contact(member, emails=[{"value": "ada@example.org"}])
    twin = make_contact(member, emails=[{"value": "ada@example.org"}])
    grace = make_contact(
        member, given_name="Grace", family_name="Hopper", phones=[{"value": "+1 415 555 0100"}]
    )
    # ada and twin were alike before: saving an unrelated change does not warn about twin.
    assert dedup.find_duplicates(user=member, data={"notes": "x"}, exclude_id=ada.pk) == []
    # giving grace ada's phone-less email and name makes her look like both.
    found = dedup.find_duplicates(
        user=member,
        data={
            "given_name": "Ada",
            "family_name": "Lovelace",
            "emails": [{"value": "ada@example.org"}],
        },
        exclude_id=grace.pk,
    )
    assert sorted(c.pk for c in found) == sorted([ada.pk, twin.pk])
