"""`rubrica jobs_worker`: django-tasks-db's ``db_worker``, plus the periodic recovery of jobs
whose process died (``jobs.worker.RecoveryLoop``) with ``--recover-every SECONDS``. ``rubrica
serve`` runs two: one for every queue (with the recovery), one for short interactive jobs."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from rubrica.jobs.worker import RecoveryLoop


class Command(DbWorkerCommand):
    help = str(
        gettext_lazy(
            "Run a background worker (django-tasks-db's db_worker); with --recover-every, also "
            "mark jobs whose process died as failed (resumable), periodically."
        )
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--recover-every",
            type=float,
            default=0.0,
            help=gettext_lazy("Seconds between two recoveries of stuck jobs (0: none)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = float(options.pop("recover_every") or 0)
        loop = RecoveryLoop(interval=every) if every > 0 else None
        if loop is not None:
            loop.start()
        try:
            super().handle(*args, **options)
        finally:
            if loop is not None:
                loop.stop()
