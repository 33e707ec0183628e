"""Keyboard: "/" goes to the search box, "?" lists the shortcuts, the skip link moves focus to the
main content (not only the scroll position), in a real browser."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, base):
    UserFactory(username="carla", role="member")
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill("carla")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/people/"))


def _focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def test_slash_focuses_search_and_question_mark_lists_shortcuts(live_server, page):
    _log_in(page, live_server.url)
    page.locator("h1").click()

    page.keyboard.press("/")
    assert _focused_id(page) == "quick-search"
    page.keyboard.type("/x")  # typing in a box is not a shortcut
    assert page.locator("#quick-search").input_value() == "/x"

    page.locator("h1").click()
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-dialog")
    assert dialog.is_visible()
    assert dialog.get_by_text("Go to the search box").is_visible()
    page.keyboard.press("Escape")
    assert dialog.is_hidden()


def test_skip_link_moves_focus_to_the_main_content(live_server, page):
    _log_in(page, live_server.url)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")

    page.keyboard.press("Enter")
    assert _focused_id(page) == "main"
    page.keyboard.press("Tab")  # the next stop is inside the content, not the navigation
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


def test_slash_on_a_phone_goes_to_the_visible_search_box(chromium_browser, live_server):
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, locale="fa")
    page = context.new_page()
    try:
        _log_in(page, live_server.url)
        page.locator("h1").click()
        page.keyboard.press("/")
        assert _focused_id(page) == "quick-search-phone"
    finally:
        context.close()
