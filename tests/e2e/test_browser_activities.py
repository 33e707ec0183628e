"""Activities in a real browser: on a person's page press L, type a note and save with
Ctrl+Enter; log "Called — no answer" in one click from the people list; see both on the
timeline and the last interaction set."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps

from rubrica.activities.models import Activity
from rubrica.contacts.models import NEVER, Contact
from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quick_log_with_the_keyboard_and_from_the_list(live_server, page):
    # a transactional test empties every table after it: put back the outcomes a migration seeds
    importlib.import_module("rubrica.activities.migrations.0002_outcomes").add_outcomes(apps, None)
    carla = UserFactory(username="carla", role="member")
    ada = make_contact(carla, given_name="Ada", family_name="Lovelace")
    base = live_server.url
    page.goto(f"{base}/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))

    # From the list: one click opens the menu, one click saves.
    row = page.locator(f'[data-quick-log-row="{ada.pk}"]')
    row.get_by_role("button").first.click()
    row.get_by_role("button", name="Called — no answer").click()
    page.locator(f'[data-quick-log-row="{ada.pk}"][role="status"]').wait_for()
    called = Activity.objects.get()
    assert (called.kind, called.outcome.name) == ("call", "No answer")

    # On the person's page: L opens the form, Ctrl+Enter saves it.
    page.goto(f"{base}{ada.get_absolute_url()}")
    page.locator("body").press("l")
    page.locator("#ql-kind").select_option("meeting")
    page.locator("#ql-body").fill("Lunch about the **engine**")
    page.locator("#ql-body").press("Control+Enter")
    page.locator("#timeline strong", has_text="engine").wait_for()
    timeline = page.locator("#timeline-items").inner_text()
    assert "Meeting" in timeline and "No answer" in timeline
    assert Contact.objects.get(pk=ada.pk).last_interaction_at > NEVER
