"""The API door passes what it received to the services: If-Match as ``expected_version``, the
payload as the typed service input (its schemas name exactly the TypedDicts' fields)."""

from __future__ import annotations

import pytest

from rubrica.activities.api import ActivityIn
from rubrica.activities.types import ActivityInput
from rubrica.contacts.models import Contact
from rubrica.contacts.schemas import ContactIn
from rubrica.contacts.services import contact_delete
from rubrica.contacts.types import ContactInput
from rubrica.core.types import AddressInput, PhoneInput, ValueInput
from rubrica.kits.api.conditional import expected_version
from rubrica.kits.api.schemas import AddressIn, PhoneIn, ValueIn
from rubrica.organizations.models import Organization
from rubrica.organizations.schemas import AffiliationChange, AffiliationCreate, OrganizationIn
from rubrica.organizations.services import organization_delete
from rubrica.organizations.types import AffiliationInput, OrganizationInput
from rubrica.segments.api import SegmentChange, SegmentIn
from rubrica.segments.types import SegmentInput
from rubrica.tasks.api import TaskIn
from rubrica.tasks.types import TaskInput
from tests.api.conftest import JSON
from tests.factories import make_contact, make_organization

URL = "/api/v1/contacts"


# The schemas and the services' typed inputs -------------------------------------------------


def _keys(typed: type) -> set[str]:
    return set(typed.__required_keys__ | typed.__optional_keys__)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("schema", "typed"),
    [
        (ContactIn, ContactInput),
        (OrganizationIn, OrganizationInput),
        (AffiliationChange, AffiliationInput),
        (ValueIn, ValueInput),
        (PhoneIn, PhoneInput),
        (AddressIn, AddressInput),
        (ActivityIn, ActivityInput),
        (TaskIn, TaskInput),
        (SegmentIn, SegmentInput),
    ],
)
def test_each_input_schema_names_exactly_the_fields_of_the_service_input(schema, typed):
    assert set(schema.model_fields) == _keys(typed)


def test_the_segment_change_schema_names_the_segment_input_but_its_kind():
    assert set(SegmentChange.model_fields) == _keys(SegmentInput) - {"kind"}


def test_the_affiliation_create_schema_adds_only_the_two_links():
    assert set(AffiliationCreate.model_fields) == _keys(AffiliationInput) | {
        "contact",
        "organization",
    }


# If-Match -> expected_version ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "read", "expected"),
    [
        (None, 3, None),
        ("*", 3, None),
        ('"3"', 3, 3),
        ('W/"3"', 3, 3),
        ("3", 3, 3),
        ('"2"', 3, 2),
        ('"2", "3"', 3, 3),
        ('"1", "2"', 3, 1),
        ('"abc"', 3, 0),
        ('"²"', 3, 0),
    ],
)
def test_if_match_becomes_the_expected_version(rf, header, read, expected):
    headers = {} if header is None else {"HTTP_IF_MATCH": header}

    assert expected_version(rf.patch("/", **headers), read) == expected


@pytest.mark.django_db
def test_a_list_of_tags_naming_the_current_version_is_accepted(client, member, as_member):
    contact = make_contact(member)

    response = client.patch(
        f"{URL}/{contact.pk}",
        {"role": "Author"},
        content_type=JSON,
        HTTP_IF_MATCH='"7", W/"1"',
        **as_member,
    )

    assert response.status_code == 200
    assert response["ETag"] == '"2"'


@pytest.mark.django_db
def test_a_tag_that_is_no_version_answers_412_with_the_current_etag(client, member, as_member):
    contact = make_contact(member)

    response = client.patch(
        f"{URL}/{contact.pk}", {"role": "Poet"}, content_type=JSON, HTTP_IF_MATCH='"x"', **as_member
    )

    assert response.status_code == 412
    assert response["ETag"] == '"1"'
    assert response.json()["type"] == "urn:rubrica:problem:precondition-failed"
    contact.refresh_from_db()
    assert (contact.role, contact.version) == ("", 1)


@pytest.mark.django_db
def test_restore_with_a_stale_if_match_answers_412_and_keeps_it_in_the_trash(
    client, member, as_member
):
    contact = make_contact(member)
    contact_delete(actor=member, contact=contact)

    response = client.post(f"{URL}/{contact.pk}/restore", HTTP_IF_MATCH='"1"', **as_member)

    assert response.status_code == 412
    assert response["ETag"] == '"2"'
    assert Contact.trash.filter(pk=contact.pk).exists()


@pytest.mark.django_db
def test_organization_delete_and_restore_check_if_match(client, member, as_member):
    org = make_organization(member)
    url = f"/api/v1/organizations/{org.pk}"

    assert client.delete(url, HTTP_IF_MATCH='"5"', **as_member).status_code == 412
    assert Organization.objects.filter(pk=org.pk).exists()
    organization_delete(actor=member, organization=org)
    stale = client.post(f"{url}/restore", HTTP_IF_MATCH='"1"', **as_member)
    assert (stale.status_code, stale["ETag"]) == (412, '"2"')
    assert client.post(f"{url}/restore", HTTP_IF_MATCH='"2"', **as_member).status_code == 200
    assert Organization.objects.filter(pk=org.pk).exists()


@pytest.mark.django_db
def test_a_refusal_answers_before_a_stale_if_match(client, member, as_viewer):
    # RFC 9110 §13.2.1: preconditions count only for a request that would otherwise succeed
    contact = make_contact(member)

    patched = client.patch(
        f"{URL}/{contact.pk}", {"role": "X"}, content_type=JSON, HTTP_IF_MATCH='"9"', **as_viewer
    )
    deleted = client.delete(f"{URL}/{contact.pk}", HTTP_IF_MATCH='"9"', **as_viewer)

    assert (patched.status_code, deleted.status_code) == (403, 403)
