"""`rubrica jobs`: list, show, wait for, cancel, resume and recover background jobs; `check` runs a
small job through the worker to prove it is alive; `purge` deletes the files of old jobs."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rubrica.accounts.cli import acting_user
from rubrica.accounts.models import User
from rubrica.jobs.cli import as_json, run_with_progress, summary
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import (
    files_purge,
    job_cancel,
    job_create,
    job_resume,
    jobs_recover,
)
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    EXIT_JOB_FAILED,
    CliError,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
    invalid,
)

#: A century: anything longer is a typo (and would overflow the date arithmetic).
MAX_DAYS = 36_500


class Command(RubricaCommand):
    help = gettext_lazy(
        "Background jobs: list | show | wait | cancel | resume | recover | check | purge."
    )

    def add_arguments(self, parser: Any) -> None:
        add_acting_user_argument(parser)
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

        def sub(name: str, text: Any) -> Any:
            return actions.add_parser(
                name, help=text, formatter_class=HelpFormatter, epilog=str(EXIT_CODES_HELP)
            )

        sub("list", gettext_lazy("Your most recent jobs (administrators: everyone's)."))
        for name, text in (
            ("show", gettext_lazy("Status, progress and result of one job.")),
            ("wait", gettext_lazy("Wait until a job ends; exit code 5 if it failed.")),
            ("cancel", gettext_lazy("Stop a queued or running job.")),
            ("resume", gettext_lazy("Run a failed or cancelled job again from its checkpoint.")),
        ):
            action = sub(name, text)
            action.add_argument("job", type=int, metavar="JOB")
            if name == "resume":
                action.add_argument(
                    "--background",
                    action="store_true",
                    help=gettext_lazy("Leave it to the worker instead of running it here."),
                )
        sub("recover", gettext_lazy("Mark jobs whose process died as failed (resumable)."))
        purge = sub(
            "purge",
            gettext_lazy(
                "Delete the files (exports, uploads of unfinished imports) of jobs that ended "
                "DAYS ago or more; the jobs themselves stay."
            ),
        )
        purge.add_argument(
            "--older-than",
            type=int,
            default=None,
            metavar="DAYS",
            help=gettext_lazy("Default: RUBRICA_JOB_FILES_DAYS (%(d)s).")
            % {"d": settings.RUBRICA_JOB_FILES_DAYS},
        )
        check = sub("check", gettext_lazy("Run a small job to check that jobs work."))
        check.add_argument(
            "--background",
            action="store_true",
            help=gettext_lazy("Queue it for the worker and wait for it (checks the worker)."),
        )
        check.add_argument("--timeout", type=float, default=30.0, help=gettext_lazy("Seconds."))

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        action = options["action"]
        visible = Job.objects.restrict(user, "view").select_related("owner")
        if action == "list":
            jobs = list(visible[:50])
            if options["json"]:
                self.out_json([as_json(job) for job in jobs])
            else:
                for job in jobs:
                    self.out(summary(job))
                if not jobs:
                    self.out(_("No jobs."))
            return
        if action == "recover":
            count = jobs_recover()
            self.out(
                ngettext(
                    "%(count)d interrupted job marked as failed.",
                    "%(count)d interrupted jobs marked as failed.",
                    count,
                )
                % {"count": count}
            )
            return
        if action == "check":
            self._check(user, options)
            return
        if action == "purge":
            self._purge(options)
            return
        job = get_or_not_found(visible, options["job"], _("no job %(id)s") % {"id": options["job"]})
        if action == "cancel":
            job = job_cancel(actor=user, job=job)
        elif action == "resume":
            job = job_resume(actor=user, job=job, enqueue=options["background"])
            if not options["background"]:
                job = run_with_progress(job, self)
        elif action == "wait":
            job = self._wait(job, timeout=None)
        self._show(job, options)
        if action in ("wait", "resume") and job.status == JobStatus.FAILED:
            raise CliError(job.error or _("The job failed."), EXIT_JOB_FAILED)

    def _purge(self, options: dict[str, Any]) -> None:
        days = options["older_than"]
        if days is None:
            days = settings.RUBRICA_JOB_FILES_DAYS
        if not 0 <= days <= MAX_DAYS:
            raise invalid(
                "older-than", _("Enter a number of days from 0 to %(max)d.") % {"max": MAX_DAYS}
            )
        count = files_purge(older_than=dt.timedelta(days=days))
        if options["json"]:
            self.out_json({"purged": count, "days": days})
            return
        self.out(
            ngettext(
                "Deleted the files of %(count)d job that ended %(days)d days ago or more.",
                "Deleted the files of %(count)d jobs that ended %(days)d days ago or more.",
                count,
            )
            % {"count": count, "days": days}
        )

    def _show(self, job: Job, options: dict[str, Any]) -> None:
        if options["json"]:
            self.out_json(as_json(job))
        else:
            self.out(summary(job))

    def _wait(self, job: Job, *, timeout: float | None) -> Job:
        started = time.monotonic()
        while job.is_active:
            if timeout is not None and time.monotonic() - started > timeout:
                raise CliError(
                    _("Job %(id)d did not finish within %(seconds)d s: is the worker running?")
                    % {"id": job.pk, "seconds": timeout}
                )
            time.sleep(0.5)
            job.refresh_from_db()
        return job

    def _check(self, user: User, options: dict[str, Any]) -> None:
        job = job_create(
            actor=user,
            kind="selftest",
            title=_("Check that jobs run"),
            params={"steps": 10, "batch": 5},
            enqueue=options["background"],
        )
        if options["background"]:
            job = self._wait(job, timeout=options["timeout"])
        else:
            job = run_with_progress(job, self)
        self._show(job, options)
        if job.status != JobStatus.SUCCEEDED:
            raise CliError(job.error or _("The job did not succeed."), EXIT_JOB_FAILED)
