"""Dark mode and contrast (ADR 0021): the main pages pass axe-core's colour-contrast rule
(WCAG 2 AA) in the light and the dark theme, and "follow the system" follows the browser's
colour scheme. axe-core is pinned in package.json and vendored like the other assets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rubrica.accounts.services import user_settings_update
from tests.factories import PASSWORD, UserFactory, make_contact, make_organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "src/rubrica/web/static/vendor/axe-core/axe.min.js"
RUN_CONTRAST = """async () => {
  const result = await axe.run(document, {runOnly: {type: "rule", values: ["color-contrast"]}});
  return result.violations.flatMap(
    v => v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary));
}"""


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))


def _contrast_problems(page, url: str) -> list[str]:
    page.goto(url)
    # evaluated through DevTools, which the page's Content-Security-Policy (script-src 'self') does
    # not govern, where add_script_tag inserts an inline script the CSP refuses
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return [f"{url}: {problem}" for problem in page.evaluate(RUN_CONTRAST)]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_main_pages_pass_the_contrast_check_in_both_themes(live_server, page, theme) -> None:
    user = UserFactory(username="dora", role="admin", is_superuser=True, is_staff=True)
    user_settings_update(actor=user, user=user, data={"theme": theme})
    org = make_organization(user, name="Acme Srl")
    person = make_contact(
        user,
        given_name="Giulia",
        family_name="Rossi",
        birthday="--04-15",
        emails=[{"value": "giulia@example.com"}],
        phones=[{"value": "+39 347 123 4567"}],
    )
    base = live_server.url
    _log_in(page, base, "dora")
    assert page.locator("body").get_attribute("data-bs-theme") == theme
    assert page.locator("html").get_attribute("data-bs-theme") == theme

    problems: list[str] = []
    for path in (
        "/people/",
        person.get_absolute_url(),
        "/organizations/",
        org.get_absolute_url(),
        "/tasks/",
        "/settings/personal/",
        "/settings/team/",
    ):
        problems += _contrast_problems(page, base + path)

    assert problems == [], "\n".join(problems)


def test_follow_the_system_follows_the_browsers_colour_scheme(live_server, chromium_browser):
    UserFactory(username="ezio", role="member")
    context = chromium_browser.new_context(color_scheme="dark", locale="en")
    page = context.new_page()
    try:
        _log_in(page, live_server.url, "ezio")
        assert page.locator("html").get_attribute("data-bs-theme") == "dark"
        page.emulate_media(color_scheme="light")
        # expect() polls from Playwright's own world (the CSP forbids wait_for_function's eval)
        expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
    finally:
        context.close()
