"""`rubrica trash purge`: delete for good what has been in the Trash past the retention period.

A door kit command (it lives beside the Trash page's views of ``kits.web``): it knows no domain.

Meant for cron or a systemd timer as well as for hands; `--dry-run` only counts. Every kind the
domains registered as trashable (``core.trash``) is counted and purged; the command names none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rubrica.core.trash import trash_kinds, trash_purge
from rubrica.kits.cli.base import EXIT_CODES_HELP, HelpFormatter, RubricaCommand, invalid


class Command(RubricaCommand):
    help = gettext_lazy("Manage the Trash: purge deletes old records for good.")

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        purge = actions.add_parser(
            "purge",
            help=gettext_lazy("Delete for good what has been in the Trash for N days or more."),
            formatter_class=HelpFormatter,
            epilog=str(EXIT_CODES_HELP),
        )
        purge.add_argument(
            "--days",
            type=int,
            default=None,
            help=gettext_lazy("Age in the Trash, in days. Default: TRASH_RETENTION_DAYS (%(d)s).")
            % {"d": settings.RUBRICA_TRASH_RETENTION_DAYS},
        )
        purge.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("Only count what would go.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is None:
            days = settings.RUBRICA_TRASH_RETENTION_DAYS
        if days < 0:
            raise invalid("days", _("Enter zero or more days."))
        older_than = dt.timedelta(days=days)
        if options["dry_run"]:
            cutoff = timezone.now() - older_than
            count = sum(
                kind.model.trash.filter(deleted_at__lt=cutoff).count() for kind in trash_kinds()
            )
            self.out(
                ngettext(
                    "%(count)d record has been in the Trash for %(days)d days or more; "
                    "nothing was purged (dry run).",
                    "%(count)d records have been in the Trash for %(days)d days or more; "
                    "nothing was purged (dry run).",
                    count,
                )
                % {"count": count, "days": days}
            )
            return
        count = trash_purge(older_than=older_than)
        self.out(
            ngettext(
                "Purged %(count)d record that had been in the Trash for %(days)d days or more.",
                "Purged %(count)d records that had been in the Trash for %(days)d days or more.",
                count,
            )
            % {"count": count, "days": days}
        )
