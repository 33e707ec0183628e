"""API regressions from the security review."""

from __future__ import annotations

import pytest

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_delete
from tests.api.conftest import JSON, bearer
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def test_lone_surrogate_in_json_is_a_422_and_nothing_is_created(client, member):
    response = client.post(
        "/api/v1/contacts", data=b'{"given_name": "\\ud800"}', content_type=JSON, **bearer(member)
    )

    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert Contact.all_objects.count() == 0


def test_trash_lists_only_what_the_reader_may_delete(client, member, viewer):
    contact = make_contact(member)
    contact_delete(actor=member, contact=contact)

    as_viewer = client.get("/api/v1/contacts/trash", **bearer(viewer))
    as_owner = client.get("/api/v1/contacts/trash", **bearer(member))

    assert as_viewer.json()["items"] == []
    assert [item["id"] for item in as_owner.json()["items"]] == [contact.pk]


def test_a_hidden_parent_organization_is_not_named(client, member, other_member):
    hidden = make_organization(other_member, name="Hidden parent", visibility="private")
    child = make_organization(other_member, name="Child", parent=hidden.pk)

    as_member = client.get(f"/api/v1/organizations/{child.pk}", **bearer(member))
    as_owner = client.get(f"/api/v1/organizations/{child.pk}", **bearer(other_member))

    assert as_member.json()["parent"] is None
    assert as_owner.json()["parent"] == hidden.pk
