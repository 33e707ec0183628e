"""The organizations list in a real browser: tick organizations, tag them, move them to the
Trash after the question, and export the ticked ones; the Persian page keeps its direction."""

from __future__ import annotations

import re

import pytest

from rubrica.jobs.models import Job
from rubrica.organizations.models import Organization
from tests.factories import PASSWORD, UserFactory, make_organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))


def test_tag_delete_and_export_the_ticked_organizations(live_server, page, settings, tmp_path):
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    carla = UserFactory(username="carla", role="member")
    acme = make_organization(carla, name="Acme")
    globex = make_organization(carla, name="Globex")
    initech = make_organization(carla, name="Initech")
    base = live_server.url
    _sign_in(page, base, "carla")

    page.goto(f"{base}/organizations/")
    page.get_by_label("Select Acme").check()
    page.get_by_label("Select Globex").check()
    page.get_by_label("With the selected organizations").select_option("tag")
    assert page.get_by_label("Tag to add or remove").is_visible()
    assert not page.locator("#bulk-kind").is_visible()
    page.get_by_label("Tag to add or remove").fill("Partner")
    page.get_by_role("button", name="Apply to selected").click()
    page.get_by_text("2 organizations were changed.").wait_for()
    tagged = {o.name for o in Organization.objects.filter(tags__name="Partner").distinct()}
    assert tagged == {"Acme", "Globex"}

    page.get_by_label("Select Initech").check()
    page.get_by_label("With the selected organizations").select_option("delete")
    page.get_by_role("button", name="Apply to selected").click()
    page.get_by_role("heading", name="Move 1 organization to the Trash?").wait_for()
    assert Organization.objects.filter(pk=initech.pk).exists()
    page.get_by_role("button", name="Delete").click()
    page.get_by_text("1 organization was moved to the Trash.").wait_for()
    assert not Organization.objects.filter(pk=initech.pk).exists()

    page.get_by_label("Select Globex").check()
    page.locator("#export-menu summary").click()
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Export the selected organizations").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/"))
    job = Job.objects.get(kind="export")
    assert job.params["entity"] == "organizations"
    assert job.params["selection"] == {"ids": [globex.pk]}
    assert acme.pk not in job.params["selection"]["ids"]


def test_the_bulk_bar_reads_right_to_left_in_persian(chromium_browser, live_server):
    carla = UserFactory(username="carla", role="member")
    make_organization(carla, name="شرکت نمونه")
    context = chromium_browser.new_context(locale="fa")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/login/")
        page.locator("#id_username").fill("carla")
        page.locator("#id_password").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/people/"))

        page.goto(f"{live_server.url}/organizations/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        bar = page.locator(".bulk-bar")
        bar.wait_for()
        assert "با سازمان‌های انتخاب‌شده" in bar.inner_text()
        assert page.locator('input[name="selected"]').count() == 1
        assert page.locator("#export-menu summary").inner_text().strip() != "Export…"
    finally:
        context.close()
