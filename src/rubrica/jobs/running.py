"""Running a job: claim it, call its kind's runner with a :class:`Progress`, record the outcome.

``job_run`` is what the worker's task (``tasks.run_job_task``) calls, and what the CLI calls to
run a job in the foreground. It lives apart from ``services`` (start, cancel, resume, purge),
which hands jobs to the worker through ``tasks``: the task imports this module and this module
imports neither, so the engine has no import loop. ``services`` is the engine's public face and
names ``job_run``, ``Progress`` and ``JobCancelled`` too.

A runner is ``run(job, progress) -> dict``, found in the registry (``registry.job_kind``). Long
runners work in batches, each in its own transaction that also calls
``progress.checkpoint(...)``; when a run is killed, the job keeps the last committed checkpoint
and ``job_resume`` (or the recovery at worker start) runs it again from there.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.jobs.models import ACTIVE, Job, JobStatus
from rubrica.jobs.registry import job_kind

logger = logging.getLogger(__name__)

#: A running job whose heartbeat is older than this is taken as interrupted (its process died).
STALE_AFTER = dt.timedelta(minutes=2)
#: Progress is written at most this often (seconds), and at every checkpoint.
PROGRESS_INTERVAL = 0.5

Listener = Callable[[Job], None]


class JobCancelled(Exception):
    """Raised inside a runner by ``Progress.raise_if_cancelled`` when someone cancelled the job."""


class Progress:
    """The runner's handle on its job: totals, progress, checkpoints, cancellation."""

    def __init__(self, job: Job, listener: Listener | None = None) -> None:
        self.job = job
        self._listener = listener
        self._last_write = 0.0

    def set_total(self, total: int | None) -> None:
        self.job.total = total
        if total is not None and self.job.done > total:
            self.job.done = total
        self._write(force=True)

    def advance(self, count: int = 1) -> None:
        done = self.job.done + count
        if self.job.total is not None:
            done = min(done, self.job.total)
        self.job.done = done
        self._write()

    def set_done(self, done: int) -> None:
        self.job.done = done if self.job.total is None else min(done, self.job.total)
        self._write()

    def checkpoint(self, data: dict[str, Any], *, done: int | None = None) -> None:
        """Save where a resumed run continues from, and with ``done`` how much that is. Call it
        inside the transaction of the batch it describes: both commit or neither does, so the
        ``done`` a killed run leaves is the count its checkpoint stands for."""
        if done is not None:
            self.job.done = done if self.job.total is None else min(done, self.job.total)
        self.job.checkpoint = data
        self._write(force=True, fields=["checkpoint"])

    def raise_if_cancelled(self) -> None:
        requested = (
            Job.objects.filter(pk=self.job.pk).values_list("cancel_requested", flat=True).first()
        )
        if requested:
            raise JobCancelled

    def _write(self, *, force: bool = False, fields: list[str] | None = None) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < PROGRESS_INTERVAL:
            return
        self._last_write = now
        self.job.heartbeat_at = timezone.now()
        Job.objects.filter(pk=self.job.pk).update(
            total=self.job.total,
            done=self.job.done,
            heartbeat_at=self.job.heartbeat_at,
            **{name: getattr(self.job, name) for name in fields or []},
        )
        if self._listener is not None:
            self._listener(self.job)


def _claim(job_id: int) -> Job | None:
    """Mark the job running for this process; None when it is not runnable (another process has
    it, or it already ended). A running job with a stale heartbeat is taken over."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return None
        stale = job.heartbeat_at is None or job.heartbeat_at < now - STALE_AFTER
        if job.status == JobStatus.RUNNING and not stale:
            return None
        if job.status not in ACTIVE:
            return None
        if job.cancel_requested:
            finish(job, JobStatus.CANCELLED)
            return None
        job.status = JobStatus.RUNNING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
        return job


def finish(job: Job, status: str, *, error: str = "", result: dict[str, Any] | None = None) -> None:
    """Record that ``job`` ended with ``status`` (and its error or result); a success counts
    everything done. Also used by ``services`` for a cancel before the run and a recovery."""
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    job.heartbeat_at = job.finished_at
    fields = ["status", "error", "finished_at", "heartbeat_at", "done", "total"]
    if result is not None:
        job.result = result
        fields.append("result")
    if status == JobStatus.SUCCEEDED and job.total is not None:
        job.done = job.total
    job.save(update_fields=fields)


def job_run(job_id: int, *, listener: Listener | None = None) -> Job:
    """Run job ``job_id`` in this process (worker or CLI) and return it in its final state.
    Returns the job unchanged when it is not runnable here."""
    job = _claim(job_id)
    if job is None:
        return Job.objects.get(pk=job_id)
    progress = Progress(job, listener)
    try:
        result = job_kind(job.kind).run(job, progress)
    except JobCancelled:
        finish(job, JobStatus.CANCELLED)
    except ValidationError as exc:
        finish(job, JobStatus.FAILED, error="; ".join(exc.messages))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        finish(job, JobStatus.FAILED, error=_("Unexpected error: %(error)s") % {"error": exc})
    else:
        finish(job, JobStatus.SUCCEEDED, result=result or {})
        # Workers and the CLI run jobs outside any transaction, so the success is committed
        # when the step (which may delete files) runs.
        _on_success(job)
    if listener is not None:
        listener(job)
    return job


def _on_success(job: Job) -> None:
    """The kind's after-success step (``JobKind.on_success``), once the success is recorded: a
    failure there is logged and leaves the job succeeded."""
    hook = job_kind(job.kind).on_success
    if hook is None:
        return
    try:
        hook(job)
    except Exception:
        logger.exception("after-success step of job %s (%s) failed", job.pk, job.kind)
