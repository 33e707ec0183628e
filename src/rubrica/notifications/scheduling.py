"""The scheduler: a periodic tick run by the background worker (Django Tasks; no cron).

``tick(now)`` runs every registered ``Schedule`` (reminders, digests: ``registry``), then sends
the e-mails waiting to go. Each schedule is idempotent (``notify(key=...)``), so a tick may run
twice for the same moment or late after a restart without sending anything twice; a schedule that
fails is logged and does not stop the others.

The worker runs it as a chain: ``tick_task`` runs a tick, then enqueues the next one
``RUBRICA_TICK_SECONDS`` later (``run_after``). ``SchedulerState`` (one row) names the tick due
next, so that only one chain lives: a tick that is not the expected one does nothing and enqueues
nothing. ``schedule_ensure()`` (``rubrica serve`` calls it when it starts the worker) starts a
chain when none is alive (no tick expected, or the expected one is long overdue: its worker died).
``rubrica notifications tick`` runs one tick in the foreground (cron-style installs, tests).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rubrica.notifications import registry
from rubrica.notifications.models import SchedulerState
from rubrica.notifications.services import emails_send_pending

logger = logging.getLogger(__name__)

#: A chain whose expected tick is this late is taken as dead (its worker stopped).
STALE_AFTER = dt.timedelta(minutes=5)


def tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every schedule for ``now`` (default: the present), then send pending e-mails.
    Returns, per schedule key, how many notifications it sent, and "emails"."""
    moment = now or timezone.now()
    done: dict[str, int] = {}
    for schedule in registry.schedules():
        try:
            with transaction.atomic():
                done[schedule.key] = schedule.run(moment)
        except Exception:  # one broken schedule must not starve the others
            logger.exception("schedule %s failed", schedule.key)
            done[schedule.key] = 0
    done["emails"] = emails_send_pending()
    SchedulerState.objects.update_or_create(pk=1, defaults={"last_tick_at": timezone.now()})
    return done


def _interval() -> dt.timedelta:
    return dt.timedelta(seconds=settings.RUBRICA_TICK_SECONDS)


def _enqueue(at: dt.datetime) -> None:
    from rubrica.notifications.tasks import tick_task

    expected = at.isoformat()
    transaction.on_commit(lambda: tick_task.using(run_after=at).enqueue(expected))


def schedule_ensure(*, now: dt.datetime | None = None) -> bool:
    """Start the tick chain unless a live one exists; True when it started one."""
    moment = now or timezone.now()
    with transaction.atomic():
        state, _created = SchedulerState.objects.select_for_update().get_or_create(pk=1)
        if state.next_tick_at is not None and state.next_tick_at > moment - STALE_AFTER:
            return False
        state.next_tick_at = moment
        state.save(update_fields=["next_tick_at"])
        _enqueue(moment)
    return True


def tick_chained(expected: dt.datetime, *, now: dt.datetime | None = None) -> bool:
    """Run the tick the chain expects at ``expected``, and enqueue the next one; a tick of a
    duplicate chain (the state names another moment) does nothing. True when it ran."""
    moment = now or timezone.now()
    with transaction.atomic():
        state, _created = SchedulerState.objects.select_for_update().get_or_create(pk=1)
        if state.next_tick_at != expected:
            return False
        following = max(moment, expected) + _interval()
        state.next_tick_at = following
        state.save(update_fields=["next_tick_at"])
        _enqueue(following)
    tick(now=moment)
    return True
