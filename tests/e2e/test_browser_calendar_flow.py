"""Issue 16's whole calendar flow in a real browser, with real servers on loopback: from a
person's page create a weekly meeting with the person invited, see it in the week view (and in the
next week), export the calendar and import the file into a second calendar, send the invitation
(an aiosmtpd server receives the METHOD:REQUEST), then the person's METHOD:REPLY arrives in a
private Dovecot, is fetched over IMAP by the organizer's mailbox, and the appointment's page shows
the answer changed (ADR 0037)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import expect

from rubrica.calendars.models import Appointment, Attendee, Calendar
from rubrica.calendars.services import calendar_create
from rubrica.mail import imap
from rubrica.mail import services as mail
from tests.calendars.conftest import _free_port
from tests.factories import PASSWORD, UserFactory, make_contact
from tests.mail.conftest import DOVECOT, running_dovecot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def outbox(settings: Any) -> Iterator[_Inbox]:
    """A real SMTP server on loopback the live server sends through."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def mail_setup(settings: Any, tmp_path: Any, monkeypatch: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents"), "base_url": None},
        },
    }
    settings.RUBRICA_PRIVATE_ROOT = str(tmp_path / "private")
    monkeypatch.setenv("RUBRICA_MAIL_KEY", Fernet.generate_key().decode())


def _reply(uid: str, partstat: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Ada Lovelace <ada@example.com>"
    message["To"] = "carla@example.org"
    message["Subject"] = "Accepted: Engine review"
    message["Message-ID"] = "<reply-1@example.com>"
    message["Date"] = "Mon, 07 Dec 2026 09:00:00 +0000"
    message.set_content("I will be there.")
    message.add_alternative(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261207T090000Z\r\n"
        f"ATTENDEE;PARTSTAT={partstat}:mailto:ada@example.com\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        subtype="calendar",
        params={"method": "REPLY"},
    )
    return message.as_bytes()


def test_recurring_meeting_export_import_invitation_and_reply_by_imap(
    live_server: Any, page: Any, settings: Any, outbox: _Inbox, mail_setup: None, tmp_path: Any
) -> None:
    import os

    if not os.path.exists(DOVECOT):
        pytest.skip("dovecot is not installed (Debian package dovecot-imapd)")
    settings.TIME_ZONE = "Europe/Rome"
    carla = UserFactory(username="carla", role="member", email="carla@example.org")
    ada = make_contact(
        carla, given_name="Ada", family_name="Lovelace", emails=[{"value": "ada@example.com"}]
    )
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))

    # 1. A weekly meeting from Ada's page: she is invited.
    page.goto(f"{base}{ada.get_absolute_url()}")
    page.locator("#panel-appointments").get_by_role("link", name="New appointment").click()
    page.get_by_label("Title", exact=True).fill("Engine review")
    page.get_by_label("Start", exact=True).fill("2026-12-09T10:00")
    page.get_by_label("End", exact=True).fill("2026-12-09T11:00")
    page.get_by_label("Time zone", exact=True).fill("Europe/Rome")
    page.get_by_label("Repeat", exact=True).fill("FREQ=WEEKLY;COUNT=6")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/people/{ada.pk}/"))
    expect(page.locator("#panel-appointments").get_by_text("Engine review")).to_have_count(1)
    meeting = Appointment.objects.get(title="Engine review")
    assert meeting.rrule == "FREQ=WEEKLY;COUNT=6"
    assert list(meeting.people.all()) == [ada]

    # 2. The week view shows it, and the next week shows the next occurrence.
    for day in ("2026-12-09", "2026-12-16"):
        page.goto(f"{base}/calendar/?view=timeGridWeek&date={day}")
        expect(page.locator(".ec-event", has_text="Engine review")).to_have_count(1)

    # 3. Export the calendar, import the file into a second calendar.
    second = calendar_create(actor=carla, data={"name": "Archive"})
    assert second.pk != meeting.calendar_id
    page.goto(f"{base}{meeting.calendar.get_absolute_url()}")
    with page.expect_download() as download:
        page.locator("#export-ics").click()
    exported = tmp_path / "calendar.ics"
    download.value.save_as(exported)
    text = exported.read_text()
    assert "SUMMARY:Engine review" in text and "RRULE:FREQ=WEEKLY;COUNT=6" in text
    page.goto(f"{base}{second.get_absolute_url()}")
    page.locator("#import-file").set_input_files(str(exported))
    page.locator("#import-ics").click()
    expect(page.locator(".alert-success, .alert-info").first).to_be_visible()
    copy = Appointment.objects.get(calendar=second)
    assert (copy.ical_uid, copy.title, copy.rrule) == (
        meeting.ical_uid,
        "Engine review",
        "FREQ=WEEKLY;COUNT=6",
    )
    assert copy.start == meeting.start and copy.pk != meeting.pk
    assert Appointment.objects.filter(calendar=meeting.calendar).count() == 1

    # 4. Send the invitation: the SMTP server receives the METHOD:REQUEST for Ada.
    page.goto(f"{base}{meeting.get_absolute_url()}")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.locator(".alert").first).to_be_visible()
    assert [rcpt for _sender, rcpt, _raw in outbox.messages] == [["ada@example.com"]]
    raw = outbox.messages[0][2].decode(errors="replace")
    assert "METHOD:REQUEST" in raw and meeting.ical_uid in raw
    answer = page.locator("#attendees .rsvp")
    expect(answer).to_have_text("No answer yet")

    # 5. Ada's reply arrives by IMAP; the organizer's mailbox fetches it; the answer changes.
    with running_dovecot() as dovecot:
        dovecot.append(_reply(meeting.ical_uid, "ACCEPTED"))
        mailbox = mail.mailbox_create(
            actor=carla,
            data={
                "name": "Work",
                "host": dovecot.host,
                "port": dovecot.port,
                "security": "none",
                "username": dovecot.user,
                "password": dovecot.password,
                "folders": ["INBOX"],
            },
        )
        counts = imap.fetch_mailbox(mailbox)
    assert counts["captured"] == 1
    assert Attendee.objects.get(appointment=meeting).rsvp == "ACCEPTED"
    page.reload()
    expect(answer).to_have_text("Accepted")
    assert Calendar.objects.filter(owner=carla).count() == 2
