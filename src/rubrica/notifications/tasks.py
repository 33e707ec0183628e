"""The Django task that carries the scheduler's tick to the worker (``scheduling``)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from rubrica.core import origin
from rubrica.notifications.scheduling import tick_chained


@task()
def tick_task(expected: str) -> bool:
    """Run the tick expected at ``expected`` (ISO 8601) and enqueue the next one."""
    with origin.using(origin.WORKER):
        return tick_chained(dt.datetime.fromisoformat(expected))
