"""Segments in a real browser: filter the people list, save it as a segment, open it, and put
selected people into a new saved selection."""

from __future__ import annotations

import re

import pytest

from rubrica.segments.models import Segment
from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_save_filters_as_a_segment_and_add_selected_people_to_a_selection(live_server, page):
    carla = UserFactory(username="carla", role="member")
    make_contact(carla, given_name="Mila", addresses=[{"city": "Milano"}])
    make_contact(carla, given_name="Romolo", addresses=[{"city": "Roma"}])
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))

    page.goto(f"{base}/people/?city=Milano")
    page.get_by_role("link", name="Save as segment").click()
    page.get_by_label("Name", exact=True).fill("Milan people")
    page.get_by_role("button", name="Save").click()
    page.locator("#segment-banner").wait_for()
    segment = Segment.objects.get(name="Milan people")
    assert segment.filters == {"city": "Milano"}
    assert page.get_by_role("link", name="Mila").count() == 1
    assert page.get_by_role("link", name="Romolo").count() == 0

    page.get_by_label("Select Mila").check()
    page.get_by_label("With the selected people").select_option("segment_add")
    page.get_by_role("button", name="Apply to selected").click()
    page.get_by_label("Name of a new saved selection").fill("Invitees")
    page.get_by_role("button", name="Add").click()
    page.get_by_text("1 person was added to Invitees.").wait_for()
    invitees = Segment.objects.get(name="Invitees")
    assert list(invitees.members.values_list("given_name", flat=True)) == ["Mila"]

    page.goto(f"{base}/segments/")
    assert page.get_by_role("link", name="Milan people", exact=True).count() == 1
    assert page.get_by_role("link", name="Invitees", exact=True).count() == 1
