"""Calendar and appointment services: validation, sharing and the restrict rule (a denied write
changes nothing), private appointments as busy time, the timeline activity, recurrence with
exceptions, the Trash."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.activities.models import Activity
from rubrica.calendars import selectors
from rubrica.calendars.models import Appointment, Calendar
from rubrica.calendars.services import (
    appointment_create,
    appointment_delete,
    appointment_restore,
    appointment_update,
    calendar_create,
    calendar_share,
)
from rubrica.core.services import ConflictError
from rubrica.history.models import HistoryEntry
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
ROME = zoneinfo.ZoneInfo("Europe/Rome")
WEEK = (dt.datetime(2026, 12, 7, tzinfo=ROME), dt.datetime(2026, 12, 14, tzinfo=ROME))


def _meeting(actor, calendar, **data):
    base = {
        "calendar": calendar.pk,
        "title": "Review",
        "start": "2026-12-07T10:00",
        "end": "2026-12-07T11:00",
        "time_zone": "Europe/Rome",
    }
    base.update(data)
    return appointment_create(actor=actor, data=base)


def test_create_reads_naive_times_in_the_zone_and_writes_history(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    appointment = _meeting(member, calendar)
    assert appointment.start == dt.datetime(2026, 12, 7, 10, tzinfo=ROME)
    assert appointment.organizer == member
    assert calendar.visibility == "private"
    entry = HistoryEntry.objects.get(
        object_id=appointment.pk, action="create", content_type__model="appointment"
    )
    assert entry.changes["title"] == {"before": None, "after": "Review"}


def test_bad_input_is_refused_by_field_and_nothing_is_saved(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    with pytest.raises(ValidationError) as caught:
        _meeting(member, calendar, title="", end="2026-12-07T09:00", rrule="FREQ=SECONDLY")
    assert set(caught.value.message_dict) == {"title", "end", "rrule"}
    assert Appointment.objects.count() == 0


def test_all_day_spans_whole_days_in_the_zone(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    appointment = _meeting(
        member, calendar, all_day=True, start="2026-12-07", end="2026-12-08T00:00"
    )
    assert appointment.start == dt.datetime(2026, 12, 7, tzinfo=ROME)
    assert appointment.end == dt.datetime(2026, 12, 8, tzinfo=ROME)


def test_others_see_nothing_until_shared_and_cannot_write_read_only(member, other_member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    appointment = _meeting(member, calendar)
    assert not Appointment.objects.restrict(other_member).exists()
    with pytest.raises(ValidationError):  # the calendar is not writable: "no such calendar"
        _meeting(other_member, calendar)
    calendar_share(actor=member, calendar=calendar, user=other_member, access="read")
    assert list(Appointment.objects.restrict(other_member)) == [appointment]
    with pytest.raises(PermissionDenied):
        appointment_update(actor=other_member, appointment=appointment, data={"title": "X"})
    appointment.refresh_from_db()
    assert (appointment.title, appointment.version) == ("Review", 1)
    calendar_share(actor=member, calendar=calendar, user=other_member, access="write")
    changed = appointment_update(actor=other_member, appointment=appointment, data={"title": "X"})
    assert changed.title == "X"


def test_only_the_owner_shares_a_calendar(member, other_member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    calendar_share(actor=member, calendar=calendar, user=other_member, access="write")
    with pytest.raises(PermissionDenied):
        calendar_share(actor=other_member, calendar=calendar, user=other_member, access=None)
    assert calendar.shares.count() == 1


def test_team_share_reaches_its_members(member, other_member, support) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    _meeting(member, calendar)
    calendar_share(actor=member, calendar=calendar, team=support, access="read")
    assert Calendar.objects.restrict(other_member).get() == calendar


def test_private_appointments_show_to_others_only_as_busy(member, other_member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    secret = _meeting(member, calendar, title="Doctor", private=True)
    calendar_share(actor=member, calendar=calendar, user=other_member, access="write")
    assert not Appointment.objects.restrict(other_member).filter(pk=secret.pk).exists()
    found = selectors.occurrences(user=other_member, start=WEEK[0], end=WEEK[1])
    assert [(o.appointment.pk, o.busy_only) for o in found] == [(secret.pk, True)]
    mine = selectors.occurrences(user=member, start=WEEK[0], end=WEEK[1])
    assert [(o.appointment.pk, o.busy_only) for o in mine] == [(secret.pk, False)]
    with pytest.raises(PermissionDenied):
        appointment_update(actor=other_member, appointment=secret, data={"title": "Lunch"})


def test_an_appointment_with_people_is_a_meeting_on_their_timelines(member) -> None:
    ada = make_contact(member)
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    appointment = _meeting(member, calendar, people=[ada.pk])
    activity = Activity.objects.get(pk=appointment.activity_id)
    assert (activity.kind, activity.subject, activity.duration_minutes) == ("meeting", "Review", 60)
    assert list(activity.people.all()) == [ada]
    appointment_update(
        actor=member,
        appointment=appointment,
        data={"start": "2026-12-08T10:00", "end": "2026-12-08T11:30"},
    )
    activity.refresh_from_db()
    assert activity.occurred_at == dt.datetime(2026, 12, 8, 10, tzinfo=ROME)
    assert activity.duration_minutes == 90
    appointment_delete(actor=member, appointment=appointment)
    assert not Activity.objects.filter(pk=activity.pk).exists()
    appointment_restore(actor=member, appointment=Appointment.trash.get(pk=appointment.pk))
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_stale_version_is_refused_and_nothing_changes(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    appointment = _meeting(member, calendar)
    with pytest.raises(ConflictError):
        appointment_update(
            actor=member, appointment=appointment, data={"title": "New"}, expected_version=7
        )
    appointment.refresh_from_db()
    assert appointment.title == "Review"


def test_recurrence_with_an_exception_and_a_cancelled_occurrence(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    series = _meeting(member, calendar, rrule="FREQ=DAILY;COUNT=5")
    tuesday = dt.datetime(2026, 12, 8, 10, tzinfo=ROME)
    wednesday = dt.datetime(2026, 12, 9, 10, tzinfo=ROME)
    override = appointment_update(
        actor=member,
        appointment=series,
        data={"start": "2026-12-08T15:00", "end": "2026-12-08T16:00", "title": "Moved"},
        scope="this",
        occurrence=tuesday,
    )
    assert (override.master_id, override.recurrence_id) == (series.pk, tuesday)
    appointment_delete(actor=member, appointment=series, occurrence=wednesday)
    found = selectors.occurrences(user=member, start=WEEK[0], end=WEEK[1])
    assert [(o.start.astimezone(ROME).day, o.start.astimezone(ROME).hour) for o in found] == [
        (7, 10),
        (8, 15),
        (10, 10),
        (11, 10),
    ]
    assert found[1].appointment.title == "Moved"
    with pytest.raises(ValidationError):
        appointment_delete(
            actor=member, appointment=series, occurrence=dt.datetime(2026, 12, 9, 11, tzinfo=ROME)
        )


def test_this_and_following_splits_the_series(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    series = _meeting(member, calendar, rrule="FREQ=DAILY;COUNT=5")
    following = appointment_update(
        actor=member,
        appointment=series,
        data={"title": "Later"},
        scope="following",
        occurrence=dt.datetime(2026, 12, 10, 10, tzinfo=ROME),
    )
    found = selectors.occurrences(user=member, start=WEEK[0], end=WEEK[1])
    titles = [(o.start.astimezone(ROME).day, o.appointment.title) for o in found]
    assert titles[:3] == [(7, "Review"), (8, "Review"), (9, "Review")]
    assert titles[3:5] == [(10, "Later"), (11, "Later")]
    assert following.pk != series.pk


def test_free_busy_gives_times_only(member, other_member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    _meeting(member, calendar, private=True)
    busy = selectors.free_busy(users=[member], start=WEEK[0], end=WEEK[1])
    assert busy == {
        member.pk: [
            (dt.datetime(2026, 12, 7, 10, tzinfo=ROME), dt.datetime(2026, 12, 7, 11, tzinfo=ROME))
        ]
    }
