"""Laptops and phones, in English and Persian: no main page scrolls sideways at 390×844 (a phone)
or 1366×900 (a laptop); on a phone the lists are cards with their actions on screen and the
search box is visible; on a laptop the collapsed filter panel gives its width to the table."""

from __future__ import annotations

import re

import pytest

from rubrica.dedup.services import scan_start
from rubrica.jobs.services import job_run
from rubrica.segments.services import segment_create
from tests.factories import PASSWORD, UserFactory, make_contact, make_organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
PAGES = [
    "/people/",
    "/people/{contact}/",
    "/organizations/",
    "/organizations/{organization}/",
    "/segments/",
    "/duplicates/",
    "/tasks/",
    "/activities/to-contact/",
    "/search/?q=Giulia",
    "/trash/",
]


@pytest.fixture
def records(transactional_db):
    carla = UserFactory(username="carla", role="member")
    organization = make_organization(
        carla,
        name="Esposito & Figli Costruzioni Meccaniche S.r.l.",
        website="https://esposito.example",
    )
    giulia = make_contact(
        carla,
        given_name="Giulia",
        family_name="Esposito",
        emails=[{"value": "giulia.esposito.amministrazione@esposito-costruzioni.example"}],
        phones=[{"value": "+39 347 123 4567"}],
        addresses=[{"city": "Napoli", "country": "Italia"}],
        tags=["clienti-importanti", "fiera-2026"],
    )
    make_contact(
        carla,
        given_name="مریم",
        family_name="احمدی",
        emails=[{"value": "maryam.ahmadi@example.ir"}],
        phones=[{"value": "+98 912 345 6789"}],
    )
    make_contact(
        carla,
        given_name="Esposito",
        family_name="Giulia",
        emails=[{"value": "g.esposito@example.org"}],
        phones=[{"value": "+39 347 123 4567"}],
    )
    for index in range(12):
        make_contact(carla, given_name=f"Persona{index:02d}", family_name="Lunghissimo-Cognome")
    segment_create(actor=carla, data={"name": "Clienti della fiera di Milano 2026", "filters": {}})
    job = scan_start(actor=carla, enqueue=False)
    assert job_run(job.pk).status == "succeeded"
    return {"contact": giulia.pk, "organization": organization.pk}


def _log_in(page, base):
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill("carla")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/people/"))


def _overflow(page) -> int:
    return page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("language", ["en", "fa"])
@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_no_main_page_scrolls_sideways(chromium_browser, live_server, records, viewport, language):
    context = chromium_browser.new_context(viewport=viewport, locale=language)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _log_in(page, live_server.url)
        wide = []
        for template in PAGES:
            path = template.format(**records)
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            assert page.locator("html").get_attribute("lang") == language
            if (excess := _overflow(page)) > 0:
                wide.append((path, excess))
        assert wide == []
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "fa"])
def test_on_a_phone_lists_are_cards_with_actions_and_the_search_box_shows(
    chromium_browser, live_server, records, language
):
    context = chromium_browser.new_context(viewport=PHONE, locale=language)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _log_in(page, live_server.url)
        page.goto(f"{live_server.url}/people/")
        assert page.locator("#quick-search-phone").is_visible()
        assert page.locator("table.table-cards thead").first.is_hidden()
        first_row = page.locator("table.table-cards tbody tr").first
        box = first_row.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

        page.goto(f"{live_server.url}/duplicates/")
        for button in page.locator("main form button").all():
            if button.is_visible():
                area = button.bounding_box()
                assert area is not None
                assert area["x"] >= 0 and area["x"] + area["width"] <= PHONE["width"]
    finally:
        context.close()


def test_on_a_laptop_the_collapsed_filter_panel_gives_its_width_to_the_table(
    chromium_browser, live_server, records
):
    context = chromium_browser.new_context(viewport=LAPTOP, locale="en")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _log_in(page, live_server.url)
        page.goto(f"{live_server.url}/people/")
        table = page.locator("#results table").bounding_box()
        main = page.locator("main").bounding_box()
        assert table is not None and main is not None
        assert table["width"] > 0.9 * main["width"]
        page.locator("aside summary").first.click()  # open the filters: the panel returns
        table_open = page.locator("#results table").bounding_box()
        assert table_open is not None and table_open["width"] < 0.8 * main["width"]
    finally:
        context.close()


@pytest.fixture
def more_lists(transactional_db):
    """An administrator with a task, an activity, a person in the Trash, custom fields and a
    second user: the tables ADR 0040 turns into cards on a phone."""
    from rubrica.activities.services import activity_create
    from rubrica.contacts.services import contact_delete
    from rubrica.customfields.services import definition_save
    from rubrica.tasks.services import task_create

    admin = UserFactory(username="carla", role="admin")
    UserFactory(username="giovanni.esposito.amministrazione", role="member")
    person = make_contact(admin, given_name="Giulia", family_name="Esposito-Lunghissimo")
    task_create(
        actor=admin,
        data={
            "title": "Richiamare Giulia per il preventivo annuale della fiera",
            "people": [person.pk],
            "due_date": "2026-12-01",
        },
    )
    activity_create(
        actor=admin,
        data={"kind": "call", "subject": "Preventivo annuale", "people": [person.pk]},
    )
    definition_save(
        actor=admin,
        data={
            "entity": "contact",
            "key": "codice_fiscale_del_cliente",
            "label": "Codice fiscale del cliente",
            "field_type": "text",
        },
    )
    gone = make_contact(admin, given_name="Marco", family_name="Cestinato")
    contact_delete(actor=admin, contact=gone)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_on_a_phone_tasks_activities_trash_and_settings_lists_are_cards(
    chromium_browser, live_server, more_lists, language
):
    context = chromium_browser.new_context(viewport=PHONE, locale=language)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _log_in(page, live_server.url)
        inside = []
        for path in ("/tasks/", "/activities/", "/trash/", "/settings/users/", "/settings/fields/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            assert page.locator("table.table-cards").count() >= 1, path
            assert page.locator("table.table-cards thead").first.is_hidden(), path
            # no table scrolls sideways inside its box, and every row is a card on screen
            excess = page.evaluate(
                "() => Math.max(0, ...[...document.querySelectorAll('.table-responsive')]"
                ".map(box => box.scrollWidth - box.clientWidth))"
            )
            if excess > 0 or _overflow(page) > 0:
                inside.append((path, excess, _overflow(page)))
            for row in page.locator("table.table-cards tbody tr").all()[:5]:
                box = row.bounding_box()
                assert box is not None and box["x"] >= 0, path
                assert box["x"] + box["width"] <= PHONE["width"], path
        assert inside == []
    finally:
        context.close()
