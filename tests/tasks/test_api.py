"""/api/v1/tasks: create, read with ETag, If-Match, filters, keyset pages, complete, bulk."""

from __future__ import annotations

import pytest

from rubrica.tasks.models import Status, Task
from rubrica.tasks.services import task_create
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db
JSON = "application/json"
BASE = "/api/v1/tasks"


@pytest.fixture
def as_member(member):
    return bearer(member)


def test_create_read_patch_with_if_match(client, member, as_member) -> None:
    created = client.post(
        BASE,
        {"title": "Call Ada", "due_at": "2026-12-07T10:00:00+01:00", "priority": "high"},
        content_type=JSON,
        **as_member,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["title"], body["priority"], body["assignee_username"]) == (
        "Call Ada",
        "high",
        "member",
    )
    assert body["due_date"] == "2026-12-07"
    url = f"{BASE}/{body['id']}"
    fetched = client.get(url, **as_member)
    assert fetched["ETag"] == '"1"'
    stale = client.patch(url, {"title": "X"}, content_type=JSON, HTTP_IF_MATCH='"9"', **as_member)
    assert stale.status_code == 412
    assert Task.objects.get().title == "Call Ada"
    ok = client.patch(url, {"title": "Y"}, content_type=JSON, HTTP_IF_MATCH='"1"', **as_member)
    assert ok.status_code == 200
    assert ok["ETag"] == '"2"'


def test_bad_input_names_the_field(client, as_member) -> None:
    response = client.post(
        BASE, {"title": "T", "recurrence": "FREQ=WEEKLY"}, content_type=JSON, **as_member
    )
    assert response.status_code == 422
    assert "recurrence" in response.json()["errors"]
    assert not Task.all_objects.exists()


def test_unknown_fields_are_refused(client, as_member) -> None:
    response = client.post(BASE, {"title": "T", "colour": "red"}, content_type=JSON, **as_member)
    assert response.status_code == 422
    assert not Task.all_objects.exists()


def test_a_private_task_of_someone_else_is_404(client, other_member, as_member) -> None:
    task = task_create(actor=other_member, data={"title": "Secret", "visibility": "private"})
    assert client.get(f"{BASE}/{task.pk}", **as_member).status_code == 404
    assert client.post(f"{BASE}/{task.pk}/complete", **as_member).status_code == 404
    task.refresh_from_db()
    assert task.status == Status.OPEN


def test_list_filters_and_keyset_pages(client, member, other_member, as_member) -> None:
    for i in range(5):
        task_create(actor=member, data={"title": f"Mine {i}"})
    task_create(actor=other_member, data={"title": "Theirs", "visibility": "everyone"})
    first = client.get(BASE, {"assignee": "me", "limit": 3}, **as_member).json()
    assert [t["title"] for t in first["items"]] == ["Mine 0", "Mine 1", "Mine 2"]
    second = client.get(
        BASE, {"assignee": "me", "limit": 3, "cursor": first["next_cursor"]}, **as_member
    ).json()
    assert [t["title"] for t in second["items"]] == ["Mine 3", "Mine 4"]
    everyone = client.get(BASE, **as_member).json()
    assert len(everyone["items"]) == 6


def test_complete_a_recurring_task_returns_the_next(client, member, as_member) -> None:
    task = task_create(
        actor=member,
        data={"title": "Weekly", "due_date": "2026-12-07", "recurrence": "FREQ=WEEKLY"},
    )
    response = client.post(f"{BASE}/{task.pk}/complete", HTTP_IF_MATCH='"1"', **as_member)
    assert response.status_code == 200
    body = response.json()
    assert body["task"]["status"] == "done"
    assert body["next"]["due_date"] == "2026-12-14"


def test_bulk_ignores_ids_one_may_not_change(client, member, other_member, as_member) -> None:
    mine = task_create(actor=member, data={"title": "Mine"})
    theirs = task_create(actor=other_member, data={"title": "Theirs", "visibility": "private"})
    response = client.post(
        f"{BASE}/bulk",
        {"action": "complete", "ids": [mine.pk, theirs.pk]},
        content_type=JSON,
        **as_member,
    )
    assert response.status_code == 200
    assert response.json()["changed"] == [mine.pk]
    assert str(theirs.pk) in response.json()["skipped"]
    theirs.refresh_from_db()
    assert theirs.status == Status.OPEN
