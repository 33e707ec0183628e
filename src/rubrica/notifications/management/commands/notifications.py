"""`rubrica notifications`: list yours, mark read, and `tick`: run the scheduler once in the
foreground (reminders, digests, e-mails; what the worker does every minute)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rubrica.accounts.cli import acting_user
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
    invalid,
)
from rubrica.notifications import selectors
from rubrica.notifications.scheduling import tick
from rubrica.notifications.services import notification_mark_read, notifications_mark_all_read


class Command(RubricaCommand):
    help = gettext_lazy("Notifications: list | read | tick.")

    def add_arguments(self, parser: Any) -> None:
        add_acting_user_argument(parser)
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

        def sub(name: str, text: Any) -> Any:
            return actions.add_parser(
                name, help=text, formatter_class=HelpFormatter, epilog=str(EXIT_CODES_HELP)
            )

        listing = sub("list", gettext_lazy("Your latest notifications."))
        listing.add_argument("--unread", action="store_true", help=gettext_lazy("Unread only."))
        read = sub("read", gettext_lazy("Mark one notification read, or --all."))
        read.add_argument("notification", type=int, nargs="?", metavar="ID")
        read.add_argument("--all", action="store_true", help=gettext_lazy("All of them."))
        run = sub("tick", gettext_lazy("Send due reminders, digests and e-mails now."))
        run.add_argument(
            "--now",
            default=None,
            metavar="DATETIME",
            help=gettext_lazy("Act as if it were this moment (ISO 8601 with offset)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "tick":
            self._tick(options)
            return
        user = acting_user(options["as_user"])
        if action == "list":
            rows = list(selectors.inbox(user, unread_only=options["unread"])[:50])
            if options["json"]:
                self.out_json(
                    [
                        {
                            "id": n.pk,
                            "kind": n.kind,
                            "title": n.title,
                            "url": n.url,
                            "created_at": n.created_at.isoformat(),
                            "read": n.is_read,
                        }
                        for n in rows
                    ]
                )
                return
            for n in rows:
                mark = " " if n.is_read else "*"
                self.out(
                    f"{mark} {n.pk}\t{timezone.localtime(n.created_at):%Y-%m-%d %H:%M}\t{n.title}"
                )
            if not rows:
                self.out(_("No notifications."))
            return
        if options["all"]:
            count = notifications_mark_all_read(actor=user)
            self.out(
                ngettext(
                    "%(n)d notification marked read.", "%(n)d notifications marked read.", count
                )
                % {"n": count}
            )
            return
        if options["notification"] is None:
            raise invalid("notification", _("Name a notification or use --all."))
        found = get_or_not_found(
            selectors.inbox(user),
            options["notification"],
            _("no notification %(id)s") % {"id": options["notification"]},
        )
        notification_mark_read(actor=user, notification=found)
        self.out(_("Marked read."))

    def _tick(self, options: dict[str, Any]) -> None:
        now = None
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError:
                raise invalid(
                    "now", _("Enter a date and time such as 2026-12-05T09:00+01:00.")
                ) from None
            if timezone.is_naive(now):
                raise invalid("now", _("Give the time zone offset, e.g. +01:00."))
        done = tick(now=now)
        if options["json"]:
            self.out_json(done)
            return
        for key, count in done.items():
            self.out(f"{key}: {count}")
