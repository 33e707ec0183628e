"""Calendar pages: the events feed of the component (private as busy), drag to move through the
service (version checked; denied and stale moves change nothing), a new appointment from a
person's page invites them, the subscription feed (revoked → 404), export and import."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.urls import reverse

from rubrica.calendars.models import Appointment
from rubrica.calendars.services import appointment_create, calendar_create, calendar_share
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
ROME = zoneinfo.ZoneInfo("Europe/Rome")


@pytest.fixture(autouse=True)
def _rome(settings):
    settings.TIME_ZONE = "Europe/Rome"


def _meeting(actor, calendar, **data):
    base = {"calendar": calendar.pk, "title": "Review", "start": "2026-12-07T10:00"}
    base.update(data)
    return appointment_create(actor=actor, data=base)


def _move(client, appointment, **body):
    return client.post(
        reverse("calendars:move", args=[appointment.pk]),
        data=json.dumps(body),
        content_type="application/json",
    )


def test_the_calendar_page_loads_the_component_without_inline_script(member_client) -> None:
    response = member_client.get(reverse("calendars:page"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "vendor/event-calendar/event-calendar.min.js" in html
    assert "<script>" not in html and "<script " not in html.replace("<script src=", "")


def test_events_give_the_window_in_local_time_and_private_ones_of_others_as_busy(
    client, member, other_member
) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine", "time_zone": "Europe/Rome"})
    _meeting(member, calendar, title="Doctor", private=True)
    calendar_share(actor=member, calendar=calendar, user=other_member, access="read")
    client.force_login(other_member)
    response = client.get(
        reverse("calendars:events"), {"start": "2026-12-07T00:00:00", "end": "2026-12-14T00:00:00"}
    )
    (event,) = response.json()
    assert (event["title"], event["start"], event["editable"]) == (
        "Busy",
        "2026-12-07T10:00:00",
        False,
    )
    assert event["extendedProps"]["url"] == ""


def test_drag_moves_through_the_service_with_the_version(member_client, member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine", "time_zone": "Europe/Rome"})
    appointment = _meeting(member, calendar)
    response = _move(
        member_client,
        appointment,
        start="2026-12-07T14:00:00",
        end="2026-12-07T15:30:00",
        version=1,
    )
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert (appointment.start, appointment.end, appointment.version) == (
        dt.datetime(2026, 12, 7, 14, tzinfo=ROME),
        dt.datetime(2026, 12, 7, 15, 30, tzinfo=ROME),
        2,
    )
    stale = _move(member_client, appointment, start="2026-12-07T16:00:00", version=1)
    assert stale.status_code == 409
    appointment.refresh_from_db()
    assert appointment.start == dt.datetime(2026, 12, 7, 14, tzinfo=ROME)


def test_a_move_by_a_reader_is_refused_and_changes_nothing(client, member, other_member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    appointment = _meeting(member, calendar)
    client.force_login(other_member)
    hidden = _move(client, appointment, start="2026-12-07T16:00:00", end="2026-12-07T17:00:00")
    assert hidden.status_code == 404
    calendar_share(actor=member, calendar=calendar, user=other_member, access="read")
    denied = _move(client, appointment, start="2026-12-07T16:00:00", end="2026-12-07T17:00:00")
    assert denied.status_code == 403
    appointment.refresh_from_db()
    assert (appointment.start.astimezone(ROME).hour, appointment.version) == (10, 1)


def test_a_new_appointment_from_a_persons_page_invites_them(member_client, member) -> None:
    ada = make_contact(member)
    page = member_client.get(reverse("contacts:detail", args=[ada.pk]))
    assert f"{reverse('calendars:new')}?person={ada.pk}" in page.content.decode()
    form = member_client.get(reverse("calendars:new"), {"person": ada.pk})
    assert form.status_code == 200
    initial = form.context["form"].initial
    response = member_client.post(
        reverse("calendars:new") + f"?person={ada.pk}",
        {
            "title": "Coffee",
            "calendar": initial.get("calendar", ""),  # none yet: made when saved
            "start": "2026-12-07T10:00",
            "end": "2026-12-07T11:00",
            "people": str(ada.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Appointment.objects.get()
    assert list(created.people.all()) == [ada]
    assert created.activity is not None


def test_subscription_feed_answers_until_revoked(member_client, member) -> None:
    from django.test import Client

    client = Client()
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    _meeting(member, calendar)
    member_client.post(reverse("calendars:feed_set", args=[calendar.pk]), {"enabled": "1"})
    calendar.refresh_from_db()
    url = reverse("calendars:feed", args=[calendar.feed_token])
    response = client.get(url)
    assert response.status_code == 200
    assert b"SUMMARY:Review" in response.content
    member_client.post(reverse("calendars:feed_set", args=[calendar.pk]), {"enabled": "0"})
    assert client.get(url).status_code == 404
    assert client.get(reverse("calendars:feed", args=["x" * 43])).status_code == 404


def test_someone_else_cannot_revoke_or_share(client, member, other_member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    calendar_share(actor=member, calendar=calendar, user=other_member, access="write")
    client.force_login(other_member)
    response = client.post(reverse("calendars:feed_set", args=[calendar.pk]), {"enabled": "1"})
    assert response.status_code == 403
    calendar.refresh_from_db()
    assert calendar.feed_token == ""


def test_export_then_import_into_a_second_calendar(member_client, member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    _meeting(member, calendar, rrule="FREQ=WEEKLY;COUNT=3")
    exported = member_client.get(reverse("calendars:export", args=[calendar.pk]))
    assert exported["Content-Type"].startswith("text/calendar")
    second = calendar_create(actor=member, data={"name": "Copy"})
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("c.ics", exported.content, content_type="text/calendar")
    member_client.post(reverse("calendars:import", args=[second.pk]), {"file": upload})
    copy = Appointment.objects.get(calendar=second)
    assert (copy.title, copy.rrule) == ("Review", "FREQ=WEEKLY;COUNT=3")


def test_one_occurrence_of_a_series_is_edited_or_cancelled_from_its_page(
    member_client, member
) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine", "time_zone": "Europe/Rome"})
    series = _meeting(member, calendar, rrule="FREQ=DAILY;COUNT=3", time_zone="Europe/Rome")
    events = member_client.get(
        reverse("calendars:events"),
        {"start": "2026-12-07T00:00:00", "end": "2026-12-14T00:00:00"},
    ).json()
    second = events[1]["extendedProps"]["url"]
    page = member_client.get(second)
    assert page.status_code == 200
    assert 'id="cancel-occurrence"' in page.content.decode()
    occurrence = page.context["occurrence_iso"]
    edit = reverse("calendars:edit", args=[series.pk])
    form = member_client.get(edit, {"occurrence": occurrence})
    assert "rrule" not in form.context["form"].fields
    response = member_client.post(
        f"{edit}?occurrence={occurrence}",
        {
            "title": "Moved",
            "start": "2026-12-08T15:00",
            "end": "2026-12-08T16:00",
            "scope": "this",
            "occurrence": occurrence,
            "version": series.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    override = Appointment.objects.get(master=series)
    assert (override.title, override.start) == ("Moved", dt.datetime(2026, 12, 8, 15, tzinfo=ROME))
    third = events[2]["extendedProps"]["occurrence"]
    member_client.post(
        reverse("calendars:appointment_delete", args=[series.pk]), {"occurrence": third}
    )
    series.refresh_from_db()
    assert series.exdates == [dt.datetime(2026, 12, 9, 9, tzinfo=dt.UTC).isoformat()]
    assert series.deleted_at is None


def test_a_trashed_appointment_is_on_the_trash_page_and_comes_back(member_client, member) -> None:
    from rubrica.calendars.services import appointment_delete

    calendar = calendar_create(actor=member, data={"name": "Mine"})
    appointment = _meeting(member, calendar, title="Lost lunch")
    appointment_delete(actor=member, appointment=appointment)
    page = member_client.get(reverse("trash"))
    assert page.status_code == 200
    assert "Lost lunch" in page.content.decode()
    member_client.post(reverse("trash_restore", args=["appointments", appointment.pk]))
    appointment.refresh_from_db()
    assert appointment.deleted_at is None


def test_opening_the_new_appointment_page_and_the_calendar_writes_nothing(
    member_client, member
) -> None:
    from rubrica.calendars.models import Calendar
    from tests.row_counts import row_counts

    member_client.get(reverse("calendars:page"))  # the session's first write
    before = row_counts()

    page = member_client.get(reverse("calendars:page"))
    form = member_client.get(reverse("calendars:new"))

    assert page.status_code == form.status_code == 200
    assert 'id="new-appointment"' in page.content.decode()
    assert row_counts() == before
    assert not Calendar.objects.filter(owner=member).exists()
    # Saving the first appointment makes "My calendar".
    saved = member_client.post(
        reverse("calendars:new"),
        {"title": "Kick-off", "start": "2026-12-07T10:00", "end": "2026-12-07T11:00"},
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    (calendar,) = Calendar.objects.filter(owner=member)
    assert Appointment.objects.get().calendar == calendar


def test_a_private_series_and_its_changed_occurrence_show_to_others_only_as_busy(
    client, member, other_member
) -> None:
    from rubrica.calendars.services import appointment_update

    calendar = calendar_create(actor=member, data={"name": "Mine", "time_zone": "Europe/Rome"})
    series = _meeting(
        member,
        calendar,
        title="Doctor",
        private=True,
        time_zone="Europe/Rome",
        end="2026-12-07T11:00",
        rrule="FREQ=WEEKLY;COUNT=3",
    )
    moved = appointment_update(
        actor=member,
        appointment=series,
        data={"title": "Doctor (moved)", "start": "2026-12-15T10:00", "end": "2026-12-15T11:00"},
        scope="this",
        occurrence=dt.datetime(2026, 12, 14, 10, tzinfo=ROME),
    )
    assert moved.master_id == series.pk
    calendar_share(actor=member, calendar=calendar, user=other_member, access="read")
    window = {"start": "2026-12-07T00:00:00", "end": "2026-12-28T00:00:00"}

    client.force_login(member)
    mine = client.get(reverse("calendars:events"), window).json()
    assert [(e["title"], e["start"]) for e in mine] == [
        ("Doctor", "2026-12-07T10:00:00"),
        ("Doctor (moved)", "2026-12-15T10:00:00"),
        ("Doctor", "2026-12-21T10:00:00"),
    ]
    first = mine[0]["extendedProps"]
    assert first["url"] == reverse("calendars:appointment", args=[series.pk]) + (
        "?occurrence=2026-12-07T10%3A00%3A00%2B01%3A00"
    )
    assert mine[1]["extendedProps"]["url"] == reverse("calendars:appointment", args=[moved.pk])

    client.force_login(other_member)
    response = client.get(reverse("calendars:events"), window)
    theirs = response.json()
    assert [(e["title"], e["start"], e["extendedProps"]["busy"]) for e in theirs] == [
        ("Busy", "2026-12-07T10:00:00", True),
        ("Busy", "2026-12-15T10:00:00", True),
        ("Busy", "2026-12-21T10:00:00", True),
    ]
    assert "Doctor" not in response.content.decode()
