"""`rubrica restore ARCHIVE`: put a backup into a new, empty instance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.backups.databases import RestoreError
from rubrica.backups.services import restore_archive
from rubrica.kits.cli.base import EXIT_CONFLICT, CliError, RubricaCommand


class Command(RubricaCommand):
    help = gettext_lazy(
        "Restore a backup archive into this instance, which must be empty (a new database, "
        "no files): checksums are checked first, then the database and files are put in place."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", metavar="ARCHIVE")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["archive"])
        if not path.is_file():
            raise CliError(_("no archive %(path)s") % {"path": path})
        try:
            manifest = restore_archive(path, report=self.out)
        except RestoreError as exc:
            raise CliError(str(exc), EXIT_CONFLICT) from exc
        self.out(
            _("Restored the backup of %(when)s (Rubrica %(version)s).")
            % {"when": manifest.get("created_at"), "version": manifest.get("app_version")}
        )
