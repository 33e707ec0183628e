"""/api/v1/organizations: the same contract as people."""

from __future__ import annotations

import pytest

from rubrica.organizations.models import Organization
from rubrica.organizations.services import snapshot
from rubrica.taxonomy.models import OrganizationKind
from tests.api.conftest import JSON
from tests.factories import make_organization

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations"


def detail(org: Organization) -> str:
    return f"{URL}/{org.pk}"


def test_create_get_patch_delete_restore(client, member, as_member):
    created = client.post(
        URL,
        {
            "name": "Babbage & Co",
            "kind": "Partner",
            "website": "babbage.example",
            "phones": [{"value": "+44 20 7946 0000"}],
            "addresses": [{"city": "London", "country": "GB"}],
            "tags": ["engines"],
        },
        content_type=JSON,
        **as_member,
    )
    assert created.status_code == 201
    body = created.json()
    org = Organization.objects.get()
    assert created["Location"] == f"http://testserver/api/v1/organizations/{org.pk}"
    assert body["kind"] == "Partner"
    assert body["website"] == "https://babbage.example/"
    assert body["phones"][0]["e164"] == "+442079460000"
    assert body["tags"] == ["engines"]
    assert body["owner"] == "member"

    fetched = client.get(detail(org), **as_member)
    assert fetched.status_code == 200
    assert fetched["ETag"] == '"1"'
    assert fetched.json() == body

    patched = client.patch(
        detail(org), {"industry": "Computing"}, content_type=JSON, HTTP_IF_MATCH='"1"', **as_member
    )
    assert patched.status_code == 200
    assert patched["ETag"] == '"2"'
    assert patched.json()["industry"] == "Computing"
    assert patched.json()["name"] == "Babbage & Co"

    assert client.delete(detail(org), HTTP_IF_MATCH='"2"', **as_member).status_code == 204
    assert not Organization.objects.exists()
    trash = client.get(f"{URL}/trash", **as_member).json()["items"]
    assert [item["id"] for item in trash] == [org.pk]

    restored = client.post(f"{detail(org)}/restore", **as_member)
    assert restored.status_code == 200
    assert Organization.objects.filter(pk=org.pk).exists()


def test_name_is_required(client, as_member):
    response = client.post(URL, {"industry": "Tea"}, content_type=JSON, **as_member)
    assert response.status_code == 422
    assert response.json()["errors"] == {"name": "An organization needs a name."}


def test_stale_if_match_answers_412_and_changes_nothing(client, member, as_member):
    org = make_organization(member)
    response = client.patch(
        detail(org), {"name": "Renamed"}, content_type=JSON, HTTP_IF_MATCH='"9"', **as_member
    )
    assert response.status_code == 412
    org.refresh_from_db()
    assert (org.name, org.version) == ("Analytical Engines Ltd", 1)


def test_private_organization_of_another_user_is_404(client, member, as_other):
    org = make_organization(member, visibility="private")
    before = snapshot(org)
    assert client.get(detail(org), **as_other).status_code == 404
    patched = client.patch(detail(org), {"name": "Mine"}, content_type=JSON, **as_other)
    assert patched.status_code == 404
    assert client.delete(detail(org), **as_other).status_code == 404
    org.refresh_from_db()
    assert snapshot(org) == before
    assert org.deleted_at is None


def test_viewer_cannot_write(client, member, as_viewer):
    org = make_organization(member)
    assert client.post(URL, {"name": "X"}, content_type=JSON, **as_viewer).status_code == 403
    assert client.patch(detail(org), {"name": "X"}, content_type=JSON, **as_viewer).status_code == (
        403
    )
    assert client.delete(detail(org), **as_viewer).status_code == 403
    org.refresh_from_db()
    assert (org.name, org.version, org.deleted_at) == ("Analytical Engines Ltd", 1, None)
    assert Organization.all_objects.count() == 1


def test_filters_by_kind_and_sorts(client, member, as_member):
    make_organization(member, name="Acme", kind="Customer")
    make_organization(member, name="Zeta", kind="Customer")
    make_organization(member, name="Beta", kind="Supplier")
    customer = OrganizationKind.objects.get(name="Customer")
    response = client.get(URL, {"kind": customer.pk, "sort": "-name"}, **as_member)
    assert [item["name"] for item in response.json()["items"]] == ["Zeta", "Acme"]


def test_pagination_walks_every_organization_once(client, member, as_member):
    for index in range(5):
        make_organization(member, name=f"Org {index}")
    seen: list[str] = []
    params: dict[str, object] = {"limit": 2}
    while True:
        body = client.get(URL, params, **as_member).json()
        seen.extend(item["name"] for item in body["items"])
        if body["next_cursor"] is None:
            break
        params = {"limit": 2, "cursor": body["next_cursor"]}
    assert seen == [f"Org {index}" for index in range(5)]
