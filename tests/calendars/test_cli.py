"""`rubrica calendars`: list, agenda (series expanded), export and import (.ics round trip);
an unseen calendar is "not found" and a reader cannot import (nothing written)."""

from __future__ import annotations

import json

import pytest

from rubrica.calendars.models import Appointment
from rubrica.calendars.services import appointment_create, calendar_create, calendar_share

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rome(settings):
    settings.TIME_ZONE = "Europe/Rome"


def test_list_agenda_export_import(rubrica, member, tmp_path) -> None:
    calendar = calendar_create(actor=member, data={"name": "Work"})
    appointment_create(
        actor=member,
        data={
            "calendar": calendar.pk,
            "title": "Stand-up",
            "start": "2026-12-07T09:00",
            "end": "2026-12-07T09:15",
            "rrule": "FREQ=DAILY;COUNT=3",
        },
    )
    code, out, err = rubrica("calendars", "--as", "member", "--json", "list")
    assert code == 0, err
    assert json.loads(out) == [
        {"id": calendar.pk, "name": "Work", "owner": "member", "writable": True}
    ]
    code, out, err = rubrica(
        "calendars", "--as", "member", "agenda", "--from", "2026-12-07", "--days", "7"
    )
    assert code == 0, err
    assert out.splitlines() == [
        "2026-12-07 09:00\tStand-up",
        "2026-12-08 09:00\tStand-up",
        "2026-12-09 09:00\tStand-up",
    ]
    target = tmp_path / "work.ics"
    code, _out, err = rubrica(
        "calendars", "--as", "member", "export", str(calendar.pk), "-o", str(target)
    )
    assert code == 0, err
    assert b"RRULE:FREQ=DAILY;COUNT=3" in target.read_bytes()
    copy = calendar_create(actor=member, data={"name": "Copy"})
    code, out, err = rubrica("calendars", "--as", "member", "import", str(copy.pk), str(target))
    assert code == 0, err
    assert "1 new" in out
    assert Appointment.objects.get(calendar=copy).title == "Stand-up"


def test_unseen_calendar_is_not_found_and_a_reader_cannot_import(
    rubrica, member, other_member, tmp_path
) -> None:
    calendar = calendar_create(actor=member, data={"name": "Work"})
    code, _out, err = rubrica("calendars", "--as", "other", "export", str(calendar.pk))
    assert code != 0
    assert "no calendar" in err
    calendar_share(actor=member, calendar=calendar, user=other_member, access="read")
    source = tmp_path / "one.ics"
    source.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a@b\r\n"
        b"DTSTART:20261207T090000Z\r\nSUMMARY:X\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    code, _out, err = rubrica("calendars", "--as", "other", "import", str(calendar.pk), str(source))
    assert code != 0
    assert not Appointment.objects.exists()
