"""Jalali entry (ADR 0040): a Persian user whose date style is the Persian calendar types dates
as Jalali ones, in Persian or Latin digits; Rubrica stores the Gregorian day and shows it back
in Jalali; a day the Persian calendar does not have is refused, naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from rubrica.accounts.services import user_settings_update
from rubrica.contacts.models import Contact
from rubrica.core import formats
from rubrica.tasks.models import Task
from tests.factories import make_contact
from tests.web.conftest import person_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.activate("en")


@pytest.fixture
def jalali(member):
    user_settings_update(actor=member, user=member, data={"language": "fa", "date_style": "jalali"})
    return member


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("۱۴۰۳/۰۱/۱۵", dt.date(2024, 4, 3)),
        ("1403-01-15", dt.date(2024, 4, 3)),
        ("1403.1.15", dt.date(2024, 4, 3)),
        ("١٤٠٣/١٢/٣٠", dt.date(2025, 3, 20)),  # Arabic-Indic digits; 1403 is a leap year
        ("2024-04-03", None),  # a Gregorian year: not a Jalali date, read as ISO by the field
        ("--04-15", None),
        ("", None),
    ],
)
def test_typed_jalali_dates_are_read(typed, day):
    assert formats.parse_jalali(typed) == day


@pytest.mark.parametrize("typed", ["1403/12/31", "1402/12/30", "1403/13/01", "1403/00/10"])
def test_days_the_persian_calendar_has_not_are_refused(typed):
    with pytest.raises(ValueError):
        formats.parse_jalali(typed)


def test_a_jalali_birthday_is_stored_gregorian_and_shown_back_in_jalali(client, jalali):
    client.force_login(jalali)

    response = client.post(
        reverse("contacts:create"),
        person_form(birthday="۱۴۰۳/۰۱/۱۵", anniversary="1389-03-11"),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    grace = Contact.objects.get(family_name="Hopper")
    assert (grace.birthday, grace.anniversary) == ("2024-04-03", "2010-06-01")
    form = client.get(reverse("contacts:edit", args=[grace.pk])).content.decode()
    assert 'value="۱۴۰۳/۰۱/۱۵"' in form
    assert 'value="۱۳۸۹/۰۳/۱۱"' in form


def test_a_year_less_birthday_stays_as_typed(client, jalali):
    client.force_login(jalali)

    client.post(reverse("contacts:create"), person_form(birthday="--04-15"))

    assert Contact.objects.get(family_name="Hopper").birthday == "--04-15"


def test_an_invalid_jalali_birthday_names_the_field_and_saves_nothing(client, jalali):
    client.force_login(jalali)

    response = client.post(reverse("contacts:create"), person_form(birthday="۱۴۰۳/۱۲/۳۱"))

    html = response.content.decode()
    assert response.status_code == 400  # the form again, with its errors
    assert "تاریخ تولد: ۱۴۰۳/۱۲/۳۱ تاریخی در تقویم هجری شمسی نیست" in html
    assert not Contact.objects.exists()


def test_a_gregorian_user_keeps_the_date_picker(client, member):
    user_settings_update(actor=member, user=member, data={"language": "fa"})
    client.force_login(member)

    html = client.get(reverse("tasks:new")).content.decode()

    assert 'type="date" name="due_date"' in html


def test_a_task_due_date_typed_in_jalali(client, jalali):
    client.force_login(jalali)
    form = client.get(reverse("tasks:new")).content.decode()
    assert 'type="text" name="due_date"' in form

    response = client.post(
        reverse("tasks:new"),
        {
            "title": "تماس با آقای رضایی",
            "assignee": jalali.pk,
            "priority": "2",
            "visibility": "team",
            "due_date": "1405/09/15",
        },
    )

    assert response.status_code == 302
    assert Task.objects.get().due_date == dt.date(2026, 12, 6)
    wrong = client.post(
        reverse("tasks:new"),
        {
            "title": "x",
            "assignee": jalali.pk,
            "priority": "2",
            "visibility": "team",
            "due_date": "1405/07/31",
        },
    )
    assert wrong.status_code in (200, 400)  # the form again
    assert "موعد: 1405/07/31 تاریخی در تقویم هجری شمسی نیست" in wrong.content.decode()
    assert Task.objects.count() == 1


def test_list_filters_take_jalali_dates(client, jalali):
    make_contact(jalali, given_name="Sara", family_name="Karimi")
    client.force_login(jalali)
    now = timezone.localdate()
    today = formats.jalali_input(now - dt.timedelta(days=1), language="en")
    tomorrow = formats.jalali_input(now + dt.timedelta(days=2), language="en")

    found = client.get(reverse("contacts:list"), {"created_from": today}).content.decode()
    later = client.get(reverse("contacts:list"), {"created_from": tomorrow}).content.decode()
    wrong = client.get(reverse("contacts:list"), {"created_from": "1403/12/31"}).content.decode()

    assert "Karimi" in found
    assert "Karimi" not in later
    assert "۱۴۰۳/۰۱/۱۵" in wrong  # the error gives an example of a Jalali date
