"""iMIP replies handed over by mail capture (``kits.inbound``): the sender's answer is set on the
appointments of the calendars the mailbox's owner writes in, and nowhere else."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from rubrica.calendars.models import Attendee
from rubrica.calendars.services import appointment_create, calendar_create, calendar_share
from rubrica.kits.inbound import InboundContext, part_handlers

pytestmark = pytest.mark.django_db


def _part(uid: str, partstat: str) -> EmailMessage:
    part = EmailMessage()
    part.set_content(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T120000Z\r\n"
        f"ATTENDEE;PARTSTAT={partstat}:mailto:client@example.com\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        subtype="calendar",
    )
    return part


def _context(actor, sender="Client <client@example.com>") -> InboundContext:
    return InboundContext(actor=actor, message_id="<r1@example.com>", sender=sender, subject="Re")


def test_a_captured_reply_sets_the_answer_in_a_calendar_shared_read_write(
    member, other_member
) -> None:
    calendar = calendar_create(actor=member, data={"name": "Work"})
    appointment = appointment_create(
        actor=member,
        data={
            "calendar": calendar.pk,
            "title": "Demo",
            "start": "2026-12-07T10:00",
            "guests": ["client@example.com"],
        },
    )
    (handler,) = part_handlers("text/calendar")
    handler(_part(appointment.ical_uid, "ACCEPTED"), _context(other_member))
    assert Attendee.objects.get().rsvp == "NEEDS-ACTION"  # not their calendar
    calendar_share(actor=member, calendar=calendar, user=other_member, access="write")
    handler(_part(appointment.ical_uid, "ACCEPTED"), _context(other_member, "x@example.com"))
    assert Attendee.objects.get().rsvp == "NEEDS-ACTION"  # someone else answering
    handler(_part(appointment.ical_uid, "ACCEPTED"), _context(other_member))
    assert Attendee.objects.get().rsvp == "ACCEPTED"
