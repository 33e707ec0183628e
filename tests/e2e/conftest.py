"""Playwright for Python driving Debian's chromium against a live Rubrica server.

`playwright install` cannot download browsers here, so the system chromium is launched by path.
Without chromium the browser tests are skipped locally but fail in CI (CI=true), where .ci/run
installs it.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest
from django.core.signals import request_finished, request_started

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class _InFlight:
    """How many requests the live server is still answering (its threads share this process)."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def started(self, **kwargs) -> None:
        with self.lock:
            self.count += 1

    def finished(self, **kwargs) -> None:
        with self.lock:
            self.count = max(0, self.count - 1)

    def wait_idle(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.count == 0:
                    return 0
            time.sleep(0.02)
        return self.count


@pytest.fixture(autouse=True)
def _live_server_quiet(request):
    """Let the live server finish what the browser last asked (a calendar refetching its events
    after a drag) before the database is flushed: a flush racing a request fails on SQLite's
    shared in-memory database and leaves the test's rows behind for the next test. Set up after
    ``transactional_db`` so that it is torn down (and waits) before it."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    in_flight = _InFlight()
    request_started.connect(in_flight.started, weak=False)
    request_finished.connect(in_flight.finished, weak=False)
    try:
        yield
        in_flight.wait_idle(timeout=15)
    finally:
        request_started.disconnect(in_flight.started)
        request_finished.disconnect(in_flight.finished)


@pytest.fixture(scope="session")
def chromium_browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
