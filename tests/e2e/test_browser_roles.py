"""Roles in a real browser: an administrator changes one grant of a shipped role in the matrix."""

from __future__ import annotations

import re

import pytest

from rubrica.accounts.models import Grant
from rubrica.accounts.selectors import SHIPPED_ROLE_KEYS
from rubrica.accounts.services import shipped_role
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_edits_a_grant_in_the_matrix(live_server, page):
    # An earlier transactional test's flush empties the roles the data migration made: make
    # the shipped ones again, as the pages list them.
    for key in SHIPPED_ROLE_KEYS:
        shipped_role(key)
    UserFactory(username="boss", role="admin", is_staff=True)
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/|/settings/"))

    page.goto(f"{base}/settings/roles/")
    page.get_by_role("link", name=re.compile("^Support")).click()
    page.get_by_label("People: Export").select_option("own")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Role Support saved.").wait_for()

    assert list(
        Grant.objects.filter(role__key="support").values_list("entity", "action", "level")
    ) == [("people", "export", "own")]
