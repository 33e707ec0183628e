"""iCalendar: export/import round trip keeping unknown properties, a series with an exception,
the subscription export (private as busy), the METHOD:REPLY that sets an answer, and the
METHOD:REQUEST invitation e-mail."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import zoneinfo

import icalendar
import pytest
from django.core.exceptions import ValidationError

from rubrica.calendars import ical, selectors
from rubrica.calendars.models import Appointment, Attendee
from rubrica.calendars.services import appointment_create, appointment_update, calendar_create
from rubrica.history.models import HistoryEntry

pytestmark = pytest.mark.django_db
ROME = zoneinfo.ZoneInfo("Europe/Rome")

SOURCE = (
    b"BEGIN:VCALENDAR\r\n"
    b"VERSION:2.0\r\n"
    b"PRODID:-//Example//Client//EN\r\n"
    b"BEGIN:VEVENT\r\n"
    b"UID:weekly-1@example.com\r\n"
    b"DTSTAMP:20261201T120000Z\r\n"
    b"DTSTART;TZID=Europe/Rome:20261207T090000\r\n"
    b"DTEND;TZID=Europe/Rome:20261207T093000\r\n"
    b"SUMMARY:Stand-up\r\n"
    b"RRULE:FREQ=DAILY;COUNT=4\r\n"
    b"EXDATE;TZID=Europe/Rome:20261209T090000\r\n"
    b"ORGANIZER:mailto:boss@example.com\r\n"
    b"ATTENDEE;CN=Guest;PARTSTAT=ACCEPTED:mailto:guest@example.com\r\n"
    b"X-CUSTOM-COLOR;X-SCHEME=rgb:12\\,34\\,56\r\n"
    b"CATEGORIES:Work,Team\r\n"
    b"STATUS:CONFIRMED\r\n"
    b"BEGIN:VALARM\r\n"
    b"ACTION:DISPLAY\r\n"
    b"DESCRIPTION:Soon\r\n"
    b"TRIGGER:-PT15M\r\n"
    b"END:VALARM\r\n"
    b"END:VEVENT\r\n"
    b"BEGIN:VEVENT\r\n"
    b"UID:weekly-1@example.com\r\n"
    b"DTSTAMP:20261201T120000Z\r\n"
    b"RECURRENCE-ID;TZID=Europe/Rome:20261208T090000\r\n"
    b"DTSTART;TZID=Europe/Rome:20261208T140000\r\n"
    b"DTEND;TZID=Europe/Rome:20261208T143000\r\n"
    b"SUMMARY:Stand-up (afternoon)\r\n"
    b"END:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


def _events(ics: bytes) -> list:
    return list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))


def test_import_then_export_keeps_unknown_properties_and_the_exception(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Work", "time_zone": "Europe/Rome"})
    result = ical.import_ics(actor=member, calendar=calendar, ics=SOURCE)
    assert (result.created, result.updated) == (2, 0)
    series = Appointment.objects.get(master=None)
    assert (series.rrule, series.reminders, series.organizer_email) == (
        "FREQ=DAILY;COUNT=4",
        [15],
        "boss@example.com",
    )
    guest = Attendee.objects.get(appointment=series)
    assert (guest.email, guest.rsvp) == ("guest@example.com", "ACCEPTED")
    found = selectors.occurrences(
        user=member,
        start=dt.datetime(2026, 12, 7, tzinfo=ROME),
        end=dt.datetime(2026, 12, 14, tzinfo=ROME),
    )
    assert [o.start.astimezone(ROME).strftime("%d %H") for o in found] == [
        "07 09",
        "08 14",
        "10 09",
    ]
    exported = ical.calendar_ics(calendar, user=member)
    text = exported.decode()
    assert "X-CUSTOM-COLOR;X-SCHEME=rgb:12\\,34\\,56\r\n" in text
    assert "CATEGORIES:Work,Team\r\n" in text
    assert "STATUS:CONFIRMED\r\n" in text
    events = _events(exported)
    assert sorted(str(e["SUMMARY"]) for e in events) == ["Stand-up", "Stand-up (afternoon)"]
    master = next(e for e in events if "RRULE" in e)
    assert master["EXDATE"].dts[0].dt == dt.datetime(2026, 12, 9, 9, tzinfo=ROME)
    # and back into a second calendar: the same occurrences, the same kept lines
    second = calendar_create(actor=member, data={"name": "Copy"})
    ical.import_ics(actor=member, calendar=second, ics=exported)
    again = ical.calendar_ics(second, user=member).decode()
    assert "X-CUSTOM-COLOR;X-SCHEME=rgb:12\\,34\\,56\r\n" in again
    copies = selectors.occurrences(
        user=member,
        start=dt.datetime(2026, 12, 7, tzinfo=ROME),
        end=dt.datetime(2026, 12, 14, tzinfo=ROME),
        calendars=[second.pk],
    )
    assert [o.start for o in copies] == [o.start for o in found]


def test_importing_the_same_file_again_updates_rather_than_duplicates(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Work"})
    ical.import_ics(actor=member, calendar=calendar, ics=SOURCE)
    result = ical.import_ics(actor=member, calendar=calendar, ics=SOURCE)
    assert (result.created, result.updated) == (0, 2)
    assert Appointment.objects.count() == 2


def test_a_file_that_is_not_icalendar_is_refused_and_nothing_is_written(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Work"})
    with pytest.raises(ValidationError):
        ical.import_ics(actor=member, calendar=calendar, ics=b"BEGIN:VCARD\r\nFN:x\r\n")
    assert Appointment.objects.count() == 0


def test_the_feed_shows_private_appointments_as_busy(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Work"})
    appointment_create(
        actor=member,
        data={
            "calendar": calendar.pk,
            "title": "Doctor",
            "location": "Clinic",
            "start": "2026-12-07T10:00",
            "private": True,
        },
    )
    feed = ical.calendar_ics(calendar, user=None).decode()
    assert "Doctor" not in feed and "Clinic" not in feed
    assert "SUMMARY:Busy" in feed


def _invite(member):
    calendar = calendar_create(actor=member, data={"name": "Work"})
    return appointment_create(
        actor=member,
        data={
            "calendar": calendar.pk,
            "title": "Demo",
            "start": "2026-12-07T10:00",
            "guests": [{"email": "client@example.com", "name": "Client"}],
        },
    )


def _reply(uid: str, email: str, partstat: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T120000Z\r\n"
        f"ATTENDEE;PARTSTAT={partstat}:mailto:{email}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_a_reply_sets_the_answer_of_the_attendee(member) -> None:
    appointment = _invite(member)
    result = ical.apply_itip_reply(
        ics=_reply(appointment.ical_uid, "client@example.com", "ACCEPTED"),
        sender="Client@example.com",
    )
    assert result.applied == [(appointment.pk, "client@example.com", "ACCEPTED")]
    assert Attendee.objects.get(appointment=appointment).rsvp == "ACCEPTED"
    entry = HistoryEntry.objects.filter(object_id=appointment.pk, action="update").get()
    assert entry.changes == {
        "rsvp.mailto:client@example.com": {"before": "NEEDS-ACTION", "after": "ACCEPTED"}
    }


def test_a_reply_from_someone_else_changes_nothing(member) -> None:
    appointment = _invite(member)
    result = ical.apply_itip_reply(
        ics=_reply(appointment.ical_uid, "client@example.com", "DECLINED"),
        sender="mallory@example.com",
    )
    assert result.applied == []
    assert Attendee.objects.get(appointment=appointment).rsvp == "NEEDS-ACTION"
    outside = ical.apply_itip_reply(
        ics=_reply(appointment.ical_uid, "client@example.com", "DECLINED"),
        within=Appointment.objects.none(),
    )
    assert outside.applied == []
    with pytest.raises(ValidationError):
        ical.apply_itip_reply(ics=SOURCE)
    assert Attendee.objects.get(appointment=appointment).rsvp == "NEEDS-ACTION"


def test_the_invitation_is_a_request_e_mailed_to_outside_attendees(member, smtp_inbox) -> None:
    appointment = _invite(member)
    sent = ical.send_invitations(actor=member, appointment=appointment)
    assert sent == ["client@example.com"]
    ((_sender, recipients, raw),) = smtp_inbox.messages
    assert recipients == ["client@example.com"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert [p.get_param("method") for p in parts] == ["REQUEST"]
    cal = icalendar.Calendar.from_ical(parts[0].get_content())
    assert str(cal["METHOD"]) == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == appointment.ical_uid
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"


def test_an_occurrence_changed_then_exported_carries_its_recurrence_id(member) -> None:
    calendar = calendar_create(actor=member, data={"name": "Work"})
    series = appointment_create(
        actor=member,
        data={
            "calendar": calendar.pk,
            "title": "Weekly",
            "start": "2026-12-07T10:00",
            "time_zone": "Europe/Rome",
            "rrule": "FREQ=WEEKLY;COUNT=3",
        },
    )
    appointment_update(
        actor=member,
        appointment=series,
        data={"title": "Moved"},
        scope="this",
        occurrence=dt.datetime(2026, 12, 14, 10, tzinfo=ROME),
    )
    events = _events(ical.calendar_ics(calendar, user=member))
    moved = next(e for e in events if "RECURRENCE-ID" in e)
    assert moved["RECURRENCE-ID"].dt == dt.datetime(2026, 12, 14, 10, tzinfo=ROME)
    assert str(moved["SUMMARY"]) == "Moved"


def test_a_reply_captured_by_mail_sets_the_answer(member) -> None:
    """The iMIP reply arrives as an e-mail with a text/calendar part; mail capture hands the part
    to the calendars (kits.inbound), which set the sender's answer."""
    from email.message import EmailMessage

    from rubrica.mail.capture import mail_capture

    appointment = _invite(member)
    message = EmailMessage()
    message["From"] = "Client <client@example.com>"
    message["To"] = member.email or "member@example.com"
    message["Subject"] = "Accepted: Demo"
    message["Message-ID"] = "<reply-1@example.com>"
    message.set_content("Accepted")
    message.add_attachment(
        _reply(appointment.ical_uid, "client@example.com", "ACCEPTED"),
        maintype="text",
        subtype="calendar",
        params={"method": "REPLY"},
    )
    mail_capture(actor=member, raw=message.as_bytes())
    assert Attendee.objects.get(appointment=appointment).rsvp == "ACCEPTED"
    # A forged answer for the same attendee from another address changes nothing.
    message.replace_header("From", "mallory@example.com")
    message.replace_header("Message-ID", "<reply-2@example.com>")
    message.get_payload()[1].set_payload(
        _reply(appointment.ical_uid, "client@example.com", "DECLINED")
    )
    mail_capture(actor=member, raw=message.as_bytes())
    assert Attendee.objects.get(appointment=appointment).rsvp == "ACCEPTED"
