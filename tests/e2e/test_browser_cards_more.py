"""On a phone (390×844) more lists are cards: people to contact, jobs and the audit trail hide
their column headings, show each row as a block on screen, and label each value by its column."""

from __future__ import annotations

import re

import pytest

from rubrica.activities import services as activity_services
from rubrica.dedup.services import scan_start
from rubrica.jobs.services import job_run
from rubrica.taxonomy.models import Tag
from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def lists(transactional_db):
    admin = UserFactory(username="carla", role="admin")
    make_contact(admin, given_name="Giulia", family_name="Esposito", tags=["clienti"])
    make_contact(admin, given_name="مریم", family_name="احمدی", tags=["clienti"])
    tag = Tag.objects.get(name="clienti")
    activity_services.tag_cadence_set(actor=admin, tag=tag, ideal_days=14, max_days=30)
    job = scan_start(actor=admin, enqueue=False)
    assert job_run(job.pk).status == "succeeded"


def _log_in(page, base):
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill("carla")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/people/"))


@pytest.mark.parametrize("language", ["en", "fa"])
def test_on_a_phone_people_to_contact_jobs_and_audit_are_cards(
    chromium_browser, live_server, lists, language
):
    context = chromium_browser.new_context(viewport=PHONE, locale=language)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _log_in(page, live_server.url)
        for path in ("/activities/to-contact/", "/jobs/", "/audit/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            table = page.locator("main table.table-cards").first
            assert table.count() == 1, path
            assert table.locator("thead").is_hidden(), path
            rows = table.locator("tbody tr").all()
            assert rows, path
            for row in rows[:5]:
                assert row.evaluate("tr => getComputedStyle(tr).display") == "block", path
                box = row.bounding_box()
                assert box is not None and box["x"] >= 0, path
                assert box["x"] + box["width"] <= PHONE["width"], path
            labels = table.locator("tbody td[data-label]")
            assert labels.count() >= 1, path
            label = labels.first.evaluate("td => getComputedStyle(td, '::before').content")
            assert label not in ("", "none", "normal"), path
            overflow = page.evaluate(
                "() => document.scrollingElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, (path, overflow)
    finally:
        context.close()
