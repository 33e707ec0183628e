"""Persian pages compared with reference screenshots, so a change that mirrors text, flips an icon
the wrong way or breaks the right-to-left layout shows up as a difference.

The references live in tests/e2e/reference/. After an intended change of the look, refresh them
with ``RUBRICA_UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_browser_screenshots.py`` and
look at the new images before committing them. A page matches when at most ``TOLERANCE`` of its
pixels differ by more than ``THRESHOLD`` in any channel (anti-aliasing noise stays below that).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from tests.factories import PASSWORD, UserFactory, make_contact, make_organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERENCE = Path(__file__).resolve().parent / "reference"
TOLERANCE = 0.01
THRESHOLD = 48
CASES = {
    "people-fa-1366x900": ({"width": 1366, "height": 900}, "/people/"),
    "people-fa-390x844": ({"width": 390, "height": 844}, "/people/"),
}


def differing_share(actual: Image.Image, expected: Image.Image) -> float:
    """The share of pixels whose largest channel difference exceeds THRESHOLD (1.0 when the
    sizes differ)."""
    if actual.size != expected.size:
        return 1.0
    diff = ImageChops.difference(actual.convert("RGB"), expected.convert("RGB"))
    worst = diff.convert("L").point(lambda value: 255 if value > THRESHOLD else 0)
    histogram = worst.histogram()
    return histogram[255] / (actual.size[0] * actual.size[1])


def test_differing_share_counts_only_clear_differences():
    white = Image.new("RGB", (10, 10), "white")
    faint = Image.new("RGB", (10, 10), (240, 240, 240))
    one_dot = white.copy()
    one_dot.putpixel((0, 0), (0, 0, 0))

    assert differing_share(white, faint) == 0.0
    assert differing_share(white, one_dot) == 0.01
    assert differing_share(white, Image.new("RGB", (5, 10), "white")) == 1.0


@pytest.fixture
def persian_people(transactional_db):
    owner = UserFactory(username="sara", role="member")
    make_organization(owner, name="پارس‌افزار")
    make_contact(
        owner,
        given_name="مریم",
        family_name="احمدی",
        emails=[{"value": "maryam.ahmadi@example.ir"}],
        phones=[{"value": "+98 912 345 6789"}],
        addresses=[{"city": "تهران"}],
        tags=["مشتری"],
    )
    make_contact(
        owner,
        given_name="Giulia",
        family_name="Esposito",
        emails=[{"value": "giulia@esposito.example"}],
        phones=[{"value": "+39 347 123 4567"}],
        addresses=[{"city": "Napoli"}],
    )
    make_contact(
        owner, given_name="رضا", family_name="کریمی", phones=[{"value": "+98 21 8888 7777"}]
    )
    return owner


@pytest.mark.parametrize("name", sorted(CASES))
def test_persian_page_matches_its_reference(chromium_browser, live_server, persian_people, name):
    viewport, path = CASES[name]
    context = chromium_browser.new_context(
        viewport=viewport, locale="fa", reduced_motion="reduce", timezone_id="Asia/Tehran"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/login/")
        page.locator("#id_username").fill("sara")
        page.locator("#id_password").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/people/"))
        page.goto(f"{live_server.url}{path}")
        page.mouse.move(0, viewport["height"] - 1)
        shot = Image.open(io.BytesIO(page.screenshot(animations="disabled", caret="hide")))
    finally:
        context.close()

    reference = REFERENCE / f"{name}.png"
    if os.environ.get("RUBRICA_UPDATE_SCREENSHOTS") == "1" or not reference.exists():
        REFERENCE.mkdir(exist_ok=True)
        shot.save(reference, optimize=True)
        if os.environ.get("RUBRICA_UPDATE_SCREENSHOTS") != "1":
            pytest.fail(f"no reference yet: wrote {reference.name}; look at it and commit it")
        return
    with Image.open(reference) as expected:
        share = differing_share(shot, expected)
    actual = Path(tempfile.gettempdir()) / f"{name}.actual.png"
    if share > TOLERANCE:
        shot.save(actual)
    assert share <= TOLERANCE, f"{share:.2%} of the pixels differ (see {actual})"
