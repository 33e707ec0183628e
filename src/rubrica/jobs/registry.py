"""The job kinds and file sweepers: what the jobs engine runs, filled in by the apps above it.

The engine knows no feature. Each app that runs long work registers its kinds from its
``AppConfig.ready()`` (one ``register_job_kind(JobKind(...))`` call per kind: the imports in
``rubrica.dataio.apps``, the duplicate scan in ``rubrica.dedup.apps``...), and each app that
keeps files no job owns registers a ``FileSweeper`` that ``files_purge`` runs. ``job_create``,
``job_run``, ``job_resume`` and ``jobs_purge_files`` read this table only. A kind is looked up by
its key (``Job.kind``); a kind nobody registered fails loudly (``ImproperlyConfigured``) rather
than leaving a job queued for ever or its files on disk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from rubrica.core.registry import Registry

if TYPE_CHECKING:
    from rubrica.jobs.models import Job
    from rubrica.jobs.running import Progress

#: ``run(job, progress) -> result``: a long runner works in checkpointed batches (see
#: ``rubrica.jobs.running``); the result is stored on the job.
Runner = Callable[["Job", "Progress"], dict[str, Any]]


class Sweep(Protocol):
    """``sweep(older_than=...)``: delete the files at least that old (or by the app's own age
    rule) and return how many went."""

    def __call__(self, *, older_than: dt.timedelta) -> int: ...


@dataclass(frozen=True)
class JobKind:
    """One kind of job.

    ``key``: the ``Job.kind`` value. ``run``: the runner. ``on_success``: what to do once a job
    of this kind has succeeded and its status is recorded (``hook(job)``; a failing hook is
    logged and never fails the job). ``discard_private_files``: deletes the files the kind keeps
    outside ``Job.output`` (an import's upload) once the job is old (``jobs_purge_files``);
    True when a file was removed. A kind with one may not be resumed once it was purged.
    ``interactive``: short work someone waits for (an export, a report): queued on
    ``tasks.INTERACTIVE_QUEUE``, which a second worker runs, so that it never waits behind
    an import, a revert or a full scan. ``grant_entity``: the grant entity (``core.policies``)
    whose view level decides who sees jobs of this kind (``JobPolicy``); None keeps them their
    owner's and the administrators'."""

    key: str
    run: Runner
    on_success: Callable[[Job], object] | None = None
    discard_private_files: Callable[[Job], bool] | None = None
    interactive: bool = False
    grant_entity: str | None = None


@dataclass(frozen=True)
class FileSweeper:
    """Files an app keeps that no job owns (uploads never imported, photos stashed across a
    duplicate warning), removed by ``files_purge`` (``rubrica jobs purge``, ``rubrica serve``
    at start) with ``sweep(older_than=...)``, in registration order after the files of old
    jobs."""

    key: str
    sweep: Sweep


#: The job kinds and the file sweepers by key; tests use ``JOB_KINDS.isolated()`` and
#: ``FILE_SWEEPERS.isolated()`` for tables of their own.
JOB_KINDS: Registry[JobKind] = Registry(
    "job kind",
    key=lambda kind: kind.key,
    hint="its app registers it from AppConfig.ready() with "
    "rubrica.jobs.registry.register_job_kind()",
)
FILE_SWEEPERS: Registry[FileSweeper] = Registry("file sweeper", key=lambda sweeper: sweeper.key)


def register_job_kind(kind: JobKind) -> None:
    """Make a kind of job runnable; called once per kind by its app's ``AppConfig.ready()``.
    Registering the same entry again is harmless (``ready()`` may run twice); a different entry
    under a key already taken is refused, so two apps cannot silently fight over a kind."""
    JOB_KINDS.register(kind)


def register_file_sweeper(sweeper: FileSweeper) -> None:
    """Add a sweeper to ``files_purge`` (from an ``AppConfig.ready()``); same rules as
    ``register_job_kind``."""
    FILE_SWEEPERS.register(sweeper)


def is_job_kind(key: str) -> bool:
    """Whether a kind ``key`` is registered (``job_create`` refuses others as user input)."""
    return key in JOB_KINDS


def job_kind(key: str) -> JobKind:
    """The registered kind ``key``; ImproperlyConfigured names the registered ones when it is
    missing."""
    return JOB_KINDS.get(key)


def job_kinds() -> tuple[JobKind, ...]:
    """Every registered kind, in registration order (the order of INSTALLED_APPS)."""
    return JOB_KINDS.entries()


def file_sweepers() -> tuple[FileSweeper, ...]:
    """Every registered sweeper, in registration order (the order of INSTALLED_APPS)."""
    return FILE_SWEEPERS.entries()
