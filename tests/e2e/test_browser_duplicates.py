"""Keeping each person once, in a real browser: the form warns before saving a likely duplicate,
"Save anyway" saves it, the two are merged side by side, and Undo brings both back."""

from __future__ import annotations

import re

import pytest

from rubrica.contacts.models import Contact
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _add_person(page, base, given, family, email):
    page.goto(f"{base}/people/new/")
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.locator("#id_emails-0-value").fill(email)
    page.get_by_role("button", name="Save", exact=True).click()


def test_duplicate_warning_save_anyway_merge_and_undo(live_server, page):
    UserFactory(username="carla", role="member")
    base = live_server.url
    page.goto(f"{base}/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))

    _add_person(page, base, "Giuseppe", "Verdi", "g.verdi@example.org")
    page.get_by_role("heading", name="Giuseppe Verdi").wait_for()
    first = Contact.objects.get(given_name="Giuseppe")

    _add_person(page, base, "Beppe", "Verdi", "G.Verdi@example.org")
    page.get_by_role("button", name="Save anyway").wait_for()
    assert page.get_by_text("Same email").first.is_visible()
    assert Contact.objects.count() == 1  # nothing saved before the confirmation

    page.get_by_role("button", name="Save anyway").click()
    page.get_by_role("heading", name="Beppe Verdi").wait_for()
    second = Contact.objects.get(given_name="Beppe")

    page.get_by_role("link", name="Merge with…").click()
    page.get_by_label("Find the other person").fill("Giuseppe")
    page.get_by_role("button", name="Search").last.click()
    page.get_by_role("link", name="Compare").first.click()
    page.get_by_role("button", name=re.compile("^Merge into")).click()
    page.get_by_role("button", name="Undo").wait_for()

    assert Contact.objects.count() == 1
    assert Contact.trash.filter(pk__in=[first.pk, second.pk]).count() == 1

    page.get_by_role("button", name="Undo").click()
    page.wait_for_load_state()
    assert set(Contact.objects.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert Contact.objects.get(pk=second.pk).given_name == "Beppe"
    assert Contact.objects.get(pk=first.pk).given_name == "Giuseppe"
