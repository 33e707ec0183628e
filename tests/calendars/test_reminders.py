"""Appointment reminders through the notifications engine: due once per occurrence and reminder,
to the owner and the invited users who did not decline."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from rubrica.calendars.services import (
    appointment_create,
    appointment_reminders_send,
    attendee_set_rsvp,
    calendar_create,
)
from rubrica.notifications.models import Notification

pytestmark = pytest.mark.django_db
ROME = zoneinfo.ZoneInfo("Europe/Rome")


def test_each_occurrence_reminds_once_and_not_those_who_declined(
    member, other_member, admin_user
) -> None:
    calendar = calendar_create(actor=member, data={"name": "Work"})
    appointment = appointment_create(
        actor=member,
        data={
            "calendar": calendar.pk,
            "title": "Stand-up",
            "start": "2026-12-07T09:00",
            "time_zone": "Europe/Rome",
            "rrule": "FREQ=DAILY;COUNT=2",
            "reminders": [15],
            "users": [other_member.pk, admin_user.pk],
        },
    )
    attendee_set_rsvp(
        actor=admin_user, appointment=appointment, email=admin_user.email, rsvp="DECLINED"
    )
    early = dt.datetime(2026, 12, 7, 8, 40, tzinfo=ROME)
    assert appointment_reminders_send(early) == 0
    due = dt.datetime(2026, 12, 7, 8, 46, tzinfo=ROME)
    assert appointment_reminders_send(due) == 2
    assert appointment_reminders_send(due + dt.timedelta(minutes=1)) == 0
    recipients = sorted(n.recipient.username for n in Notification.objects.all())
    assert recipients == ["member", "other"]
    assert appointment_reminders_send(dt.datetime(2026, 12, 8, 8, 45, tzinfo=ROME)) == 2
