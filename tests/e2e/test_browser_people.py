"""A person's whole life in a real browser: log in, create with two phones, edit, delete, undo,
find again with the quick search."""

from __future__ import annotations

import re

import pytest

from rubrica.contacts.models import Contact
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_edit_delete_undo_and_find_a_person(live_server, page):
    UserFactory(username="carla", role="member")
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))

    page.get_by_role("link", name="Add person").click()
    page.get_by_label("Given name").fill("Giulia")
    page.get_by_label("Family name").fill("Esposito")
    page.locator("#id_phones-0-value").fill("+39 081 555 1234")
    page.get_by_role("button", name="Add phone").click()
    page.locator("#id_phones-1-value").fill("+39 333 123 4567")
    page.get_by_role("button", name="Save").click()

    page.get_by_role("heading", name="Giulia Esposito").wait_for()
    person = Contact.objects.get(family_name="Esposito")
    assert sorted(person.phones.values_list("e164", flat=True)) == [
        "+390815551234",
        "+393331234567",
    ]

    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Job title").fill("Avvocata")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Avvocata").first.wait_for()
    assert Contact.objects.get(pk=person.pk).title == "Avvocata"

    page.get_by_role("link", name="Delete").first.click()
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Undo").wait_for()
    assert Contact.trash.filter(pk=person.pk).exists()

    page.get_by_role("button", name="Undo").click()
    page.wait_for_load_state()
    assert Contact.objects.filter(pk=person.pk).exists()

    search = page.get_by_role("searchbox", name="Search").or_(page.get_by_label("Search")).first
    search.fill("Espo")
    search.press("Enter")
    page.get_by_role("link", name="Giulia Esposito").first.wait_for()
    assert "q=Espo" in page.url
