"""/api/v1/affiliations: people's roles at organizations."""

from __future__ import annotations

import pytest

from rubrica.contacts.models import Contact
from rubrica.organizations.models import Affiliation
from rubrica.organizations.services import affiliation_create
from tests.api.conftest import JSON
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db

URL = "/api/v1/affiliations"


@pytest.fixture
def people(member):
    return make_contact(member), make_organization(member, name="Engines Ltd")


def test_create_list_patch_delete(client, member, people, as_member):
    contact, org = people
    created = client.post(
        URL,
        {
            "contact": contact.pk,
            "organization": org.pk,
            "title": "Engineer",
            "start_date": "1842-01-01",
            "is_primary": True,
        },
        content_type=JSON,
        **as_member,
    )
    assert created.status_code == 201
    body = created.json()
    aff = Affiliation.objects.get()
    assert body["id"] == aff.pk
    assert body["contact"] == {"id": contact.pk, "name": "Ada Lovelace"}
    assert body["organization"] == {"id": org.pk, "name": "Engines Ltd"}
    assert (body["title"], body["start_date"], body["is_primary"]) == (
        "Engineer",
        "1842-01-01",
        True,
    )
    assert Contact.objects.get(pk=contact.pk).organization_id == org.pk

    listed = client.get(URL, {"contact": contact.pk}, **as_member).json()["items"]
    assert [item["id"] for item in listed] == [aff.pk]

    etag = client.get(f"{URL}/{aff.pk}", **as_member)["ETag"]
    patched = client.patch(
        f"{URL}/{aff.pk}",
        {"end_date": "1850-06-30"},
        content_type=JSON,
        HTTP_IF_MATCH=etag,
        **as_member,
    )
    assert patched.status_code == 200
    assert patched.json()["end_date"] == "1850-06-30"
    assert patched.json()["title"] == "Engineer"

    assert client.delete(f"{URL}/{aff.pk}", **as_member).status_code == 204
    assert not Affiliation.objects.exists()


def test_stale_if_match_answers_412_and_changes_nothing(client, member, people, as_member):
    contact, org = people
    aff = affiliation_create(actor=member, contact=contact, organization=org, data={"title": "A"})
    etag = client.get(f"{URL}/{aff.pk}", **as_member)["ETag"]
    client.patch(f"{URL}/{aff.pk}", {"title": "B"}, content_type=JSON, **as_member)
    stale = client.patch(
        f"{URL}/{aff.pk}", {"title": "C"}, content_type=JSON, HTTP_IF_MATCH=etag, **as_member
    )
    assert stale.status_code == 412
    assert client.delete(f"{URL}/{aff.pk}", HTTP_IF_MATCH=etag, **as_member).status_code == 412
    aff.refresh_from_db()
    assert aff.title == "B"


def test_end_before_start_names_the_field(client, people, as_member):
    contact, org = people
    payload = {
        "contact": contact.pk,
        "organization": org.pk,
        "start_date": "2020-01-01",
        "end_date": "2019-01-01",
    }
    response = client.post(URL, payload, content_type=JSON, **as_member)
    assert response.status_code == 422
    assert response.json()["errors"] == {"end_date": "The end comes before the start."}
    assert not Affiliation.objects.exists()


def test_invisible_person_or_organization_is_422_without_leaking(
    client, member, other_member, as_other
):
    private_contact = make_contact(member, visibility="private")
    private_org = make_organization(member, name="Hidden", visibility="private")
    payload = {"contact": private_contact.pk, "organization": private_org.pk}
    response = client.post(URL, payload, content_type=JSON, **as_other)
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "contact": "There is no such person.",
        "organization": "There is no such organization.",
    }
    missing = {"contact": 999_999, "organization": 999_998}
    assert (
        client.post(URL, missing, content_type=JSON, **as_other).json()["errors"]
        == (response.json()["errors"])
    )


def test_affiliation_with_private_organization_is_404_for_others(
    client, member, other_member, as_other
):
    contact = make_contact(member)
    org = make_organization(member, visibility="private")
    aff = affiliation_create(actor=member, contact=contact, organization=org, data={})
    assert client.get(f"{URL}/{aff.pk}", **as_other).status_code == 404
    assert client.delete(f"{URL}/{aff.pk}", **as_other).status_code == 404
    assert client.get(URL, **as_other).json()["items"] == []
    assert Affiliation.objects.filter(pk=aff.pk).exists()


def test_viewer_cannot_link_people(client, people, as_viewer):
    contact, org = people
    payload = {"contact": contact.pk, "organization": org.pk}
    assert client.post(URL, payload, content_type=JSON, **as_viewer).status_code == 403
    assert not Affiliation.objects.exists()
