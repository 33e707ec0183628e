"""Share a private person with a colleague in a real browser (htmx form of the "Shared with"
panel), then the colleague finds the person in their list and opens the page, without any
control to share it on or edit it (a read share)."""

from __future__ import annotations

import re

import pytest

from rubrica.sharing.models import RecordShare
from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))


def test_share_a_person_and_the_colleague_sees_it(live_server, chromium_browser):
    owner = UserFactory(username="olga", role="member", first_name="Olga")
    colleague = UserFactory(username="carl", role="member", first_name="Carl", last_name="Berg")
    person = make_contact(
        owner, given_name="Zenobia", family_name="Quartermaine", visibility="private"
    )
    base = live_server.url

    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, "olga")
    page.goto(f"{base}/people/{person.pk}/")
    panel = page.locator("#panel-sharing")
    assert "Not shared with anyone in particular." in panel.inner_text()

    panel.get_by_label("Share with").select_option(label="Carl Berg")
    panel.get_by_label("Access").select_option("read")
    panel.get_by_role("button", name="Share", exact=True).click()
    page.locator("#shares bdi.fw-semibold", has_text="Carl Berg").wait_for()
    assert "Can view" in page.locator("#shares").inner_text()
    share = RecordShare.objects.get()
    assert (share.user_id, share.level, share.object_id) == (colleague.pk, "read", person.pk)
    context.close()

    other = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    page = other.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, "carl")
    page.get_by_role("link", name=re.compile("Quartermaine")).first.click()
    page.wait_for_url(re.compile(rf"/people/{person.pk}/"))
    panel = page.locator("#panel-sharing")
    assert "Carl Berg" in panel.inner_text()
    assert page.locator("#share-add").count() == 0
    other.close()
