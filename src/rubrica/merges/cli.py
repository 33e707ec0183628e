"""`rubrica dedup merge A B` and `rubrica dedup undo [MERGE_ID]`: the merge door of the CLI.

The `dedup` command owns the program; this app registers the two actions with it
(``merges.apps``, ``rubrica.dedup.registry.CliActions``): the command calls ``add_subcommands``
with its sub-parsers, hands the two actions to ``handle`` and shows ``DEDUP_EXAMPLES`` in its
help. Both only translate: people are read through restrict() (an id the acting user cannot see
is "not found") and the work is done by merges.services.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.accounts.models import User
from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.services import ConflictError
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    EXIT_CONFLICT,
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    EXIT_PERMISSION,
    CliError,
    HelpFormatter,
    RubricaCommand,
    invalid,
    validation_lines,
)
from rubrica.merges.models import Merge
from rubrica.merges.selectors import merge_summary, merge_visible_qs
from rubrica.merges.services import BOTH, MERGED, SURVIVOR, contact_merge, contact_unmerge

COMMANDS = ("merge", "undo")
#: The lines of `rubrica dedup --help`'s examples that show the two actions.
DEDUP_EXAMPLES = gettext_lazy(
    "  rubrica dedup merge 12 34          merge person 34 into person 12 (undoable)\n"
    "  rubrica dedup undo                 undo your last merge\n"
)
SIDES = {"a": SURVIVOR, "b": MERGED, "both": BOTH}

MERGE_EPILOG = gettext_lazy(
    "A is kept; B goes to the Trash and its links (organizations, ...) move to A.\n"
    "Lists (emails, phones, addresses, tags...) are combined without duplicates. A single\n"
    "value keeps A's, or B's where A has none; --keep FIELD=b takes B's instead\n"
    "(FIELD may be custom_fields.KEY); --keep notes=both keeps both notes.\n"
    "Undo with `rubrica dedup undo`.\n"
    "\n"
    "examples:\n"
    "  rubrica dedup merge 12 34\n"
    "  rubrica dedup merge 12 34 --keep title=b --keep custom_fields.size=b --json\n"
)


def _add_common(parser: Any) -> None:
    # SUPPRESS: when the parent command defines the same options, its values stay.
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        default=argparse.SUPPRESS,
        help=gettext_lazy("Act as this user (default: $RUBRICA_USER, else the first admin)."),
    )
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help=gettext_lazy("Print JSON.")
    )


def add_subcommands(subparsers: Any) -> None:
    """Add `merge` and `undo` to the sub-parsers of a command."""
    merge = subparsers.add_parser(
        "merge",
        help=gettext_lazy("Merge person B into person A (undoable)."),
        description=gettext_lazy("Merge person B into person A (undoable)."),
        formatter_class=HelpFormatter,
        epilog=f"{MERGE_EPILOG}\n{EXIT_CODES_HELP}",
    )
    merge.add_argument("a", metavar="A", help=gettext_lazy("Id of the person kept."))
    merge.add_argument("b", metavar="B", help=gettext_lazy("Id of the person merged into A."))
    merge.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="FIELD=a|b",
        help=gettext_lazy("Which side's value to keep for a field; repeat for several."),
    )
    _add_common(merge)
    undo = subparsers.add_parser(
        "undo",
        help=gettext_lazy("Undo a merge (default: your latest one not yet undone)."),
        description=gettext_lazy("Undo a merge (default: your latest one not yet undone)."),
        formatter_class=HelpFormatter,
        epilog=str(EXIT_CODES_HELP),
    )
    undo.add_argument("merge_id", nargs="?", metavar="MERGE_ID")
    _add_common(undo)


def _id(value: Any, field: str) -> int:
    from rubrica.core.ids import parse_id

    parsed = parse_id(value)
    if parsed is None:
        raise invalid(field, _("Enter a record id (a positive whole number)."))
    return parsed


def _person(user: User, pk: int) -> Contact:
    contact = Contact.objects.restrict(user, Action.VIEW).filter(pk=pk).first()
    if contact is None:
        raise CliError(_("no person with id %(id)s") % {"id": pk}, EXIT_NOT_FOUND)
    return contact


def parse_keep(items: list[str]) -> dict[str, str]:
    choices: dict[str, str] = {}
    for item in items:
        name, sep, side = item.partition("=")
        name, side = name.strip(), side.strip().lower()
        if not sep or not name or side not in SIDES:
            raise CliError(
                _("keep: write FIELD=a, FIELD=b or notes=both, not %(item)r.") % {"item": item},
                EXIT_INVALID,
            )
        choices[name] = SIDES[side]
    return choices


def handle(command: str, options: dict[str, Any], cmd: RubricaCommand) -> None:
    """Run `merge` or `undo` for the acting user; errors become CliError with exit codes."""
    try:
        _handle(command, options, cmd)
    except ValidationError as exc:
        raise CliError(validation_lines(exc), EXIT_INVALID) from exc
    except PermissionDenied as exc:
        raise CliError(str(exc) or _("You may not do this."), EXIT_PERMISSION) from exc
    except ConflictError as exc:
        raise CliError(str(exc), EXIT_CONFLICT) from exc


def _handle(command: str, options: dict[str, Any], cmd: RubricaCommand) -> None:
    user = acting_user(options.get("as_user"))
    as_json = bool(options.get("json"))
    if command == "merge":
        a, b = _id(options["a"], "A"), _id(options["b"], "B")
        choices = parse_keep(options.get("keep") or [])
        survivor, merged = _person(user, a), _person(user, b)
        merge = contact_merge(actor=user, survivor=survivor, merged=merged, choices=choices)
        merge = merge_visible_qs(user).select_related("actor", "undone_by").get(pk=merge.pk)
        if as_json:
            cmd.out_json(merge_summary(merge))
        else:
            cmd.out(
                _("Merged #%(b)d %(merged)s into #%(a)d %(survivor)s (merge %(id)d).")
                % {
                    "a": a,
                    "b": b,
                    "merged": merge.merged_name,
                    "survivor": merge.survivor_name,
                    "id": merge.pk,
                }
            )
            cmd.out(_("Undo with: rubrica dedup undo %(id)d") % {"id": merge.pk})
        return
    if command == "undo":
        visible = merge_visible_qs(user).select_related("actor", "undone_by")
        found: Merge | None
        if options.get("merge_id") in (None, ""):
            found = visible.filter(actor=user, undone_at__isnull=True).first()
            if found is None:
                raise CliError(_("You have no merge to undo."), EXIT_NOT_FOUND)
        else:
            pk = _id(options["merge_id"], "MERGE_ID")
            found = visible.filter(pk=pk).first()
            if found is None:
                raise CliError(_("no merge with id %(id)s") % {"id": pk}, EXIT_NOT_FOUND)
        contact_unmerge(actor=user, merge=found)
        found = visible.get(pk=found.pk)
        if as_json:
            cmd.out_json(merge_summary(found))
        else:
            cmd.out(
                _("Merge %(id)d undone: #%(b)s %(merged)s and #%(a)s %(survivor)s are separate.")
                % {
                    "id": found.pk,
                    "a": found.survivor_id,
                    "b": found.merged_id,
                    "merged": found.merged_name,
                    "survivor": found.survivor_name,
                }
            )
        return
    raise CliError(_("unknown action %(name)s") % {"name": command}, EXIT_INVALID)
