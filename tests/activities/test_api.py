"""/api/v1/activities: create, read with ETag, PATCH with If-Match, delete, restore, timeline
lists by keyset with filters, visibility (404), denied writes (403, nothing changed)."""

from __future__ import annotations

import pytest

from rubrica.activities.models import Activity
from tests.api.conftest import JSON, bearer
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities"


def test_create_read_update_delete_restore(client, member, as_member):
    ada = make_contact(member)
    created = client.post(
        URL,
        {"people": [ada.pk], "kind": "call", "outcome": "no-answer", "body": "**hi**"},
        content_type=JSON,
        **as_member,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["outcome"] == "No answer" and body["people"] == [ada.pk]
    assert body["body_html"] == "<p><strong>hi</strong></p>\n"
    url = f"{URL}/{body['id']}"
    got = client.get(url, **as_member)
    assert got["ETag"] == '"1"'
    stale = client.patch(url, {"subject": "x"}, content_type=JSON, HTTP_IF_MATCH='"7"', **as_member)
    assert stale.status_code == 412
    changed = client.patch(
        url, {"subject": "Rang"}, content_type=JSON, HTTP_IF_MATCH='"1"', **as_member
    )
    assert changed.status_code == 200 and changed.json()["subject"] == "Rang"
    assert client.delete(url, HTTP_IF_MATCH='"2"', **as_member).status_code == 204
    assert client.get(url, **as_member).status_code == 404
    restored = client.post(f"{url}/restore", **as_member)
    assert restored.status_code == 200


def test_errors_name_the_field(client, member, as_member):
    ada = make_contact(member)
    response = client.post(
        URL, {"people": [ada.pk, 99999], "outcome": "maybe"}, content_type=JSON, **as_member
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"people.1", "outcome"}
    assert not Activity.all_objects.exists()


def test_timeline_lists_by_keyset_and_filters(client, member, as_member):
    ada = make_contact(member)
    org = make_organization(member)
    for i in range(5):
        client.post(
            URL,
            {
                "people": [ada.pk],
                "kind": "call" if i % 2 else "email",
                "subject": f"s{i}",
                "occurred_at": f"2026-01-0{i + 1}T10:00:00Z",
            },
            content_type=JSON,
            **as_member,
        )
    client.post(URL, {"organizations": [org.pk], "kind": "visit"}, content_type=JSON, **as_member)
    first = client.get(URL, {"person": ada.pk, "limit": 2}, **as_member).json()
    assert [item["subject"] for item in first["items"]] == ["s4", "s3"]
    second = client.get(
        URL, {"person": ada.pk, "limit": 2, "cursor": first["next_cursor"]}, **as_member
    ).json()
    assert [item["subject"] for item in second["items"]] == ["s2", "s1"]
    calls = client.get(URL, {"person": ada.pk, "kind": "call"}, **as_member).json()
    assert [item["subject"] for item in calls["items"]] == ["s3", "s1"]
    bad = client.get(URL, {"kind": "fax"}, **as_member)
    assert bad.status_code == 422 and "kind" in bad.json()["errors"]


def test_others_cannot_see_private_nor_change(client, member, as_member, as_other):
    ada = make_contact(member)
    private = client.post(
        URL, {"people": [ada.pk], "private": True}, content_type=JSON, **as_member
    ).json()
    shared = client.post(
        URL, {"people": [ada.pk], "subject": "Mine"}, content_type=JSON, **as_member
    ).json()
    assert client.get(f"{URL}/{private['id']}", **as_other).status_code == 404
    response = client.patch(
        f"{URL}/{shared['id']}", {"subject": "Theirs"}, content_type=JSON, **as_other
    )
    assert response.status_code == 403
    assert Activity.objects.get(pk=shared["id"]).subject == "Mine"
    assert client.delete(f"{URL}/{shared['id']}", **as_other).status_code == 403
    assert Activity.objects.filter(pk=shared["id"]).exists()


def test_keep_in_touch_and_people_to_contact(client, member, as_member):
    ada = make_contact(member)
    response = client.put(
        f"{URL}/keep-in-touch/{ada.pk}",
        {"ideal_days": 30, "max_days": 45},
        content_type=JSON,
        **as_member,
    )
    assert response.status_code == 200
    listing = client.get(f"{URL}/to-contact", **as_member).json()
    assert [item["person"] for item in listing["items"]] == [ada.pk]
    bad = client.put(
        f"{URL}/keep-in-touch/{ada.pk}",
        {"ideal_days": 50, "max_days": 45},
        content_type=JSON,
        **as_member,
    )
    assert bad.status_code == 422 and "max_days" in bad.json()["errors"]


@pytest.fixture
def as_member(member):
    return bearer(member)


@pytest.fixture
def as_other(other_member):
    return bearer(other_member)
