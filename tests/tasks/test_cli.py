"""`rubrica tasks` and `rubrica notifications`: list, add, done, tick."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from rubrica.notifications.models import Notification
from rubrica.tasks.models import Status, Task
from rubrica.tasks.services import task_create

pytestmark = pytest.mark.django_db


def test_add_list_done(rubrica, member) -> None:
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    code, out, err = rubrica(
        "tasks", "--as", "member", "add", "Call Ada", "--due", yesterday, "--repeat", "FREQ=DAILY"
    )
    assert code == 0, err
    task = Task.objects.get()
    assert (task.title, task.assignee, task.recurrence) == ("Call Ada", member, "FREQ=DAILY")
    code, out, _err = rubrica("tasks", "--as", "member", "--json", "list", "--overdue")
    assert [t["title"] for t in json.loads(out)["overdue"]] == ["Call Ada"]
    code, out, _err = rubrica("tasks", "--as", "member", "done", str(task.pk))
    assert code == 0
    task.refresh_from_db()
    assert task.status == Status.DONE
    assert "Next: task" in out


def test_bad_input_exits_2_naming_the_field(rubrica, member) -> None:
    code, _out, err = rubrica("tasks", "--as", "member", "add", "T", "--due", "soon")
    assert code == 2
    assert "due_date" in err
    assert not Task.all_objects.exists()


def test_done_on_a_task_one_may_not_see_is_not_found(rubrica, member, other_member) -> None:
    task = task_create(actor=other_member, data={"title": "Secret", "visibility": "private"})
    code, _out, _err = rubrica("tasks", "--as", "member", "done", str(task.pk))
    assert code == 1
    task.refresh_from_db()
    assert task.status == Status.OPEN


def test_tick_with_an_advanced_clock_sends_the_reminder(rubrica, member) -> None:
    task_create(
        actor=member,
        data={"title": "Ping", "due_at": "2030-01-01T09:00+00:00", "remind_minutes_before": 0},
    )
    code, out, err = rubrica("notifications", "tick", "--now", "2030-01-01T09:00:30+00:00")
    assert code == 0, err
    assert "tasks.reminders: 1" in out
    assert Notification.objects.filter(kind="tasks.reminder").count() == 1
    code, out, _err = rubrica("notifications", "--as", "member", "list", "--unread")
    assert "Reminder: Ping" in out


def test_tick_refuses_a_naive_time(rubrica) -> None:
    code, _out, err = rubrica("notifications", "tick", "--now", "2030-01-01T09:00")
    assert code == 2
    assert "offset" in err
