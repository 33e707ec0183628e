"""A Persian user with the Persian calendar types a Jalali birthday in a real browser (ADR 0040):
the field is a text box with a Jalali example, the day is stored in the Gregorian calendar and
the form shows it back in Jalali, in Persian digits."""

from __future__ import annotations

import re

import pytest

from rubrica.accounts.services import user_settings_update
from rubrica.contacts.models import Contact
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_persian_user_types_a_jalali_birthday(live_server, chromium_browser):
    maryam = UserFactory(username="maryam", role="member")
    user_settings_update(actor=maryam, user=maryam, data={"language": "fa", "date_style": "jalali"})
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="fa")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    try:
        page.goto(f"{base}/login/")
        page.locator("#id_username").fill("maryam")
        page.locator("#id_password").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/people/"))

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
    finally:
        context.close()
