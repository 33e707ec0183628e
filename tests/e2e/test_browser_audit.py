"""The audit trail in a real browser: an administrator's sign-in is in the log with its door and
address, the log filters, exports as CSV (itself recorded) and verifies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_filters_exports_and_verifies_the_log(live_server, page):
    UserFactory(username="root", role="admin", is_superuser=True, is_staff=True)
    base = live_server.url
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))

    page.goto(f"{base}/audit/")
    page.get_by_label("Action").select_option(AuditAction.SIGNIN_SUCCESS)
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "Signed in" in rows.first.inner_text()
    assert "web" in rows.first.inner_text()
    assert "127.0.0.1" in rows.first.inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("seq,time,actor_id,actor,action")
    assert [line.split(",")[4] for line in text.splitlines()[1:]] == [AuditAction.SIGNIN_SUCCESS]
    exported = AuditEntry.objects.order_by("-seq").first()
    assert exported.action == AuditAction.AUDIT_EXPORT
    assert (exported.actor_name, exported.source) == ("root", "web")

    page.get_by_role("button", name="Verify the chain").click()
    page.locator("#audit-verification").wait_for()
    assert "Verified 3 entries, 1 to 3." in page.locator("#audit-verification").inner_text()
    failure = AuditEntry.objects.get(action=AuditAction.SIGNIN_FAILURE)
    assert failure.details == {"username": "root"}
    assert not [text for text in problems if "Content Security Policy" in text]
