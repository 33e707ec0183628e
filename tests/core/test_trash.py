"""The trash registry: the domains register what goes to the Trash, a missing kind fails loudly,
and the purge empties every registered kind, including one registered by a test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_delete
from rubrica.core import trash
from rubrica.core.trash import TrashKind, register_trash, trash_kind, trash_kinds, trash_purge
from rubrica.history.models import HistoryEntry
from rubrica.organizations.models import Organization
from rubrica.organizations.services import organization_delete
from tests.factories import make_contact, make_organization


def _kind(key: str, purged: list[dt.datetime]) -> TrashKind[Contact]:
    def purge(cutoff: dt.datetime) -> int:
        purged.append(cutoff)
        return 2

    return TrashKind(
        key=key,
        model=Contact,
        label="Persons",
        empty_text="No persons.",
        pages_label="Pages of persons",
        restore_url_name="contacts:restore",
        restore=lambda actor, record: record,
        purge=purge,
    )


@pytest.fixture
def own_table() -> Iterator[None]:
    """A copy of the table, so what a test registers goes away after it."""
    with trash.TRASH_KINDS.isolated(*trash.TRASH_KINDS):
        yield


def test_the_domains_register_their_kinds_in_app_order():
    assert [kind.key for kind in trash_kinds()] == [
        "people",
        "organizations",
        "activities",
        "documents",
        "tasks",
        "calendars",
        "appointments",
    ]
    people, organizations = trash_kind("people"), trash_kind("organizations")
    assert (people.model, people.restore_url_name) == (Contact, "contacts:restore")
    assert (organizations.model, organizations.restore_url_name) == (
        Organization,
        "organizations:restore",
    )
    assert (str(people.label), str(people.empty_text), str(people.pages_label)) == (
        "People",
        "No people in the Trash.",
        "Pages of people",
    )
    assert (
        str(organizations.label),
        str(organizations.empty_text),
        str(organizations.pages_label),
    ) == ("Organizations", "No organizations in the Trash.", "Pages of organizations")


def test_a_missing_kind_fails_loudly():
    with pytest.raises(LookupError, match=r"No trash kind 'ships' is registered \(registered: "):
        trash_kind("ships")


def test_a_kind_registered_twice_is_refused(own_table):
    with pytest.raises(ImproperlyConfigured, match="'people' is already registered"):
        register_trash(_kind("people", []))
    assert trash_kind("people").model is Contact


@pytest.mark.django_db
def test_the_registered_restore_services_take_records_out_of_the_trash(member):
    contact = make_contact(member)
    organization = make_organization(member)
    contact_delete(actor=member, contact=contact)
    organization_delete(actor=member, organization=organization)

    restored = trash_kind("people").restore(member, contact)
    trash_kind("organizations").restore(member, organization)

    assert restored.pk == contact.pk
    assert restored.deleted_at is None
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert Organization.objects.filter(pk=organization.pk).exists()


@pytest.mark.django_db
def test_purge_empties_every_domain_kind_with_the_history(member):
    old_contact = make_contact(member, given_name="Old")
    recent_contact = make_contact(member, given_name="Recent")
    old_organization = make_organization(member, name="Old Ltd")
    for contact in (old_contact, recent_contact):
        contact_delete(actor=member, contact=contact)
    organization_delete(actor=member, organization=old_organization)
    long_ago = timezone.now() - dt.timedelta(days=31)
    Contact.all_objects.filter(pk=old_contact.pk).update(deleted_at=long_ago)
    Organization.all_objects.filter(pk=old_organization.pk).update(deleted_at=long_ago)

    assert trash_purge(older_than=dt.timedelta(days=30)) == 2

    assert list(Contact.all_objects.values_list("given_name", flat=True)) == ["Recent"]
    assert not Organization.all_objects.exists()
    assert not HistoryEntry.objects.filter(object_id=old_contact.pk, content_type__model="contact")
    assert not HistoryEntry.objects.filter(
        object_id=old_organization.pk, content_type__model="organization"
    )
    assert HistoryEntry.objects.filter(object_id=recent_contact.pk).count() == 2


def test_purge_runs_a_kind_registered_by_a_test_with_one_cutoff(own_table, monkeypatch):
    now = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    monkeypatch.setattr(trash.timezone, "now", lambda: now)
    purged: list[dt.datetime] = []
    with trash.TRASH_KINDS.isolated():
        register_trash(_kind("persons", purged))
        register_trash(_kind("others", purged))

        assert trash_purge(older_than=dt.timedelta(days=3)) == 4
    assert purged == [now - dt.timedelta(days=3)] * 2
