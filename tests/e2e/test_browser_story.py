"""Issue 15 item 12, the whole story in a real browser: quick-log a call with "no answer", turn
it into a follow-up task with a reminder, see the reminder arrive (the scheduler's tick run with
the clock advanced), mention a colleague who sees the notification, attach a PDF to the call and
preview it, merge two people and see both timelines on the kept one, undo."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone

from rubrica.activities import services as activities
from rubrica.activities.models import Activity
from rubrica.contacts.models import Contact
from rubrica.documents.models import Document
from rubrica.notifications.models import Notification
from rubrica.notifications.scheduling import tick
from rubrica.tasks.models import Task
from tests.documents.conftest import PDF
from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def documents_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents"), "base_url": None},
        },
    }


def _log_in(page, base, username):
    page.goto(f"{base}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))


def test_the_story_of_a_relationship(
    live_server, page, chromium_browser, documents_storage, tmp_path
):
    # a transactional test empties every table after it: put back the outcomes a migration seeds
    importlib.import_module("rubrica.activities.migrations.0002_outcomes").add_outcomes(apps, None)
    carla = UserFactory(username="carla", role="member")
    UserFactory(username="dino", role="member")
    ada = make_contact(carla, given_name="Ada", family_name="Lovelace", visibility="everyone")
    king = make_contact(carla, given_name="Augusta", family_name="King", visibility="everyone")
    met = activities.activity_create(
        actor=carla, data={"kind": "meeting", "people": [king.pk], "subject": "Met at the salon"}
    )
    base = live_server.url
    _log_in(page, base, "carla")

    # 1. Quick-log "Called — no answer" on Ada's page: one click opens, one click saves.
    page.goto(f"{base}{ada.get_absolute_url()}")
    page.locator("[data-quick-log-toggle]").click()
    page.locator('[data-preset="call-no-answer"]').first.click()
    page.locator("#timeline-items .timeline-activity[data-kind='call']").wait_for()
    call = Activity.objects.get(kind="call")
    assert call.outcome.name == "No answer"
    assert "No answer" in page.locator("#timeline-items").inner_text()

    # 2. Turn it into a follow-up task with a reminder, from the timeline row.
    page.locator(f".timeline-activity[data-activity='{call.pk}'] [data-follow-up]").click()
    page.wait_for_url(re.compile(r"/tasks/new/"))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.get_by_label("Due date").fill(tomorrow.isoformat())
    page.get_by_label("Time").fill("10:00")
    page.get_by_label("Reminder").select_option("15")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    task = Task.objects.get()
    assert list(task.people.all()) == [ada]
    assert task.remind_at is not None

    # 3. The reminder arrives when the clock reaches it (the worker's tick, time advanced).
    tick(now=task.remind_at - dt.timedelta(minutes=1))
    assert not Notification.objects.filter(kind="tasks.reminder").exists()
    tick(now=task.remind_at)
    page.goto(f"{base}/notifications/")
    assert page.locator("#notification-list li").first.inner_text().count(task.title) == 1

    # 4. Mention a colleague in a note; Dino sees the notification in his own session.
    page.goto(f"{base}{ada.get_absolute_url()}")
    page.locator("[data-quick-log-toggle]").click()
    page.locator("#ql-kind").select_option("note")
    page.locator("#ql-body").fill("Dino, @dino please send her the offer")
    page.locator("#ql-body").press("Control+Enter")
    page.locator("#timeline-items .timeline-activity[data-kind='note']").wait_for()
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    try:
        dino_page = context.new_page()
        dino_page.set_default_timeout(15_000)
        _log_in(dino_page, base, "dino")
        badge = dino_page.locator("#notification-badge [data-unread]")
        badge.wait_for()
        assert badge.inner_text() == "1"
        dino_page.goto(f"{base}/notifications/")
        assert "carla" in dino_page.locator("#notification-list li").first.inner_text()
    finally:
        context.close()

    # 5. Attach a PDF to the call (the Documents panel of the activity's page) and preview it.
    pdf = tmp_path / "Offer.pdf"
    pdf.write_bytes(PDF)
    page.goto(f"{base}{call.get_absolute_url()}")
    panel = page.locator("#panel-documents")
    panel.get_by_label("File", exact=True).set_input_files(str(pdf))
    panel.get_by_label("Title (optional)").fill("Offer")
    panel.get_by_role("button", name="Attach").click()
    page.locator("#documents").get_by_role("link", name="Offer").wait_for()
    document = Document.objects.get()
    assert document.activity_id == call.pk
    with page.expect_popup() as opened:
        page.locator(f"#document-{document.pk}").get_by_role("link", name="Preview").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.evaluate("document.contentType") == "application/pdf"
    preview.close()

    # 6. Merge Augusta King into Ada: the kept person's timeline shows both; undo splits them.
    page.goto(f"{base}{ada.get_absolute_url()}")
    page.get_by_role("link", name="Merge with…").click()
    page.get_by_label("Find the other person").fill("King")
    page.get_by_role("button", name="Search").last.click()
    page.get_by_role("link", name="Compare").first.click()
    page.get_by_role("button", name=re.compile("^Merge into")).click()
    page.get_by_role("button", name="Undo").wait_for()
    kept = Contact.objects.get()
    other_tab = page.context.new_page()
    other_tab.goto(f"{base}{kept.get_absolute_url()}")
    timeline = other_tab.locator("#timeline-items").inner_text()
    other_tab.close()
    assert "Met at the salon" in timeline and "No answer" in timeline
    assert set(kept.activities.values_list("pk", flat=True)) >= {met.pk, call.pk}

    page.get_by_role("button", name="Undo").click()
    page.wait_for_load_state()
    assert set(Contact.objects.values_list("pk", flat=True)) == {ada.pk, king.pk}
    assert list(Contact.objects.get(pk=king.pk).activities.all()) == [met]
    assert call in Contact.objects.get(pk=ada.pk).activities.all()
    page.goto(f"{base}{king.get_absolute_url()}")
    assert "Met at the salon" in page.locator("#timeline-items").inner_text()
    assert "No answer" not in page.locator("#timeline-items").inner_text()
