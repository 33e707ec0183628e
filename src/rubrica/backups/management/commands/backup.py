"""`rubrica backup`: take a backup (one archive: database, uploaded files, manifest); `backup
list`; `backup verify ARCHIVE`: restore it into a scratch database and check it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.backups.models import Backup
from rubrica.backups.services import backup_start, ensure_backup_administrator, verify_archive
from rubrica.jobs.cli import run_with_progress, summary
from rubrica.jobs.models import JobStatus
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    EXIT_JOB_FAILED,
    CliError,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
)

#: `backup verify` found a problem: the archive must not be trusted.
EXIT_VERIFY_FAILED = 8


class Command(RubricaCommand):
    help = gettext_lazy(
        "Back up the database and uploaded files into one archive (default), list the "
        "backups, or verify an archive by restoring it into a scratch database."
    )

    def add_arguments(self, parser: Any) -> None:
        add_acting_user_argument(parser)
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        parser.add_argument(
            "--background",
            action="store_true",
            help=gettext_lazy("Leave the backup to the worker instead of taking it here."),
        )
        actions = parser.add_subparsers(dest="action", metavar="ACTION")

        def sub(name: str, text: Any) -> Any:
            return actions.add_parser(
                name, help=text, formatter_class=HelpFormatter, epilog=str(EXIT_CODES_HELP)
            )

        sub("list", gettext_lazy("The backups taken, newest first."))
        verify = sub(
            "verify",
            gettext_lazy(
                "Check an archive: checksums, a restore into a scratch database, its "
                "integrity and its rows per table against the manifest (exit code 8 if not)."
            ),
        )
        verify.add_argument("archive", metavar="ARCHIVE")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        if action == "verify":
            self._verify(Path(options["archive"]), options)
            return
        user = acting_user(options["as_user"])
        if action == "list":
            ensure_backup_administrator(user)
            self._list(options)
            return
        job = backup_start(actor=user, enqueue=options["background"])
        if not options["background"]:
            job = run_with_progress(job, self)
        if options["json"]:
            self.out_json({"job": job.pk, "status": job.status, **job.result})
        else:
            self.out(summary(job))
            if job.status == JobStatus.SUCCEEDED:
                self.out(str(Backup.objects.get(pk=job.result["backup"]).path))
        if job.status == JobStatus.FAILED:
            raise CliError(job.error or _("The backup failed."), EXIT_JOB_FAILED)

    def _list(self, options: dict[str, Any]) -> None:
        backups = list(Backup.objects.all()[:200])
        if options["json"]:
            self.out_json(
                [
                    {
                        "id": backup.pk,
                        "file": backup.file_name,
                        "path": str(backup.path),
                        "created_at": backup.created_at.isoformat(),
                        "size": backup.size,
                        "sha256": backup.sha256,
                        "encrypted": backup.encrypted,
                        "scheduled": backup.scheduled,
                        "exists": backup.exists,
                        "verified_ok": backup.verified_ok,
                    }
                    for backup in backups
                ]
            )
            return
        if not backups:
            self.out(_("No backups yet."))
        for backup in backups:
            state = _("on disk") if backup.exists else _("gone")
            verified = {None: _("not verified"), True: _("verified"), False: _("FAILED")}[
                backup.verified_ok
            ]
            self.out(
                f"{backup.created_at:%Y-%m-%d %H:%M} {backup.file_name} "
                f"{backup.size / 1048576:.1f} MB · {state} · {verified}"
            )

    def _verify(self, path: Path, options: dict[str, Any]) -> None:
        if not path.is_file():
            raise CliError(_("no archive %(path)s") % {"path": path})
        with self.progress_bar(_("Verifying")) as bar:
            report = verify_archive(path, on_member=lambda count: bar(count, count))
        if options["json"]:
            self.out_json({"ok": report.ok, "report": report.lines})
        else:
            for line in report.lines:
                self.out(line)
            self.out(_("The archive is sound.") if report.ok else _("The archive FAILED."))
        if not report.ok:
            raise CliError(_("The archive failed verification."), EXIT_VERIFY_FAILED)
