"""The Content-Security-Policy in a real browser: pages that use htmx, Bootstrap and Rubrica's
scripts load and work with no policy violation."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_pages_load_with_no_csp_violation(live_server, page):
    member = UserFactory(username="carla", role="member")
    giulia = make_contact(member, given_name="Giulia", family_name="Esposito")
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(RECORD_VIOLATIONS)
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))
    assert page.evaluate("window.__cspViolations") == []

    # htmx at work: the quick search suggests as one types.
    page.locator("#quick-search").fill("Esposito")
    page.locator("#quick-search-suggestions").get_by_text("Giulia").first.wait_for()
    assert page.evaluate("window.__cspViolations") == []

    # The export script, now a static file, still copies the ticked people into the export.
    posted: list[str] = []

    def capture(route):
        posted.append(route.request.post_data or "")
        route.abort()

    page.route("**/io/exports/new/", capture)
    page.locator(f"#select-{giulia.pk}").check()
    page.locator("#export-menu summary").click()
    page.get_by_role("button", name="Export the selected people").click()
    page.wait_for_timeout(500)
    assert len(posted) == 1
    assert f"selected={giulia.pk}" in posted[0]

    # The copy script of a secret shown once, also a static file.
    page.goto(f"{base}/settings/tokens/new/")
    page.get_by_label("Name").fill("backup")
    page.get_by_role("button", name="Create token").click()
    page.locator("[data-copy-target]").first.wait_for()
    assert page.evaluate("window.__cspViolations") == []

    assert [
        text
        for text in console_errors
        if "Content Security Policy" in text or "Permissions-Policy" in text
    ] == []
