"""`rubrica share list|add|remove`: the shares of one record from the shell.

The record is read through restrict() as the acting user (an id they may not see is "not found",
exit 1); adding and removing go through sharing.services (exit 3 when the acting user may not
share the record, exit 2 naming the field for a bad grantee or level).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.accounts.models import Team, User
from rubrica.core.ids import parse_id
from rubrica.core.policies import Action
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    EXIT_NOT_FOUND,
    CliError,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
    invalid,
)
from rubrica.sharing import selectors, services
from rubrica.sharing.models import ShareLevel
from rubrica.sharing.registry import SHAREABLE_KINDS, shareable_kind

if TYPE_CHECKING:
    from rubrica.sharing.models import RecordShare
    from rubrica.sharing.types import ShareInput

EPILOG = gettext_lazy(
    "examples:\n"
    "  rubrica share add contacts 12 --user carl --level write\n"
    "  rubrica share add organizations 3 --team Sales\n"
    "  rubrica share list contacts 12 --json\n"
    "  rubrica share remove contacts 12 5\n"
)


def share_row(share: RecordShare) -> dict[str, Any]:
    return {
        "id": share.pk,
        "grantee_type": "user" if share.user_id is not None else "team",
        "grantee": share.grantee_name,
        "level": share.level,
        "shared_by": share.shared_by.get_username() if share.shared_by else None,
        "shared_at": share.shared_at.isoformat(),
    }


class Command(RubricaCommand):
    help = gettext_lazy("Share one record with a user or a team: list, add, remove.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        kinds = [kind.key for kind in SHAREABLE_KINDS]

        def sub(name: str, help_text: Any) -> Any:
            sub_parser = actions.add_parser(
                name,
                help=help_text,
                description=help_text,
                formatter_class=HelpFormatter,
                epilog=f"{EPILOG}\n{EXIT_CODES_HELP}",
            )
            add_acting_user_argument(sub_parser)
            sub_parser.add_argument("kind", choices=kinds)
            sub_parser.add_argument("id", type=int)
            return sub_parser

        listing = sub("list", gettext_lazy("Whom the record is shared with."))
        listing.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        add = sub("add", gettext_lazy("Share the record (again: change the level)."))
        grantee = add.add_mutually_exclusive_group(required=True)
        grantee.add_argument("--user", help=gettext_lazy("A user's username or id."))
        grantee.add_argument("--team", help=gettext_lazy("A team's name or id."))
        add.add_argument(
            "--level",
            choices=ShareLevel.values,
            default=ShareLevel.READ,
            help=gettext_lazy("read: view; write: view and change (never delete)."),
        )
        add.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        remove = sub("remove", gettext_lazy("Stop sharing the record with one grantee."))
        remove.add_argument("share", type=int, metavar="SHARE_ID")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options.get("as_user"))
        kind = shareable_kind(options["kind"])
        visible = kind.model.objects.restrict(user, Action.VIEW)  # type: ignore[attr-defined]
        record = get_or_not_found(
            visible, options["id"], _("no %(kind)s with id %(id)s") % {**options}
        )
        getattr(self, f"do_{options['action']}")(user, record, options)

    def do_list(self, user: User, record: Any, options: dict[str, Any]) -> None:
        rows = [share_row(share) for share in selectors.shares_of(record)]
        if options["json"]:
            self.out_json(rows)
            return
        if not rows:
            self.out(_("Not shared with anyone in particular."))
            return
        for row in rows:
            self.out(f"{row['id']}\t{row['grantee_type']}\t{row['grantee']}\t{row['level']}")

    def do_add(self, user: User, record: Any, options: dict[str, Any]) -> None:
        data: ShareInput = {"level": options["level"]}
        if options["user"] is not None:
            raw = options["user"]
            found = User.objects.filter(username__iexact=raw).first()
            number = found.pk if found is not None else parse_id(raw)
            if number is None:
                raise invalid("user", _("There is no active user with this id."))
            data["user"] = number
        else:
            raw = options["team"]
            team = Team.objects.filter(name__iexact=raw).first()
            number = team.pk if team is not None else parse_id(raw)
            if number is None:
                raise invalid("team", _("There is no team with this id."))
            data["team"] = number
        share = services.share_add(actor=user, record=record, data=data)
        if options["json"]:
            self.out_json(share_row(share))
        else:
            self.out(_("Shared with %(name)s.") % {"name": share.grantee_name})

    def do_remove(self, user: User, record: Any, options: dict[str, Any]) -> None:
        try:
            services.share_remove(actor=user, record=record, share_id=options["share"])
        except LookupError:
            raise CliError(
                _("no share with id %(id)s on this record") % {"id": options["share"]},
                EXIT_NOT_FOUND,
            ) from None
        self.out(_("No longer shared."))
