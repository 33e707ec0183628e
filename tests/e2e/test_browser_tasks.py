"""Tasks and notifications in a real browser: add a task with a reminder from a person's page,
let the reminder fall due (the scheduler's tick run with the clock advanced), see the unread
count in the navbar and the notification, open it, mark everything read."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from rubrica.notifications.models import Notification
from rubrica.notifications.scheduling import tick
from rubrica.tasks.models import Task
from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_task_reminder_arrives_unread_count_mark_read(live_server, page):
    carla = UserFactory(username="carla", role="member")
    ada = make_contact(carla, given_name="Ada", family_name="Lovelace")
    base = live_server.url
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))

    page.goto(f"{base}{ada.get_absolute_url()}")
    page.locator("#panel-tasks").get_by_role("link", name="Add task").click()
    page.get_by_label("Title").fill("Call back about the engine")
    page.get_by_label("Due date").fill(tomorrow.isoformat())
    page.get_by_label("Time").fill("10:00")
    page.get_by_label("Reminder").select_option("15")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/people/{ada.pk}/"))
    assert page.locator("#panel-tasks").get_by_text("Call back about the engine").count() == 1
    task = Task.objects.get()
    assert list(task.people.all()) == [ada]

    # No reminder yet; then the clock reaches 09:45 tomorrow and the worker's tick runs.
    assert task.remind_at is not None
    tick(now=task.remind_at - dt.timedelta(minutes=1))
    assert not Notification.objects.filter(kind="tasks.reminder").exists()
    tick(now=task.remind_at)
    assert Notification.objects.filter(kind="tasks.reminder").count() == 1

    page.reload()
    badge = page.locator("#notification-badge [data-unread]")
    badge.wait_for()
    assert badge.inner_text() == "1"
    page.locator("#notification-badge").click()
    page.wait_for_url(re.compile(r"/notifications/"))
    row = page.locator("#notification-list li").first
    assert "Reminder: Call back about the engine" in row.inner_text()
    row.get_by_role("button", name="Mark read").click()
    page.locator("#notification-list li[data-read='1']").wait_for()
    page.reload()
    page.locator("#notification-badge").wait_for()
    assert page.locator("#notification-badge [data-unread]").count() == 0
    assert Notification.objects.get(kind="tasks.reminder").read_at is not None
