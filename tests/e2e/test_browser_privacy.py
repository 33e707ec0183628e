"""Record consent and erase a person in a real browser: the Privacy card, the confirmation page
that counts what will go and refuses without its tick box, and the card after the erasure."""

from __future__ import annotations

import re

import pytest

from rubrica.contacts.models import Contact
from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_consent_then_erase_a_person(live_server, page, tmp_path):
    admin = UserFactory(username="root", role="admin", is_superuser=True, is_staff=True)
    person = make_contact(
        admin, given_name="Ada", family_name="Lovelace", emails=[{"value": "ada@example.com"}]
    )
    base = live_server.url
    page.goto(f"{base}/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))
    page.goto(f"{base}/people/{person.pk}/")

    card = page.locator("#panel-privacy")
    card.locator("#consent-email-state").select_option("withdrawn")
    card.locator("#consent-email").get_by_role("button", name="Record").click()
    page.locator('#consent-email[data-state="withdrawn"]').wait_for()
    assert Contact.objects.get(pk=person.pk).email_consent == "withdrawn"
    page.screenshot(path="/tmp/privacy-card.png")

    page.locator("#privacy-erase").click()
    page.locator("#erase-counts").wait_for()
    page.get_by_role("button", name="Erase for good").click()
    page.locator("#erase-error").wait_for()
    assert Contact.objects.get(pk=person.pk).family_name == "Lovelace"

    page.get_by_label("I understand that this cannot be undone.").check()
    page.get_by_role("button", name="Erase for good").click()
    page.locator("#privacy-erased").wait_for()
    assert Contact.objects.get(pk=person.pk).family_name == ""
