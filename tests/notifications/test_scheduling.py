"""The scheduler's tick: runs every registered schedule, sends e-mails, keeps one chain alive."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from rubrica.notifications import registry
from rubrica.notifications.models import Notification, SchedulerState
from rubrica.notifications.registry import Schedule
from rubrica.notifications.scheduling import schedule_ensure, tick, tick_chained
from rubrica.notifications.services import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scratch")]

NOON = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)


def test_a_tick_runs_each_schedule_once_and_a_broken_one_does_not_stop_the_others(
    member,
) -> None:
    seen: list[dt.datetime] = []

    def broken(now: dt.datetime) -> int:
        raise RuntimeError("boom")

    def ping(now: dt.datetime) -> int:
        seen.append(now)
        sent = notify(recipient=member, kind="test.ping", title="T", url="/", key=f"p:{now:%H}")
        return int(sent is not None)

    registry.register_schedule(Schedule(key="broken", run=broken))
    registry.register_schedule(Schedule(key="ping", run=ping))
    assert tick(now=NOON) == {"broken": 0, "ping": 1, "emails": 1}
    assert tick(now=NOON) == {"broken": 0, "ping": 0, "emails": 0}
    assert seen == [NOON, NOON]
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_schedule_ensure_starts_one_chain_only(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        assert schedule_ensure(now=NOON) is True
        assert schedule_ensure(now=NOON + dt.timedelta(minutes=1)) is False
    assert len(callbacks) == 1
    assert SchedulerState.objects.get().next_tick_at == NOON


def test_a_dead_chain_is_restarted(django_capture_on_commit_callbacks) -> None:
    SchedulerState.objects.create(pk=1, next_tick_at=NOON)
    with django_capture_on_commit_callbacks() as callbacks:
        assert schedule_ensure(now=NOON + dt.timedelta(minutes=10)) is True
    assert len(callbacks) == 1


def test_only_the_expected_tick_runs_and_it_enqueues_the_next(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.RUBRICA_TICK_SECONDS = 60
    SchedulerState.objects.create(pk=1, next_tick_at=NOON)
    with django_capture_on_commit_callbacks() as callbacks:
        assert tick_chained(NOON, now=NOON) is True
        assert tick_chained(NOON, now=NOON) is False  # a duplicate chain stops here
    assert len(callbacks) == 1
    state = SchedulerState.objects.get()
    assert state.next_tick_at == NOON + dt.timedelta(minutes=1)
    assert state.last_tick_at is not None


def test_the_task_runs_through_the_tasks_backend(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    SchedulerState.objects.create(pk=1, next_tick_at=NOON)
    from rubrica.notifications.tasks import tick_task

    result = tick_task.enqueue(NOON.isoformat())
    assert result.return_value is True
