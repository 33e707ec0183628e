"""`rubrica log KIND --person ID ... "text"`: log an activity; `rubrica log list --person ID`:
a person's (or an organization's) timeline. Reads start from restrict() through the activity
selectors; writes go through activities.services."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.accounts.models import User
from rubrica.activities.types import ActivityInput
from rubrica.kits.cli.base import RubricaCommand, add_acting_user_argument, get_or_not_found

EPILOG = gettext_lazy(
    "examples:\n"
    '  rubrica log call --person 12 --outcome no-answer "Tried before lunch"\n'
    '  rubrica log meeting --person 12 --person 15 --organization 3 --duration 45 "Kick-off"\n'
    "  rubrica log list --person 12 --kind call --limit 20\n"
    "\n"
    "exit codes:\n"
    "  0  success\n"
    "  1  not found\n"
    "  2  invalid input: one line per field on stderr, nothing was changed\n"
    "  3  permission denied for the acting user"
)


def _lazy(text: str) -> Any:
    """A lazy translation for argparse help (its stubs want str; printed when help is shown)."""
    return gettext_lazy(text)


class Command(RubricaCommand):
    help = gettext_lazy("Log an activity (call, email, meeting...) or list a timeline.")
    epilog = str(EPILOG)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """The text may come after the options (`log call --person 12 "text"`): arguments are
        parsed intermixed."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.parse_args = parser.parse_intermixed_args  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        from rubrica.activities.models import Direction, Kind

        parser.add_argument("kind", choices=[*Kind.values, "list"], metavar="KIND|list")
        parser.add_argument("text", nargs="?", default="", help=_lazy("Notes (Markdown)."))
        parser.add_argument("--person", type=int, action="append", default=[], metavar="ID")
        parser.add_argument("--organization", type=int, action="append", default=[], metavar="ID")
        parser.add_argument("--outcome", help=_lazy("connected, voicemail, no-answer..."))
        parser.add_argument("--direction", choices=[d for d in Direction.values if d])
        parser.add_argument("--at", help=_lazy("When (ISO 8601); default now."))
        parser.add_argument("--duration", help=_lazy("Minutes."))
        parser.add_argument("--subject", default=None)
        parser.add_argument("--private", action="store_true")
        parser.add_argument("--user", action="append", default=[], metavar="USERNAME")
        parser.add_argument("--kind", dest="filter_kind", action="append", default=[])
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--cursor")
        parser.add_argument("--json", action="store_true", help=_lazy("Print JSON."))
        add_acting_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options.get("as_user"))
        if options["kind"] == "list":
            self.do_list(user, options)
        else:
            self.do_log(user, options)

    def do_log(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.activities import services

        data: ActivityInput = {
            "kind": options["kind"],
            "people": options["person"],
            "organizations": options["organization"],
        }
        if options["text"]:
            data["body"] = options["text"]
        if options["outcome"] is not None:
            data["outcome"] = options["outcome"]
        if options["direction"] is not None:
            data["direction"] = options["direction"]
        if options["at"] is not None:
            data["occurred_at"] = options["at"]
        if options["duration"] is not None:
            data["duration_minutes"] = options["duration"]
        if options["subject"] is not None:
            data["subject"] = options["subject"]
        if options["private"]:
            data["private"] = True
        if options["user"]:
            data["users"] = options["user"]
        activity = services.activity_create(actor=user, data=data)
        if options["json"]:
            self.out_json({"id": activity.pk, "occurred_at": activity.occurred_at.isoformat()})
        else:
            self.out(_("Logged activity %(id)d.") % {"id": activity.pk})

    def do_list(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.activities import selectors
        from rubrica.contacts.models import Contact
        from rubrica.core.models import Action
        from rubrica.kits.cli.base import invalid
        from rubrica.organizations.models import Organization

        record: Any
        if options["person"]:
            pk = options["person"][0]
            record = get_or_not_found(
                Contact.objects.restrict(user, Action.VIEW),
                pk,
                _("no person with id %(id)s") % {"id": pk},
            )
        elif options["organization"]:
            pk = options["organization"][0]
            record = get_or_not_found(
                Organization.objects.restrict(user, Action.VIEW),
                pk,
                _("no organization with id %(id)s") % {"id": pk},
            )
        else:
            raise invalid("person", _("Name a person (--person) or an organization."))
        flt, errors = selectors.TimelineFilter.parse({"kind": options["filter_kind"]})
        if errors:
            raise invalid(*next(iter(errors.items())))
        page = selectors.timeline_page(
            user=user,
            record=record,
            flt=flt,
            cursor=options["cursor"],
            size=max(1, min(options["limit"], 200)),
        )
        rows = [
            {
                "id": a.pk,
                "occurred_at": a.occurred_at.isoformat(),
                "kind": a.kind,
                "outcome": a.outcome.name if a.outcome else None,
                "owner": a.owner.username,
                "subject": a.subject,
                "body": a.body,
            }
            for a in page.items
        ]
        if options["json"]:
            self.out_json({"items": rows, "next_cursor": page.next_cursor})
            return
        for activity in page.items:
            lines = activity.body.splitlines()
            text = activity.subject or (lines[0] if lines else "")
            outcome = f" — {activity.outcome.label}" if activity.outcome else ""
            when = activity.occurred_at.isoformat()[:16]
            self.out(
                f"{activity.pk}\t{when}\t{activity.kind}{outcome}\t"
                f"{activity.owner.username}\t{text}"
            )
        if page.next_cursor:
            self.out(_("more: --cursor %(cursor)s") % {"cursor": page.next_cursor})
