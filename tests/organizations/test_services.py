"""organizations.services: organizations and affiliations."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.contacts.models import Contact
from rubrica.history.selectors import history_for
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.services import (
    affiliation_create,
    affiliation_delete,
    affiliation_update,
    organization_delete,
    organization_restore,
    organization_revert,
    organization_update,
)
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def test_create_normalises_website_domains_and_phones(member):
    org = make_organization(
        member,
        website="Example.COM/about",
        email_domains=["@Example.com", "example.it"],
        phones=[{"value": "+39 02 1234 5678"}],
        kind="Supplier",
    )

    assert org.website == "https://example.com/about"
    assert org.email_domains == ["example.com", "example.it"]
    assert org.primary_phone == "+390212345678"
    assert org.kind.name == "Supplier"


def test_name_is_required_and_nothing_is_saved(member):
    with pytest.raises(ValidationError) as caught:
        make_organization(member, name="  ", website="ftp://example.com")

    assert set(caught.value.message_dict) == {"name", "website"}
    assert Organization.all_objects.count() == 0


def test_parent_cycle_is_refused(member):
    parent = make_organization(member, name="Parent")
    child = make_organization(member, name="Child", parent=parent.pk)

    with pytest.raises(ValidationError) as caught:
        organization_update(actor=member, organization=parent, data={"parent": child.pk})

    assert list(caught.value.message_dict) == ["parent"]
    assert Organization.objects.get(pk=parent.pk).parent is None


def test_delete_restore_and_revert(member):
    org = make_organization(member)
    organization_update(actor=member, organization=org, data={"industry": "Looms"})
    change = history_for(org).first()

    organization_delete(actor=member, organization=org)
    assert not Organization.objects.filter(pk=org.pk).exists()
    organization_restore(actor=member, organization=org)
    reverted = organization_revert(actor=member, organization=org, entry=change, field="industry")

    assert reverted.industry == ""


def test_affiliation_sets_the_persons_organization_and_keeps_one_primary(member):
    person = make_contact(member)
    first = make_organization(member, name="First")
    second = make_organization(member, name="Second")

    affiliation_create(
        actor=member, contact=person, organization=first, data={"title": "CTO", "is_primary": True}
    )
    assert Contact.objects.get(pk=person.pk).organization == first

    newer = affiliation_create(
        actor=member, contact=person, organization=second, data={"is_primary": True}
    )
    primaries = Affiliation.objects.filter(contact=person, is_primary=True)
    assert list(primaries) == [newer]
    assert Contact.objects.get(pk=person.pk).organization == second


def test_ending_an_affiliation_keeps_it_as_history(member):
    person = make_contact(member)
    org = make_organization(member)
    aff = affiliation_create(
        actor=member, contact=person, organization=org, data={"start_date": "2020-01-01"}
    )

    affiliation_update(actor=member, affiliation=aff, data={"end_date": "2023-06-30"})

    assert Affiliation.objects.get(pk=aff.pk).end_date.isoformat() == "2023-06-30"
    assert Contact.objects.get(pk=person.pk).organization is None
    assert any(key.startswith("affiliation.") for key in history_for(person).first().changes)


def test_end_before_start_is_refused(member):
    person, org = make_contact(member), make_organization(member)

    with pytest.raises(ValidationError) as caught:
        affiliation_create(
            actor=member,
            contact=person,
            organization=org,
            data={"start_date": "2024-01-01", "end_date": "2023-01-01"},
        )

    assert list(caught.value.message_dict) == ["end_date"]
    assert not Affiliation.objects.exists()


def test_cannot_link_to_an_organization_one_cannot_see(member, other_member):
    person = make_contact(member)
    hidden = make_organization(other_member, visibility="private")

    with pytest.raises(PermissionDenied):
        affiliation_create(actor=member, contact=person, organization=hidden, data={})

    assert not Affiliation.objects.exists()


def test_deleting_an_affiliation_is_recorded(member):
    person, org = make_contact(member), make_organization(member)
    aff = affiliation_create(actor=member, contact=person, organization=org, data={})
    key = f"affiliation.{aff.pk}"

    affiliation_delete(actor=member, affiliation=aff)

    assert not Affiliation.objects.exists()
    entry = history_for(person).first()
    assert entry.changes[key]["before"]["organization"] == org.pk
    assert entry.changes[key]["after"] is None


def test_parent_by_name_must_be_visible_and_unambiguous(member, other_member):
    make_organization(other_member, name="Hidden Holding", visibility="private")
    make_organization(member, name="Twin")
    make_organization(member, name="twin")

    with pytest.raises(ValidationError) as hidden:
        make_organization(member, name="Child", parent="Hidden Holding")
    with pytest.raises(ValidationError) as ambiguous:
        make_organization(member, name="Child", parent="TWIN")

    assert list(hidden.value.message_dict) == ["parent"]
    assert list(ambiguous.value.message_dict) == ["parent"]
    assert not Organization.objects.filter(name="Child").exists()
