"""A small job that checks the worker runs jobs end to end (``rubrica jobs check``): counts to
``params["steps"]`` in checkpointed batches, like every long runner does."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from rubrica.jobs.models import Job
from rubrica.jobs.services import Progress


def run_selftest(job: Job, progress: Progress) -> dict[str, Any]:
    steps = int(job.params.get("steps", 10))
    batch = int(job.params.get("batch", 5))
    fail_at = job.params.get("fail_at")
    progress.set_total(steps)
    position = int(job.checkpoint.get("position", 0))
    progress.set_done(position)
    while position < steps:
        progress.raise_if_cancelled()
        with transaction.atomic():
            end = min(steps, position + batch)
            if fail_at is not None and position < int(fail_at) <= end and job.attempts == 1:
                raise RuntimeError(f"failing on purpose at step {fail_at}")
            position = end
            progress.checkpoint({"position": position})
            progress.set_done(position)
    return {"steps": steps, "attempts": job.attempts}
