"""/api/v1/calendars and /api/v1/appointments: create, read with ETag, If-Match (412 changes
nothing), keyset pages, sharing (a reader may not write: 403, and nothing changes; an unshared
record is 404), occurrences with private as busy, .ics export and import, RSVP."""

from __future__ import annotations

import pytest

from rubrica.calendars.models import Appointment, Calendar
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def as_member(member):
    return bearer(member)


@pytest.fixture
def as_other(other_member):
    return bearer(other_member)


def _calendar(client, headers, name="Work"):
    response = client.post(
        "/api/v1/calendars",
        {"name": name, "time_zone": "Europe/Rome"},
        content_type=JSON,
        **headers,
    )
    assert response.status_code == 201, response.content
    return response.json()


def _appointment(client, headers, calendar_id, **data):
    body = {
        "calendar": calendar_id,
        "title": "Review",
        "start": "2026-12-07T10:00:00",
        "end": "2026-12-07T11:00:00",
    }
    body.update(data)
    response = client.post("/api/v1/appointments", body, content_type=JSON, **headers)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_read_and_patch_with_if_match(client, as_member) -> None:
    calendar = _calendar(client, as_member)
    created = _appointment(
        client,
        as_member,
        calendar["id"],
        guests=[{"email": "client@example.com", "name": "Client"}],
        reminders=[15],
    )
    assert created["start"] == "2026-12-07T10:00:00+01:00"
    assert created["attendees"] == [
        {
            "person": None,
            "user": None,
            "email": "client@example.com",
            "name": "Client",
            "rsvp": "NEEDS-ACTION",
        }
    ]
    url = f"/api/v1/appointments/{created['id']}"
    fetched = client.get(url, **as_member)
    assert fetched["ETag"] == '"1"'
    stale = client.patch(url, {"title": "X"}, content_type=JSON, HTTP_IF_MATCH='"9"', **as_member)
    assert stale.status_code == 412
    assert Appointment.objects.get().title == "Review"
    ok = client.patch(url, {"title": "X"}, content_type=JSON, HTTP_IF_MATCH='"1"', **as_member)
    assert ok.status_code == 200
    assert (ok.json()["title"], ok["ETag"]) == ("X", '"2"')


def test_a_reader_gets_403_and_a_stranger_404_and_nothing_changes(
    client, as_member, as_other, other_member
) -> None:
    calendar = _calendar(client, as_member)
    created = _appointment(client, as_member, calendar["id"])
    url = f"/api/v1/appointments/{created['id']}"
    assert client.get(url, **as_other).status_code == 404
    assert client.patch(url, {"title": "X"}, content_type=JSON, **as_other).status_code == 404
    shared = client.post(
        f"/api/v1/calendars/{calendar['id']}/shares",
        {"user": "other", "access": "read"},
        content_type=JSON,
        **as_member,
    )
    assert shared.status_code == 200, shared.content
    assert shared.json()["shares"] == [{"user": other_member.pk, "team": None, "access": "read"}]
    assert client.get(url, **as_other).status_code == 200
    assert client.patch(url, {"title": "X"}, content_type=JSON, **as_other).status_code == 403
    assert client.delete(url, **as_other).status_code == 403
    refused = client.post(
        "/api/v1/appointments",
        {"calendar": calendar["id"], "title": "Mine", "start": "2026-12-08T10:00:00"},
        content_type=JSON,
        **as_other,
    )
    assert refused.status_code == 422
    row = Appointment.objects.get()
    assert (row.title, row.version, row.deleted_at) == ("Review", 1, None)


def test_keyset_pages_of_appointments(client, as_member) -> None:
    calendar = _calendar(client, as_member)
    for day in range(7, 12):
        _appointment(
            client,
            as_member,
            calendar["id"],
            start=f"2026-12-{day:02d}T09:00:00",
            end=f"2026-12-{day:02d}T10:00:00",
        )
    first = client.get("/api/v1/appointments", {"limit": 2}, **as_member).json()
    assert len(first["items"]) == 2
    second = client.get(
        "/api/v1/appointments", {"limit": 2, "cursor": first["next_cursor"]}, **as_member
    ).json()
    days = [item["start"][:10] for item in first["items"] + second["items"]]
    assert days == ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10"]


def test_occurrences_expand_series_and_mask_private(client, as_member, as_other) -> None:
    calendar = _calendar(client, as_member)
    _appointment(client, as_member, calendar["id"], rrule="FREQ=DAILY;COUNT=3")
    _appointment(client, as_member, calendar["id"], title="Doctor", private=True)
    client.post(
        f"/api/v1/calendars/{calendar['id']}/shares",
        {"user": "other", "access": "read"},
        content_type=JSON,
        **as_member,
    )
    window = {"start": "2026-12-07T00:00:00+01:00", "end": "2026-12-14T00:00:00+01:00"}
    found = client.get("/api/v1/appointments/occurrences", window, **as_other).json()
    assert [(o["title"], o["busy"]) for o in found] == [
        ("Review", False),
        ("Busy", True),
        ("Review", False),
        ("Review", False),
    ]


def test_export_and_import_ics(client, as_member) -> None:
    calendar = _calendar(client, as_member)
    _appointment(client, as_member, calendar["id"], rrule="FREQ=WEEKLY;COUNT=2")
    exported = client.get(f"/api/v1/calendars/{calendar['id']}/export.ics", **as_member)
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/calendar")
    second = _calendar(client, as_member, name="Copy")
    imported = client.post(
        f"/api/v1/calendars/{second['id']}/import",
        exported.content,
        content_type="text/calendar",
        **as_member,
    )
    assert imported.json() == {"created": 1, "updated": 0, "skipped": 0}
    assert Appointment.objects.filter(calendar_id=second["id"]).get().rrule == "FREQ=WEEKLY;COUNT=2"


def test_feed_url_is_for_the_owner_only(client, as_member, as_other) -> None:
    calendar = _calendar(client, as_member)
    made = client.post(
        f"/api/v1/calendars/{calendar['id']}/feed",
        {"enabled": True},
        content_type=JSON,
        **as_member,
    )
    assert made.json()["feed_url"].startswith("http://testserver/calendar/feed/")
    refused = client.post(
        f"/api/v1/calendars/{calendar['id']}/feed",
        {"enabled": False},
        content_type=JSON,
        **as_other,
    )
    assert refused.status_code == 404
    assert Calendar.objects.get().feed_token != ""
