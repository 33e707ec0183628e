"""Protected fields in a real browser (ADR 0027): an administrator marks a person's notes
sensitive on the settings page; a member then sees neither the notes on the person's page nor an
input for them on the edit form, and saving the form keeps them."""

from __future__ import annotations

import re

import pytest

from rubrica.contacts.models import Contact
from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "prefers calls after six, diabetic"


def _log_in(page, base, username):
    page.goto(f"{base}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))


def test_administrator_protects_notes_and_a_member_neither_sees_nor_wipes_them(
    live_server, page, tmp_path
):
    admin = UserFactory(username="anna", role="admin")
    UserFactory(username="marco", role="member")
    person = make_contact(admin, given_name="Olga", family_name="Privata", notes=NOTE)
    base = live_server.url

    _log_in(page, base, "anna")
    page.goto(f"{base}/settings/fields/protected/")
    card = page.locator("#protect-contact-notes")
    card.get_by_label("Sensitive").check()
    card.get_by_role("button", name="Save").click()
    page.get_by_text("Protection of Notes saved.").wait_for()
    page.screenshot(path=str(tmp_path / "protected-fields.png"), full_page=True)
    page.goto(f"{base}/people/{person.pk}/")
    assert page.get_by_text(NOTE).is_visible()
    page.context.clear_cookies()

    _log_in(page, base, "marco")
    page.goto(f"{base}/people/{person.pk}/")
    page.get_by_role("heading", name="Olga Privata").wait_for()
    assert page.get_by_text(NOTE).count() == 0
    page.goto(f"{base}/people/{person.pk}/edit/")
    assert page.locator("textarea[name=notes]").count() == 0
    page.get_by_label("Family name").fill("Pubblica")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("heading", name="Olga Pubblica").wait_for()
    saved = Contact.objects.get(pk=person.pk)
    assert saved.family_name == "Pubblica" and saved.notes == NOTE
