"""organizations.services own concurrency: ``expected_version`` on the Trash moves, and for
affiliations (no version of their own) the door's ``precondition`` run on the locked row."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from rubrica.contacts.models import Contact
from rubrica.core.services import ConflictError
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.services import (
    AFFILIATION_TEXT,
    ALL_FIELDS,
    affiliation_create,
    affiliation_delete,
    affiliation_update,
    organization_delete,
    organization_restore,
    organization_update,
)
from rubrica.organizations.types import AffiliationInput, OrganizationInput
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


def test_delete_with_a_stale_version_is_refused_and_keeps_the_organization(member):
    org = make_organization(member)
    organization_update(actor=member, organization=org, data={"notes": "meanwhile"})

    with pytest.raises(ConflictError) as caught:
        organization_delete(actor=member, organization=org, expected_version=1)

    assert caught.value.current_version == 2
    assert Organization.objects.filter(pk=org.pk).exists()


def test_delete_and_restore_with_the_current_version(member):
    org = make_organization(member)

    deleted = organization_delete(actor=member, organization=org, expected_version=1)
    restored = organization_restore(actor=member, organization=deleted, expected_version=2)

    assert (deleted.version, restored.version) == (2, 3)
    assert restored.deleted_at is None


def test_restore_with_a_stale_version_is_refused(member):
    org = make_organization(member)
    organization_delete(actor=member, organization=org)

    with pytest.raises(ConflictError):
        organization_restore(actor=member, organization=org, expected_version=1)

    assert Organization.trash.filter(pk=org.pk).exists()


def test_delete_by_someone_who_may_not_is_refused_before_the_version(member, viewer):
    org = make_organization(member)

    with pytest.raises(PermissionDenied):
        organization_delete(actor=viewer, organization=org, expected_version=7)


def test_affiliation_precondition_sees_the_row_as_locked_and_may_refuse(member):
    person, org = make_contact(member), make_organization(member)
    aff = affiliation_create(actor=member, contact=person, organization=org, data={"title": "A"})
    stale = Affiliation.objects.get(pk=aff.pk)
    affiliation_update(actor=member, affiliation=aff, data={"title": "B"})
    seen: list[str] = []

    def refuse(current: Affiliation) -> None:
        seen.append(current.title)
        raise Refused

    with pytest.raises(Refused):
        affiliation_update(
            actor=member, affiliation=stale, data={"title": "C"}, precondition=refuse
        )
    with pytest.raises(Refused):
        affiliation_delete(actor=member, affiliation=stale, precondition=refuse)

    assert seen == ["B", "B"]
    assert Affiliation.objects.get(pk=aff.pk).title == "B"
    assert Contact.objects.get(pk=person.pk).version == 3


def test_affiliation_update_applies_to_the_row_as_it_is_now(member):
    person, org = make_contact(member), make_organization(member)
    aff = affiliation_create(actor=member, contact=person, organization=org, data={"title": "A"})
    stale = Affiliation.objects.get(pk=aff.pk)
    affiliation_update(actor=member, affiliation=aff, data={"department": "R&D"})

    updated = affiliation_update(
        actor=member, affiliation=stale, data={"title": "B"}, precondition=lambda current: None
    )

    assert (updated.title, updated.department) == ("B", "R&D")
    assert Affiliation.objects.filter(pk=aff.pk, title="B", department="R&D").exists()


def test_the_typed_inputs_name_exactly_the_fields_the_services_read():
    assert OrganizationInput.__optional_keys__ == set(ALL_FIELDS)
    assert OrganizationInput.__required_keys__ == frozenset()
    assert AffiliationInput.__optional_keys__ == {
        *AFFILIATION_TEXT,
        "start_date",
        "end_date",
        "is_primary",
    }
