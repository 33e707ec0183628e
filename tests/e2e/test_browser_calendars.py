"""Calendars in a real browser: from a person's page create an appointment (the person is
invited), see it in the week view of the vendored EventCalendar, drag it two hours later and
find the new time saved through the service (version checked)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest

from rubrica.calendars.models import Appointment
from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROME = zoneinfo.ZoneInfo("Europe/Rome")


def test_create_from_a_person_then_drag_in_the_week_view(live_server, page, settings):
    settings.TIME_ZONE = "Europe/Rome"
    carla = UserFactory(username="carla", role="member")
    ada = make_contact(carla, given_name="Ada", family_name="Lovelace")
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))

    page.goto(f"{base}{ada.get_absolute_url()}")
    page.locator("#panel-appointments").get_by_role("link", name="New appointment").click()
    page.get_by_label("Title", exact=True).fill("Engine review")
    page.get_by_label("Start", exact=True).fill("2026-12-09T10:00")
    page.get_by_label("End", exact=True).fill("2026-12-09T11:00")
    page.get_by_label("Time zone", exact=True).fill("Europe/Rome")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/people/{ada.pk}/"))
    assert page.locator("#panel-appointments").get_by_text("Engine review").count() == 1
    appointment = Appointment.objects.get()
    assert list(appointment.people.all()) == [ada]

    page.goto(f"{base}/calendar/?view=timeGridWeek&date=2026-12-09")
    event = page.locator(".ec-event", has_text="Engine review")
    event.wait_for()
    box = event.bounding_box()
    assert box is not None
    slot = page.locator(".ec-time-grid .ec-body .ec-day").first
    hour_px = _hour_height(page)
    x, y = box["x"] + box["width"] / 2, box["y"] + 8
    with page.expect_response(re.compile(r"/move/$")) as moved:
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x, y + hour_px, steps=5)
        page.mouse.move(x, y + 2 * hour_px, steps=5)
        page.mouse.up()
    assert moved.value.status == 200
    assert slot is not None
    appointment.refresh_from_db()
    assert appointment.start == dt.datetime(2026, 12, 9, 12, tzinfo=ROME)
    assert appointment.end == dt.datetime(2026, 12, 9, 13, tzinfo=ROME)
    assert appointment.version == 2


def _hour_height(page) -> float:
    """The height of one hour in the time grid (slots are half an hour by default)."""
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('.ec-time-grid .ec-sidebar .ec-time,"
        " .ec-time-grid .ec-time')).slice(0, 3).map(e => e.getBoundingClientRect().top)"
    )
    if len(heights) >= 2 and heights[1] > heights[0]:
        return float(heights[1] - heights[0]) * (2 if len(heights) >= 3 else 1)
    return 48.0
