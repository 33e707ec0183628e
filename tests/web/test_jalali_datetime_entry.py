"""Jalali entry of a date and a time (ADR 0043): a Persian user whose date style is the Persian
calendar types an appointment's start and end and an activity's time as "۱۴۰۵/۰۹/۱۶ ۱۰:۳۰";
Rubrica stores the moment in the user's zone and shows it back in Jalali; a day the Persian
calendar has not, or a time that is not one, is refused naming the field, and nothing is saved.
A user of the Gregorian style keeps the browser's ``datetime-local`` picker."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import translation

from rubrica.accounts.services import user_settings_update
from rubrica.activities.models import Activity
from rubrica.calendars.models import Appointment
from rubrica.core import formats
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")


def _wall(*parts: int) -> dt.datetime:
    """A naive wall-clock moment (what a typed date and time means before a zone is applied)."""
    return dt.datetime.combine(dt.date(*parts[:3]), dt.time(*parts[3:]))


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.activate("en")


@pytest.fixture
def jalali(member):
    user_settings_update(
        actor=member,
        user=member,
        data={"language": "fa", "date_style": "jalali", "time_zone": "Asia/Tehran"},
    )
    return member


@pytest.mark.parametrize(
    ("typed", "moment"),
    [
        ("۱۴۰۵/۰۹/۱۶ ۱۰:۳۰", _wall(2026, 12, 7, 10, 30)),
        ("1405-09-16T09:05", _wall(2026, 12, 7, 9, 5)),
        ("1405/9/16 7:05:30", _wall(2026, 12, 7, 7, 5, 30)),
        ("۱۴۰۵/۰۹/۱۶", _wall(2026, 12, 7, 0, 0)),
        ("2026-12-07T10:30", None),  # a Gregorian year: the field reads it as ISO
        ("", None),
    ],
)
def test_typed_jalali_dates_and_times_are_read(typed, moment):
    assert formats.parse_jalali_datetime(typed) == moment


@pytest.mark.parametrize("typed", ["1403/12/31 10:00", "1405/09/16 25:00", "1405/09/16 soon"])
def test_a_missing_day_or_a_wrong_time_is_refused(typed):
    with pytest.raises(ValueError):
        formats.parse_jalali_datetime(typed)


def test_an_appointment_typed_in_jalali_is_stored_in_the_users_zone_and_shown_back(client, jalali):
    client.force_login(jalali)
    form = client.get(reverse("calendars:new")).content.decode()
    assert 'type="text" name="start"' in form
    assert 'data-calendar="jalali"' in form

    response = client.post(
        reverse("calendars:new"),
        {"title": "جلسه", "start": "۱۴۰۵/۰۹/۱۶ ۱۰:۳۰", "end": "1405/09/16 11:45"},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    appointment = Appointment.objects.get()
    assert appointment.start == dt.datetime(2026, 12, 7, 10, 30, tzinfo=TEHRAN)
    assert appointment.end == dt.datetime(2026, 12, 7, 11, 45, tzinfo=TEHRAN)
    edit = client.get(reverse("calendars:edit", args=[appointment.pk])).content.decode()
    assert 'value="۱۴۰۵/۰۹/۱۶ ۱۰:۳۰"' in edit
    assert 'value="۱۴۰۵/۰۹/۱۶ ۱۱:۴۵"' in edit


def test_a_wrong_jalali_start_names_the_field_and_saves_nothing(client, jalali):
    client.force_login(jalali)

    response = client.post(reverse("calendars:new"), {"title": "جلسه", "start": "۱۴۰۳/۱۲/۳۱ ۱۰:۰۰"})

    html = response.content.decode()
    assert response.status_code in (200, 400, 422)
    assert "۱۴۰۳/۱۲/۳۱ ۱۰:۰۰" in html
    assert "تقویم هجری شمسی" in html
    assert not Appointment.objects.exists()


def test_a_gregorian_user_keeps_the_browsers_picker(client, member):
    user_settings_update(actor=member, user=member, data={"language": "fa"})
    client.force_login(member)

    html = client.get(reverse("calendars:new")).content.decode()

    assert 'type="datetime-local" name="start"' in html
    ada = make_contact(member)
    person = client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()
    assert 'type="datetime-local" value="' in person and 'id="ql-when"' in person


def test_an_activity_logged_at_a_jalali_time(client, jalali):
    ada = make_contact(jalali)
    client.force_login(jalali)
    page = client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()
    assert 'data-calendar="jalali"' in page and 'id="ql-when"' in page

    response = client.post(
        reverse("activities:quick_log"),
        {
            "record_key": "person",
            "record_pk": ada.pk,
            "kind": "call",
            "occurred_at": "۱۴۰۵/۰۹/۱۵ ۱۶:۲۰",
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200, response.content.decode()[:2000]
    activity = Activity.objects.get()
    assert activity.occurred_at == dt.datetime(2026, 12, 6, 16, 20, tzinfo=TEHRAN)
    edit = client.get(reverse("activities:edit", args=[activity.pk])).content.decode()
    assert 'value="۱۴۰۵/۰۹/۱۵ ۱۶:۲۰"' in edit


def test_a_missing_jalali_day_for_an_activity_names_the_field(client, jalali):
    ada = make_contact(jalali)
    client.force_login(jalali)

    response = client.post(
        reverse("activities:quick_log"),
        {"record_key": "person", "record_pk": ada.pk, "kind": "call", "occurred_at": "1403/12/31"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 422
    assert 'data-field="occurred_at"' in response.content.decode()
    assert not Activity.all_objects.exists()


def test_free_busy_reads_the_jalali_day_of_the_start(client, jalali, other_member):
    client.force_login(jalali)

    response = client.get(
        reverse("calendars:freebusy"), {"start": "۱۴۰۵/۰۹/۱۶ ۱۰:۳۰", "users": [other_member.pk]}
    )

    assert response.status_code == 200
    assert response.context["day"] == dt.date(2026, 12, 7)
