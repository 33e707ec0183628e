"""/api/v1/documents: multipart upload, keyset list, versions, download, delete; another team's
member gets 404 and nothing changes."""

from __future__ import annotations

import pytest

from rubrica.documents.models import Document
from tests.api.conftest import bearer
from tests.documents.conftest import HTML, PDF, stored_files, upload
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db
URL = "/api/v1/documents"


def _create(client, headers, record_kind, record_id, name="a.pdf", data=PDF, **extra):
    return client.post(
        URL,
        {"file": upload(name, data), "record_kind": record_kind, "record_id": record_id, **extra},
        **headers,
    )


def test_upload_list_get_and_download(client, member):
    headers = bearer(member)
    contact = make_contact(member)
    response = _create(client, headers, "contact", contact.pk, name="Offer.pdf", title="Offer")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Offer"
    assert (body["record_kind"], body["record_id"], body["version"]) == ("contact", contact.pk, 1)
    assert body["current"]["content_type"] == "application/pdf"
    assert body["current"]["original_name"] == "Offer.pdf"
    assert body["current"]["size"] == len(PDF)

    response = client.get(URL, {"record_kind": "contact", "record_id": contact.pk}, **headers)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [body["id"]]

    response = client.get(f"{URL}/{body['id']}", **headers)
    assert response["ETag"] == '"1"'
    response = client.get(f"{URL}/{body['id']}/download", **headers)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Offer.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_list_pages_by_keyset(client, member):
    headers = bearer(member)
    organization = make_organization(member)
    ids = [
        _create(client, headers, "organization", organization.pk, name=f"{n}.pdf").json()["id"]
        for n in range(5)
    ]
    query = {"record_kind": "organization", "record_id": organization.pk, "limit": 2}
    seen = []
    cursor = None
    while True:
        page = client.get(URL, {**query, **({"cursor": cursor} if cursor else {})}, **headers)
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))


def test_a_refused_file_is_a_422_naming_it(client, member, documents_root):
    contact = make_contact(member)
    response = _create(client, bearer(member), "contact", contact.pk, name="x.pdf", data=HTML)
    assert response.status_code == 422
    assert "x.pdf" in response.json()["errors"]["file"]
    assert Document.all_objects.count() == 0
    assert stored_files(documents_root) == []


def test_versions_with_if_match(client, member):
    headers = bearer(member)
    contact = make_contact(member)
    document = _create(client, headers, "contact", contact.pk).json()
    url = f"{URL}/{document['id']}/versions"
    stale = client.post(url, {"file": upload("b.txt", b"two")}, HTTP_IF_MATCH='"7"', **headers)
    assert stale.status_code == 412
    response = client.post(url, {"file": upload("b.txt", b"two")}, HTTP_IF_MATCH='"1"', **headers)
    assert response.status_code == 201
    assert response.json()["number"] == 2
    versions = client.get(url, **headers).json()
    assert [v["number"] for v in versions] == [2, 1]
    old = client.get(f"{URL}/{document['id']}/download?version=1", **headers)
    assert b"".join(old.streaming_content) == PDF


def test_another_teams_member_gets_404_and_nothing_changes(
    client, member, other_member, documents_root
):
    contact = make_contact(member, visibility="private")
    document = _create(client, bearer(member), "contact", contact.pk).json()
    other = bearer(other_member)
    assert _create(client, other, "contact", contact.pk).status_code == 404
    listing = client.get(URL, {"record_kind": "contact", "record_id": contact.pk}, **other)
    assert listing.status_code == 404
    for path in ("", "/versions", "/download"):
        assert client.get(f"{URL}/{document['id']}{path}", **other).status_code == 404
    assert client.delete(f"{URL}/{document['id']}", **other).status_code == 404
    response = client.post(
        f"{URL}/{document['id']}/versions", {"file": upload("b.pdf", PDF)}, **other
    )
    assert response.status_code == 404
    assert Document.objects.get().version == 1
    assert Document.objects.get().versions.count() == 1
    assert len(stored_files(documents_root)) == 1


def test_a_viewer_gets_403_on_upload_and_delete(client, member, viewer):
    contact = make_contact(member)
    document = _create(client, bearer(member), "contact", contact.pk).json()
    headers = bearer(viewer)
    assert _create(client, headers, "contact", contact.pk).status_code == 403
    assert client.delete(f"{URL}/{document['id']}", **headers).status_code == 403
    assert Document.objects.count() == 1


def test_delete_moves_to_the_trash(client, member):
    headers = bearer(member)
    contact = make_contact(member)
    document = _create(client, headers, "contact", contact.pk).json()
    assert client.delete(f"{URL}/{document['id']}", **headers).status_code == 204
    assert Document.trash.filter(pk=document["id"]).exists()
    assert client.get(f"{URL}/{document['id']}", **headers).status_code == 404
