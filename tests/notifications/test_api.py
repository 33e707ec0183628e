"""/api/v1/notifications: mine only, keyset pages, unread count, mark read."""

from __future__ import annotations

import pytest

from rubrica.notifications.services import notify
from tests.api.conftest import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scratch")]


def test_list_page_and_mark_read(client, member, other_member) -> None:
    for i in range(3):
        notify(recipient=member, kind="test.ping", title=f"N{i}", url="/")
    theirs = notify(recipient=other_member, kind="test.ping", title="Theirs", url="/")
    assert theirs is not None
    auth = bearer(member)
    first = client.get("/api/v1/notifications", {"limit": 2}, **auth).json()
    assert [n["title"] for n in first["items"]] == ["N2", "N1"]
    assert first["unread"] == 3
    rest = client.get(
        "/api/v1/notifications", {"limit": 2, "cursor": first["next_cursor"]}, **auth
    ).json()
    assert [n["title"] for n in rest["items"]] == ["N0"]
    one = first["items"][0]["id"]
    assert client.post(f"/api/v1/notifications/{one}/read", **auth).json()["read_at"]
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read", **auth).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post("/api/v1/notifications/read-all", **auth).json() == {"marked": 2}
