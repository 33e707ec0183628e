"""A Persian user with the Persian calendar types a Jalali birthday in a real browser (ADR 0040):
the field is a text box with a Jalali example, the day is stored in the Gregorian calendar and
the form shows it back in Jalali, in Persian digits."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import zoneinfo

import pytest

from rubrica.accounts.services import user_settings_update
from rubrica.calendars.models import Appointment
from rubrica.contacts.models import Contact
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextlib.contextmanager
def _maryam(chromium_browser, base, **settings):
    """A Persian browser signed in as maryam, whose date style is the Persian calendar."""
    maryam = UserFactory(username="maryam", role="member")
    user_settings_update(
        actor=maryam, user=maryam, data={"language": "fa", "date_style": "jalali", **settings}
    )
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="fa")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{base}/login/")
        page.locator("#id_username").fill("maryam")
        page.locator("#id_password").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/people/"))
        yield page
    finally:
        context.close()


def test_a_persian_user_types_a_jalali_birthday(live_server, chromium_browser):
    base = live_server.url
    with _maryam(chromium_browser, base) as page:
        page.goto(f"{base}/people/new/")
        birthday = page.locator("#id_birthday")
        assert birthday.get_attribute("placeholder") == "۱۴۰۳/۰۱/۱۵"
        page.locator("#id_given_name").fill("مریم")
        page.locator("#id_family_name").fill("کریمی")
        birthday.fill("۱۳۷۰/۰۶/۳۱")  # the last day of Shahrivar
        page.get_by_role("button", name="ذخیره", exact=True).first.click()
        page.get_by_role("heading", name="مریم کریمی").wait_for()

        person = Contact.objects.get(family_name="کریمی")
        assert person.birthday == "1991-09-22"
        page.goto(f"{base}/people/{person.pk}/edit/")
        assert page.locator("#id_birthday").input_value() == "۱۳۷۰/۰۶/۳۱"

        page.locator("#id_birthday").fill("1370/07/31")  # Mehr has 30 days
        page.get_by_role("button", name="ذخیره", exact=True).first.click()
        page.get_by_text("تاریخ تولد: 1370/07/31 تاریخی در تقویم هجری شمسی نیست").wait_for()
        assert Contact.objects.get(pk=person.pk).birthday == "1991-09-22"


def test_a_persian_user_types_a_jalali_appointment(live_server, chromium_browser):
    """The appointment's start and end: a Jalali date and a time in one text box (ADR 0043)."""
    base = live_server.url
    with _maryam(chromium_browser, base, time_zone="Asia/Tehran") as page:
        page.goto(f"{base}/calendar/new/")
        start = page.locator("#id_start")
        assert start.get_attribute("type") == "text"
        assert start.get_attribute("placeholder") == "۱۴۰۳/۰۱/۱۵ ۱۴:۳۰"
        page.locator("#id_title").fill("جلسه با آقای رضایی")
        start.fill("۱۴۰۵/۰۹/۱۶ ۱۰:۳۰")
        page.locator("#id_end").fill("۱۴۰۵/۰۹/۱۶ ۱۱:۰۰")
        page.get_by_role("button", name="ذخیره", exact=True).first.click()
        page.wait_for_url(re.compile(r"/appointments/\d+/"))

        appointment = Appointment.objects.get()
        tehran = zoneinfo.ZoneInfo("Asia/Tehran")
        assert appointment.start == dt.datetime(2026, 12, 7, 10, 30, tzinfo=tehran)
        page.goto(f"{base}/calendar/appointments/{appointment.pk}/edit/")
        assert page.locator("#id_start").input_value() == "۱۴۰۵/۰۹/۱۶ ۱۰:۳۰"
