"""Start, run, cancel and resume jobs.

``job_create`` writes the row and, once the transaction commits, asks a worker (Django Tasks) to run
it. ``job_run`` is what the worker calls, and what the CLI calls to run a job in the foreground: it
claims the job, calls the runner of its kind with a :class:`Progress`, and records the outcome.

A runner is ``run(job, progress) -> dict``. Long runners work in batches, each in its own
transaction that also calls ``progress.checkpoint(...)``; when a run is killed, the job keeps the
last committed checkpoint and ``job_resume`` (or the recovery at worker start) runs it again from
there.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from rubrica.jobs.models import ACTIVE, Job, JobStatus
from rubrica.jobs.runners import ON_SUCCESS, PRIVATE_FILES, RUNNERS

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

    def checkpoint(self, data: dict[str, Any]) -> None:
        """Save where a resumed run continues from. Call it inside the transaction of the batch
        it describes: both commit or neither does."""
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


def _runner(kind: str) -> Callable[[Job, Progress], dict[str, Any]]:
    runner: Callable[[Job, Progress], dict[str, Any]] = import_string(RUNNERS[kind])
    return runner


def job_create(
    *, actor: Any, kind: str, title: str, params: dict[str, Any] | None = None, enqueue: bool = True
) -> Job:
    """Record a job for ``actor``; with ``enqueue`` a worker picks it up after commit."""
    if kind not in RUNNERS:
        raise ValidationError({"kind": _("Unknown kind of job.")})
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Log in to start a job."))
    job = Job.objects.create(kind=kind, title=title[:200], owner=actor, params=params or {})
    if enqueue:
        transaction.on_commit(functools.partial(_enqueue, job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from rubrica.jobs.tasks import run_job_task

    run_job_task.enqueue(job_id)


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
            _finish(job, JobStatus.CANCELLED)
            return None
        job.status = JobStatus.RUNNING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
        return job


def _finish(
    job: Job, status: str, *, error: str = "", result: dict[str, Any] | None = None
) -> None:
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
        result = _runner(job.kind)(job, progress)
    except JobCancelled:
        _finish(job, JobStatus.CANCELLED)
    except ValidationError as exc:
        _finish(job, JobStatus.FAILED, error="; ".join(exc.messages))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, error=_("Unexpected error: %(error)s") % {"error": exc})
    else:
        _finish(job, JobStatus.SUCCEEDED, result=result or {})
        # Workers and the CLI run jobs outside any transaction, so the success is committed
        # when the step (which may delete files) runs.
        _on_success(job)
    if listener is not None:
        listener(job)
    return job


def _on_success(job: Job) -> None:
    """The kind's after-success step (runners.ON_SUCCESS), once the success is recorded: a
    failure there is logged and leaves the job succeeded."""
    hook = ON_SUCCESS.get(job.kind)
    if hook is None:
        return
    try:
        import_string(hook)(job)
    except Exception:
        logger.exception("after-success step of job %s (%s) failed", job.pk, job.kind)


def _owned(actor: Any, job: Job) -> Job:
    found = Job.objects.restrict(actor, "change").filter(pk=job.pk).first()
    if found is None:
        raise PermissionDenied(_("You cannot change this job."))
    return found


def job_cancel(*, actor: Any, job: Job) -> Job:
    """Ask a queued or running job to stop; a queued one stops at once, a running one at its
    next batch. Work already committed stays (revert it where the kind offers that)."""
    job = _owned(actor, job)
    if not job.is_active:
        raise ValidationError({"status": _("This job is not running.")})
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        locked.cancel_requested = True
        locked.save(update_fields=["cancel_requested"])
        if locked.status == JobStatus.QUEUED:
            _finish(locked, JobStatus.CANCELLED)
    return Job.objects.get(pk=job.pk)


def job_resume(*, actor: Any, job: Job, enqueue: bool = True) -> Job:
    """Queue a failed or interrupted job again; its runner continues from the checkpoint."""
    job = _owned(actor, job)
    with transaction.atomic():
        # Locked: ``jobs_purge_files`` locks the row too, so a purge either sees the job queued
        # again (and leaves its file) or has marked the file expired before this reads it.
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise ValidationError({"status": _("Only a failed or cancelled job can be resumed.")})
        if job.kind in PRIVATE_FILES and job_file_expired(job):
            raise ValidationError(
                {"status": _("This job's file has expired: it cannot be resumed.")}
            )
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.QUEUED, error="", finished_at=None, cancel_requested=False
        )
    if enqueue:
        transaction.on_commit(functools.partial(_enqueue, job.pk))
    return Job.objects.get(pk=job.pk)


def jobs_recover(*, now: dt.datetime | None = None) -> int:
    """Mark running jobs whose process died (stale heartbeat) as failed, saying so; the owner can
    resume them from their checkpoint. Called when the worker starts (``rubrica serve``) and by
    ``rubrica jobs recover``. Returns how many were marked."""
    now = now or timezone.now()
    stale = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    count = 0
    for job in stale:
        _finish(
            job,
            JobStatus.FAILED,
            error=_("Interrupted: the process running it stopped. Resume to continue."),
        )
        count += 1
    return count


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


def jobs_purge_files(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete the files of jobs that finished more than ``older_than`` ago: output files
    (exports) and the files a kind keeps privately (runners.PRIVATE_FILES: the uploads of failed
    or cancelled imports). The Job rows stay (imports remain revertible, reports readable);
    each job that lost a file gets ``output`` cleared and ``result["file_expired"] = True``, which
    the download views answer with "This file has expired". System task (``rubrica jobs purge``,
    and ``rubrica serve`` at start). Returns how many jobs lost a file."""
    now = now or timezone.now()
    cutoff = now - older_than
    old = Job.objects.filter(status__in=FINISHED, finished_at__lt=cutoff)
    candidates = old.exclude(output="") | old.filter(kind__in=list(PRIVATE_FILES))
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    count = 0
    for pk in ids:
        with transaction.atomic():
            # Locked and checked again: the owner may have resumed it since the list was read
            # (``job_resume`` locks the row too), and a queued job needs its file.
            job = (
                Job.objects.select_for_update()
                .filter(pk=pk, status__in=FINISHED, finished_at__lt=cutoff)
                .first()
            )
            if job is not None and _purge_job_files(job):
                count += 1
    return count


def files_purge(*, older_than: dt.timedelta) -> int:
    """Everything ``rubrica jobs purge`` (and ``rubrica serve`` at start) removes: the files of
    jobs that ended more than ``older_than`` ago (``jobs_purge_files``, whose count it returns),
    then files no job owns: uploads never imported, as old, and photos kept across a duplicate
    warning and never saved (after a day)."""
    from rubrica.contacts.photo_stash import photo_stash_prune_all
    from rubrica.dataio.importing import import_drafts_purge

    count = jobs_purge_files(older_than=older_than)
    import_drafts_purge(older_than=older_than)
    photo_stash_prune_all()
    return count


def _purge_job_files(job: Job) -> bool:
    removed = False
    if job.output:
        try:
            job.output.storage.delete(job.output.name)
        except OSError:
            logger.exception("could not delete the output file of job %s", job.pk)
            return False
        removed = True
    discard = PRIVATE_FILES.get(job.kind)
    try:
        if discard is not None and import_string(discard)(job):
            removed = True
    except OSError:
        logger.exception("could not delete the private file of job %s", job.pk)
    if removed:
        Job.objects.filter(pk=job.pk).update(
            output="", result={**(job.result or {}), "file_expired": True}
        )
    return removed


def job_file_expired(job: Job) -> bool:
    """Whether ``jobs_purge_files`` removed this job's file."""
    return bool((job.result or {}).get("file_expired"))


def job_output_open(job: Job) -> FieldFile | None:
    """The job's output file opened for reading; None when it expired or is missing from
    storage (the download doors then say "This file has expired", never a 500)."""
    if not job.output:
        return None
    try:
        return job.output.open("rb")
    except FileNotFoundError:
        return None
