"""`rubrica segments list|show|create|delete|add|remove`: segments from the shell.

Reads start from the segment selectors (so `--as` sees exactly the segments, and the people in
them, that this user sees in the web UI); writes go through segments.services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.core.models import Visibility
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
    invalid,
)
from rubrica.segments.types import SegmentInput

if TYPE_CHECKING:
    from rubrica.accounts.models import User
    from rubrica.segments.models import Segment

CREATE_EPILOG = gettext_lazy(
    "filters of a saved search (--filter key=value, repeatable), as for `contacts list`:\n"
    "  q=TEXT  tag=NAME|ID  stage=NAME|ID  owner=USERNAME|ID  team=NAME|ID  organization=ID\n"
    "  city=TEXT  country=TEXT  has_email=true|false  has_phone=true|false\n"
    "  created_from/created_to/updated_from/updated_to=YYYY-MM-DD  cf_KEY=VALUE\n"
    "\n"
    "examples:\n"
    "  rubrica segments create 'Milan VIPs' --filter tag=VIP --filter city=Milano\n"
    "  rubrica segments create 'Invite list' --static --visibility team --team Sales\n"
    "  rubrica segments add 7 12 15 18\n"
)


def _segment_not_found(pk: int) -> str:
    return _("no segment with id %(id)s") % {"id": pk}


class Command(RubricaCommand):
    help = gettext_lazy("Work with segments: list, show, create, delete, add, remove, send.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

        # Any: argparse's stubs take help texts as str, and these are lazy translations.
        def sub(name: str, help_text: Any, epilog: Any = None) -> Any:
            sub_parser = actions.add_parser(
                name,
                help=help_text,
                description=help_text,
                formatter_class=HelpFormatter,
                epilog=f"{epilog}\n{EXIT_CODES_HELP}" if epilog else str(EXIT_CODES_HELP),
            )
            add_acting_user_argument(sub_parser)
            return sub_parser

        listing = sub("list", gettext_lazy("List the segments you may see, with their counts."))
        listing.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        show = sub("show", gettext_lazy("Show a segment and a page of its people."))
        show.add_argument("id", type=int)
        show.add_argument(
            "--limit", type=int, default=50, help=gettext_lazy("People per page, 1-200.")
        )
        show.add_argument(
            "--cursor", help=gettext_lazy("Continue from a page (next_cursor of the last one).")
        )
        show.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        create = sub("create", gettext_lazy("Create a segment."), CREATE_EPILOG)
        create.add_argument("name")
        create.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=gettext_lazy("A filter of a saved search (see below); repeat for several."),
        )
        create.add_argument(
            "--static",
            action="store_true",
            help=gettext_lazy("A saved selection (add people with `segments add`)."),
        )
        create.add_argument("--description", default="")
        create.add_argument(
            "--visibility", choices=Visibility.values, help=gettext_lazy("Default: private.")
        )
        create.add_argument("--team", help=gettext_lazy("Team name or id to share with."))
        create.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        delete = sub("delete", gettext_lazy("Delete a segment (the people are not touched)."))
        delete.add_argument("id", type=int)

        for name, help_text in (
            ("add", gettext_lazy("Add people to a saved selection.")),
            ("remove", gettext_lazy("Remove people from a saved selection.")),
        ):
            members = sub(name, help_text)
            members.add_argument("id", type=int)
            members.add_argument("contacts", type=int, nargs="+", metavar="PERSON_ID")

        send = sub(
            "send",
            gettext_lazy(
                "E-mail the people of a segment: one message each, queued for the worker; "
                "people who cannot be written to are skipped and listed with the reason."
            ),
        )
        send.add_argument("id", type=int)
        send.add_argument("--subject", default="", help=gettext_lazy("Merge fields allowed."))
        send.add_argument("--body", default="", help=gettext_lazy("Merge fields allowed."))
        send.add_argument(
            "--template",
            type=int,
            help=gettext_lazy("A mail template's id (its subject and body)."),
        )
        send.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext_lazy("Only say how many would receive it and who is skipped."),
        )
        send.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options.get("as_user"))
        handler = getattr(self, f"do_{options['action']}")
        handler(user, options)

    def _segment(self, user: User, pk: int) -> Segment:
        from rubrica.segments.selectors import segment_qs

        return get_or_not_found(segment_qs(user), pk, _segment_not_found(pk))

    # list / show ----------------------------------------------------------------------------

    def do_list(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.segments.selectors import segment_count, segment_qs

        segments = list(segment_qs(user).order_by("name", "id")[:1000])
        rows = []
        for segment in segments:
            count = segment_count(user, segment)
            rows.append(
                {**segment_row(segment), "count": count.value, "count_capped": count.capped}
            )
        if options["json"]:
            self.out_json(rows)
            return
        from rich.table import Table

        console = self.console()
        if not rows:
            console.print(_("No segments."))
            return
        table = Table(show_edge=False, pad_edge=False, header_style="bold")
        for heading in (_("ID"), _("Name"), _("Kind"), _("Shared with"), _("People"), _("Owner")):
            table.add_column(heading, overflow="fold")
        for row in rows:
            table.add_row(
                str(row["id"]),
                row["name"],
                row["kind"],
                row["visibility"] + (f" ({row['team']})" if row["team"] else ""),
                f"{row['count']:,}" + ("+" if row["count_capped"] else ""),
                row["owner"],
            )
        console.print(table)

    def do_show(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.contacts.cli import list_row
        from rubrica.contacts.filters import ContactFilter
        from rubrica.organizations.selectors import visible_organization_ids
        from rubrica.segments.selectors import segment_contact_list, segment_count

        segment = self._segment(user, options["id"])
        if not 1 <= options["limit"] <= 200:
            raise invalid("limit", _("Choose a number from 1 to 200."))
        flt, _errors = ContactFilter.parse({})
        page = segment_contact_list(
            user=user, segment=segment, flt=flt, cursor=options["cursor"], size=options["limit"]
        )
        count = segment_count(user, segment)
        visible = visible_organization_ids(user, (c.organization_id for c in page.items))
        people = [list_row(contact, visible) for contact in page.items]
        if options["json"]:
            self.out_json(
                {
                    **segment_row(segment),
                    "count": count.value,
                    "count_capped": count.capped,
                    "items": people,
                    "next_cursor": page.next_cursor,
                    "prev_cursor": page.prev_cursor,
                }
            )
            return
        from rich.table import Table

        console = self.console()
        info = Table(show_header=False, box=None, pad_edge=False)
        info.add_column(style="bold")
        info.add_column(overflow="fold")
        data = segment_row(segment)
        info.add_row(_("ID"), str(data["id"]))
        info.add_row(_("Name"), data["name"])
        if data["description"]:
            info.add_row(_("Description"), data["description"])
        info.add_row(_("Kind"), data["kind"])
        for key, value in data["filters"].items():
            shown = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            info.add_row(_("Filter"), f"{key}={shown}")
        info.add_row(_("Owner"), data["owner"])
        info.add_row(
            _("Shared with"), data["visibility"] + (f" ({data['team']})" if data["team"] else "")
        )
        info.add_row(_("People"), str(count))
        console.print(info)
        if not people:
            console.print(_("No people in this segment that you may see."))
            return
        table = Table(show_edge=False, pad_edge=False, header_style="bold")
        for heading in (_("ID"), _("Name"), _("Email"), _("Phone"), _("City"), _("Tags")):
            table.add_column(heading, overflow="fold")
        for row in people:
            table.add_row(
                str(row["id"]),
                row["display_name"],
                row["email"],
                row["phone"],
                row["city"],
                ", ".join(row["tags"]),
            )
        console.print(table)
        if page.next_cursor:
            self.out(_("More: add --cursor %(cursor)s") % {"cursor": page.next_cursor})

    # create / delete / members ----------------------------------------------------------------

    def do_create(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.contacts.cli import filter_params, resolve_named_filters
        from rubrica.segments.services import segment_create

        params = filter_params(options["filter"])
        if options["static"] and params:
            raise invalid("filter", _("A saved selection (--static) has members, not filters."))
        resolve_named_filters(params)
        data: SegmentInput = {
            "name": options["name"],
            "description": options["description"],
            "kind": "static" if options["static"] else "dynamic",
        }
        if params:
            data["filters"] = {key: values for key, values in params.items()}
        if options["visibility"]:
            data["visibility"] = options["visibility"]
        if options["team"]:
            data["team"] = options["team"]
        segment = segment_create(actor=user, data=data)
        if options["json"]:
            self.out_json(segment_row(segment))
            return
        self.out(
            _("Created segment %(name)s (id %(id)d).") % {"name": segment.name, "id": segment.pk}
        )

    def do_delete(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.segments.services import segment_delete

        segment = self._segment(user, options["id"])
        segment_delete(actor=user, segment=segment)
        self.out(
            _("Deleted segment %(name)s (id %(id)d).") % {"name": segment.name, "id": segment.pk}
        )

    def do_add(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.segments.services import segment_add_members

        segment = self._segment(user, options["id"])
        count = segment_add_members(actor=user, segment=segment, contacts=options["contacts"])
        self.out(_("Added %(count)d to %(name)s.") % {"count": count, "name": segment.name})

    def do_remove(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.segments.services import segment_remove_members

        segment = self._segment(user, options["id"])
        count = segment_remove_members(actor=user, segment=segment, contacts=options["contacts"])
        self.out(_("Removed %(count)d from %(name)s.") % {"count": count, "name": segment.name})

    def do_send(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.segments.services import segment_recipients, segment_send

        segment = self._segment(user, options["id"])
        if options["dry_run"]:
            queued, check = 0, segment_recipients(user, segment)
        else:
            queued, check = segment_send(
                actor=user,
                segment=segment,
                subject=options["subject"],
                body=options["body"],
                template_id=options["template"],
            )
        skipped = [
            {"contact": contact.pk, "name": contact.display_name, "reason": reason}
            for contact, reason in check.skipped
        ]
        if options["json"]:
            self.out_json({"sendable": len(check.sendable), "queued": queued, "skipped": skipped})
            return
        if options["dry_run"]:
            self.out(
                _("%(name)s: can be written to: %(count)d; skipped: %(skipped)d.")
                % {"count": len(check.sendable), "name": segment.name, "skipped": len(skipped)}
            )
        else:
            self.out(
                _("%(name)s: e-mails queued: %(count)d; skipped: %(skipped)d.")
                % {"count": queued, "name": segment.name, "skipped": len(skipped)}
            )
        for row in skipped:
            self.out(f"  {row['contact']}\t{row['reason']}")


def segment_row(segment: Segment) -> dict[str, Any]:
    """A segment as the CLI prints it in JSON."""
    return {
        "id": segment.pk,
        "name": segment.name,
        "description": segment.description,
        "kind": segment.kind,
        "filters": segment.filters,
        "owner": segment.owner.username,
        "team": segment.team.name if segment.team else None,
        "visibility": segment.visibility,
        "version": segment.version,
    }
