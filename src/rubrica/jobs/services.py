"""Start, run, cancel and resume jobs.

``job_create`` writes the row and, once the transaction commits, asks a worker (Django Tasks) to run
it. ``job_run`` is what the worker calls, and what the CLI calls to run a job in the foreground: it
claims the job, calls the runner of its kind with a :class:`Progress`, and records the outcome
(it lives in ``running``, below ``tasks``, and is named here with ``Progress`` and
``JobCancelled``: this module is the engine's public face).

A runner is ``run(job, progress) -> dict``, registered with its kind by the app it belongs to
(``registry.register_job_kind``). Long runners work in batches, each in its own transaction that
also calls ``progress.checkpoint(...)``; when a run is killed, the job keeps the last committed
checkpoint and ``job_resume`` (or the recovery at worker start) runs it again from there.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.registry import file_sweepers, is_job_kind, job_kind, job_kinds
from rubrica.jobs.running import STALE_AFTER, JobCancelled, Progress, finish, job_run
from rubrica.jobs.tasks import enqueue_job

__all__ = [
    "FINISHED",
    "STALE_AFTER",
    "JobCancelled",
    "Progress",
    "files_purge",
    "job_cancel",
    "job_create",
    "job_file_expired",
    "job_output_open",
    "job_resume",
    "job_run",
    "jobs_purge_files",
    "jobs_recover",
]

logger = logging.getLogger(__name__)


def job_create(
    *,
    actor: User,
    kind: str,
    title: str,
    params: dict[str, Any] | None = None,
    enqueue: bool = True,
) -> Job:
    """Record a job for ``actor``; with ``enqueue`` a worker picks it up after commit."""
    if not is_job_kind(kind):
        raise ValidationError({"kind": _("Unknown kind of job.")})
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Log in to start a job."))
    job = Job.objects.create(kind=kind, title=title[:200], owner=actor, params=params or {})
    if enqueue:
        transaction.on_commit(functools.partial(_enqueue, job.pk, kind))
    return job


def _enqueue(job_id: int, kind: str) -> None:
    enqueue_job(job_id, interactive=job_kind(kind).interactive)


def _owned(actor: User, job: Job) -> Job:
    found = Job.objects.restrict(actor, "change").filter(pk=job.pk).first()
    if found is None:
        raise PermissionDenied(_("You cannot change this job."))
    return found


def job_ensure_can_act(actor: User, job: Job) -> Job:
    """``job`` as stored if ``actor`` may act on it and read its contents (cancel, resume, its
    file, an import's rows: ``JobPolicy``'s change), else PermissionDenied. Seeing a job is not
    enough: at team level a colleague's job shows in the list, its contents do not."""
    return _owned(actor, job)


def job_can_act(actor: User, job: Job) -> bool:
    """Whether ``job_ensure_can_act`` would let ``actor`` through (for the pages' buttons)."""
    return Job.objects.restrict(actor, "change").filter(pk=job.pk).exists()


def job_cancel(*, actor: User, job: Job) -> Job:
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
            finish(locked, JobStatus.CANCELLED)
    return Job.objects.get(pk=job.pk)


def job_resume(*, actor: User, job: Job, enqueue: bool = True) -> Job:
    """Queue a failed or interrupted job again; its runner continues from the checkpoint."""
    job = _owned(actor, job)
    with transaction.atomic():
        # Locked: ``jobs_purge_files`` locks the row too, so a purge either sees the job queued
        # again (and leaves its file) or has marked the file expired before this reads it.
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise ValidationError({"status": _("Only a failed or cancelled job can be resumed.")})
        private = job_kind(job.kind).discard_private_files is not None
        if private and job_file_expired(job):
            raise ValidationError(
                {"status": _("This job's file has expired: it cannot be resumed.")}
            )
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.QUEUED, error="", finished_at=None, cancel_requested=False
        )
    if enqueue:
        transaction.on_commit(functools.partial(_enqueue, job.pk, job.kind))
    return Job.objects.get(pk=job.pk)


def jobs_recover(*, now: dt.datetime | None = None) -> int:
    """Mark running jobs whose process died (stale heartbeat) as failed, saying so; the owner can
    resume them from their checkpoint. Called when the worker starts (``rubrica serve``), every
    minute by the worker itself (``worker.RecoveryLoop``) and by ``rubrica jobs recover``.
    Returns how many were marked."""
    now = now or timezone.now()
    stale = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    count = 0
    for job in stale:
        finish(
            job,
            JobStatus.FAILED,
            error=_("Interrupted: the process running it stopped. Resume to continue."),
        )
        count += 1
    return count


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


def jobs_purge_files(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete the files of jobs that finished more than ``older_than`` ago: output files
    (exports) and the files a kind keeps privately (``JobKind.discard_private_files``: the
    uploads of failed or cancelled imports). The Job rows stay (imports remain revertible,
    reports readable); each job that lost a file gets ``output`` cleared and
    ``result["file_expired"] = True``, which the download views answer with "This file has
    expired". System task (``rubrica jobs purge``, and ``rubrica serve`` at start). Returns how
    many jobs lost a file."""
    now = now or timezone.now()
    cutoff = now - older_than
    old = Job.objects.filter(status__in=FINISHED, finished_at__lt=cutoff)
    private = [kind.key for kind in job_kinds() if kind.discard_private_files is not None]
    candidates = old.exclude(output="") | old.filter(kind__in=private)
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
    then files no job owns, through the sweepers the apps registered (``registry.FileSweeper``):
    uploads never imported, as old, and photos kept across a duplicate warning and never saved
    (after a day)."""
    count = jobs_purge_files(older_than=older_than)
    for sweeper in file_sweepers():
        sweeper.sweep(older_than=older_than)
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
    discard = job_kind(job.kind).discard_private_files
    try:
        if discard is not None and discard(job):
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


def job_output_open(job: Job, *, actor: Any = None) -> FieldFile | None:
    """The job's output file opened for reading; None when it expired or is missing from
    storage (the download doors then say "This file has expired", never a 500). A door that
    hands the file to ``actor`` names them: the download is written to the audit log."""
    if not job.output:
        return None
    try:
        opened: FieldFile = job.output.open("rb")
    except FileNotFoundError:
        return None
    if actor is not None:
        try:
            _owned(actor, job)  # a colleague's job is seen at team level, its file is not
        except PermissionDenied:
            opened.close()
            raise
        audit.record(actor, AuditAction.EXPORT_DOWNLOAD, job, {"kind": job.kind})
    return opened
