"""POST /api/v1/merges, GET /api/v1/merges/{id}, POST /api/v1/merges/{id}/undo."""

from __future__ import annotations

import json

import pytest

from rubrica.accounts.services import token_create
from rubrica.contacts.models import Contact
from rubrica.merges.models import Merge
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

URL = "/api/v1/merges"
JSON = "application/json"


def bearer(user) -> dict[str, str]:
    _token, raw = token_create(actor=user, user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _post(client, url, body, user):
    return client.post(url, json.dumps(body), content_type=JSON, **bearer(user))


def test_post_merges_and_answers_201_with_the_merge(client, member):
    ada = make_contact(member, title="Mathematician")
    twin = make_contact(member, title="Countess", given_name="Augusta")
    response = _post(
        client,
        URL,
        {"survivor": ada.pk, "merged": twin.pk, "choices": {"title": "merged"}},
        member,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    merge = Merge.objects.get()
    assert response["Location"] == f"http://testserver{URL}/{merge.pk}"
    assert body["id"] == merge.pk
    assert (body["survivor"], body["merged"], body["actor"]) == (ada.pk, twin.pk, "member")
    assert body["changed_fields"] == ["title"]
    assert body["undone_at"] is None
    ada.refresh_from_db()
    assert ada.title == "Countess"


def test_get_returns_a_visible_merge_and_404_otherwise(client, member, other_member):
    ada = make_contact(member, visibility="private")
    twin = make_contact(member, visibility="private")
    merge_id = _post(client, URL, {"survivor": ada.pk, "merged": twin.pk}, member).json()["id"]
    assert client.get(f"{URL}/{merge_id}", **bearer(member)).json()["id"] == merge_id
    response = client.get(f"{URL}/{merge_id}", **bearer(other_member))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_undo_answers_the_undone_merge_and_twice_is_422(client, member):
    ada = make_contact(member)
    twin = make_contact(member)
    merge_id = _post(client, URL, {"survivor": ada.pk, "merged": twin.pk}, member).json()["id"]
    response = _post(client, f"{URL}/{merge_id}/undo", {}, member)
    assert response.status_code == 200
    assert response.json()["undone_by"] == "member"
    assert Contact.objects.filter(pk=twin.pk).exists()
    again = _post(client, f"{URL}/{merge_id}/undo", {}, member)
    assert again.status_code == 422
    assert again.json()["errors"] == {"__all__": "This merge was already undone."}


def test_invisible_people_are_field_errors(client, member, other_member):
    ada = make_contact(member, visibility="private")
    mine = make_contact(other_member)
    response = _post(client, URL, {"survivor": mine.pk, "merged": ada.pk}, other_member)
    assert response.status_code == 422
    assert response.json()["errors"] == {"merged": "There is no such person."}
    assert Merge.objects.count() == 0


def test_a_viewer_gets_403_and_nothing_changes(client, member, viewer):
    ada = make_contact(member)
    twin = make_contact(member)
    response = _post(client, URL, {"survivor": ada.pk, "merged": twin.pk}, viewer)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:rubrica:problem:permission-denied"
    assert Merge.objects.count() == 0
    assert Contact.objects.filter(pk=twin.pk).exists()


def test_a_stale_version_answers_412(client, member):
    ada = make_contact(member)
    twin = make_contact(member)
    response = _post(
        client,
        URL,
        {"survivor": ada.pk, "merged": twin.pk, "survivor_version": ada.version + 1},
        member,
    )
    assert response.status_code == 412
    assert Merge.objects.count() == 0


def test_bad_choices_and_unknown_keys_are_422(client, member):
    ada = make_contact(member)
    twin = make_contact(member)
    response = _post(
        client, URL, {"survivor": ada.pk, "merged": twin.pk, "choices": {"emails": "x"}}, member
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "choices.emails": "Lists are merged: both sides' values are kept."
    }
    response = _post(client, URL, {"survivor": ada.pk, "merged": twin.pk, "oops": 1}, member)
    assert response.json()["errors"] == {"oops": "Unknown field."}
    response = _post(client, URL, {"survivor": ada.pk, "merged": ada.pk}, member)
    assert response.json()["errors"] == {"merged": "A person cannot be merged with itself."}
