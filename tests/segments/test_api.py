"""/api/v1/segments: CRUD, the segment's people in cursor pages, static members, and the
``segment`` parameter of /api/v1/contacts."""

from __future__ import annotations

import pytest

from rubrica.segments.models import Segment, SegmentMember
from rubrica.segments.services import segment_add_members, segment_create
from tests.api.conftest import JSON, bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/segments"


def test_create_read_update_delete_a_saved_search(client, member, milan_people):
    auth = bearer(member)

    created = client.post(
        URL,
        {"name": "Milan", "filters": {"city": "Milano", "has_email": False}},
        content_type=JSON,
        **auth,
    )
    pk = created.json()["id"]
    read = client.get(f"{URL}/{pk}", **auth)
    stale = client.patch(
        f"{URL}/{pk}", {"name": "Late"}, content_type=JSON, HTTP_IF_MATCH='"7"', **auth
    )
    updated = client.patch(
        f"{URL}/{pk}", {"name": "Milano"}, content_type=JSON, HTTP_IF_MATCH=read["ETag"], **auth
    )
    deleted = client.delete(f"{URL}/{pk}", HTTP_IF_MATCH=updated["ETag"], **auth)

    assert created.status_code == 201
    assert created["Location"].endswith(f"{URL}/{pk}")
    body = read.json()
    assert body["filters"] == {"city": "Milano", "has_email": "false"}
    assert (body["kind"], body["visibility"], body["owner"], body["version"]) == (
        "dynamic",
        "private",
        "member",
        1,
    )
    assert (body["count"], body["count_capped"]) == (3, False)
    assert stale.status_code == 412
    assert (updated.status_code, updated.json()["name"], updated.json()["version"]) == (
        200,
        "Milano",
        2,
    )
    assert deleted.status_code == 204
    assert not Segment.objects.filter(pk=pk).exists()


def test_a_stale_if_match_on_delete_answers_412_and_deletes_nothing(client, member):
    segment = segment_create(actor=member, data={"name": "Milan"})

    response = client.delete(f"{URL}/{segment.pk}", HTTP_IF_MATCH='"7"', **bearer(member))

    assert response.status_code == 412
    assert response["ETag"] == '"1"'
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_a_refusal_answers_before_a_stale_if_match(client, member, other_member):
    """As for people: who may not delete learns that, not whether their copy is current."""
    segment = segment_create(actor=member, data={"name": "Shared", "visibility": "everyone"})

    response = client.delete(f"{URL}/{segment.pk}", HTTP_IF_MATCH='"7"', **bearer(other_member))

    assert response.status_code == 403
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_invalid_filter_answers_422_naming_the_filter_and_saves_nothing(client, member):
    response = client.post(
        URL,
        {"name": "Broken", "filters": {"created_to": "soon", "nope": "1"}},
        content_type=JSON,
        **bearer(member),
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "filters.created_to": "Enter a date as YYYY-MM-DD.",
        "filters.nope": "This is not a filter of the people list.",
    }
    assert Segment.objects.count() == 0


def test_viewer_cannot_create_a_segment(client, viewer):
    response = client.post(URL, {"name": "Mine"}, content_type=JSON, **bearer(viewer))

    assert response.status_code == 403
    assert Segment.objects.count() == 0


def test_private_segment_answers_404_to_another_member_on_every_method(
    client, member, other_member
):
    segment = segment_create(actor=member, data={"name": "Mine", "kind": "static"})
    auth = bearer(other_member)
    base = f"{URL}/{segment.pk}"

    statuses = [
        client.get(base, **auth).status_code,
        client.get(f"{base}/contacts", **auth).status_code,
        client.patch(base, {"name": "X"}, content_type=JSON, **auth).status_code,
        client.delete(base, **auth).status_code,
        client.post(f"{base}/members", {"contacts": [1]}, content_type=JSON, **auth).status_code,
    ]
    listing = client.get(URL, **auth).json()

    assert statuses == [404, 404, 404, 404, 404]
    assert listing["items"] == []
    segment.refresh_from_db()
    assert segment.name == "Mine"


def test_segment_contacts_come_in_cursor_pages_of_people_the_caller_may_see(
    client, member, other_member, team, milan_people
):
    segment = segment_create(
        actor=member,
        data={
            "name": "Milan",
            "filters": {"city": "Milano"},
            "visibility": "team",
            "team": "Sales",
        },
    )
    auth = bearer(other_member)

    first = client.get(f"{URL}/{segment.pk}/contacts?limit=1", **auth).json()
    second = client.get(
        f"{URL}/{segment.pk}/contacts?limit=1&cursor={first['next_cursor']}", **auth
    ).json()
    narrowed = client.get(f"{URL}/{segment.pk}/contacts?q=Teo", **auth).json()

    # sorted by name: Eva, then Teo; the owner's private Pia is not the team member's to see
    assert [item["id"] for item in first["items"]] == [milan_people["everyone"].pk]
    assert [item["id"] for item in second["items"]] == [milan_people["team"].pk]
    assert second["next_cursor"] is None
    assert first["items"][0]["given_name"] == "Eva"
    assert [item["id"] for item in narrowed["items"]] == [milan_people["team"].pk]


def test_static_members_are_added_and_removed(client, member, milan_people):
    segment = segment_create(actor=member, data={"name": "Picked", "kind": "static"})
    auth = bearer(member)
    team_pk, rome_pk = milan_people["team"].pk, milan_people["rome"].pk

    added = client.post(
        f"{URL}/{segment.pk}/members",
        {"contacts": [team_pk, rome_pk]},
        content_type=JSON,
        **auth,
    )
    removed = client.delete(f"{URL}/{segment.pk}/members?contact={rome_pk}", **auth)
    listed = client.get(f"{URL}/{segment.pk}/contacts", **auth).json()

    assert (added.status_code, added.json()) == (200, {"changed": 2})
    assert (removed.status_code, removed.json()) == (200, {"changed": 1})
    assert [item["id"] for item in listed["items"]] == [team_pk]


def test_adding_members_to_a_saved_search_answers_422(client, member, milan_people):
    segment = segment_create(actor=member, data={"name": "Milan", "filters": {"city": "Milano"}})

    response = client.post(
        f"{URL}/{segment.pk}/members",
        {"contacts": [milan_people["rome"].pk]},
        content_type=JSON,
        **bearer(member),
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["contacts"]
    assert SegmentMember.objects.count() == 0


def test_contacts_list_accepts_a_segment_parameter(client, member, other_member, milan_people):
    segment = segment_create(actor=member, data={"name": "Picked", "kind": "static"})
    segment_add_members(
        actor=member,
        segment=segment,
        contacts=[milan_people["everyone"].pk, milan_people["rome"].pk],
    )

    mine = client.get(f"/api/v1/contacts?segment={segment.pk}&city=Roma", **bearer(member))
    theirs = client.get(f"/api/v1/contacts?segment={segment.pk}", **bearer(other_member))

    assert [item["id"] for item in mine.json()["items"]] == [milan_people["rome"].pk]
    assert theirs.status_code == 422
    assert theirs.json()["errors"] == {"segment": "There is no such segment."}
