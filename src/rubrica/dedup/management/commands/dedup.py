"""`rubrica dedup`: scan for duplicate people, list candidate pairs, dismiss one, rebuild the keys;
`merge A B` and `undo [MERGE_ID]` come from ``rubrica.merges.cli``.

Pairs are listed as the acting user sees them (both people viewable); a scan runs here with a
progress bar unless --background leaves it to the worker.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica import dedup
from rubrica.accounts.cli import acting_user
from rubrica.dedup import selectors, services
from rubrica.dedup.models import PairStatus
from rubrica.dedup.scoring import reason_labels
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    CliError,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
)
from rubrica.merges import cli as merge_cli

EXIT_JOB_FAILED = 5
EPILOG = gettext_lazy(
    "examples:\n"
    "  rubrica dedup scan                 find duplicate candidates now (progress bar)\n"
    "  rubrica dedup scan --background    leave the scan to the worker\n"
    "  rubrica dedup list --json          open pairs you can see, as JSON\n"
    "  rubrica dedup dismiss 42           pair 42 is not a duplicate (kept so by later scans)\n"
    "  rubrica dedup merge 12 34          merge person 34 into person 12 (undoable)\n"
    "  rubrica dedup undo                 undo your last merge\n"
    "  rubrica dedup reindex              rebuild the match keys from scratch\n"
)


class Command(RubricaCommand):
    help = gettext_lazy("Duplicate people: scan | list | dismiss | merge | undo | reindex.")
    epilog = f"{EPILOG}\n{EXIT_CODES_HELP}"

    def add_arguments(self, parser: Any) -> None:
        add_acting_user_argument(parser)
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

        def sub(name: str, text: Any) -> Any:
            action = actions.add_parser(
                name, help=text, formatter_class=HelpFormatter, epilog=str(EXIT_CODES_HELP)
            )
            # Also accepted after the action (`dedup list --json`); SUPPRESS keeps a value given
            # before the action from being reset by the subparser's default.
            action.add_argument(
                "--as",
                dest="as_user",
                metavar="USERNAME",
                default=argparse.SUPPRESS,
                help=gettext_lazy("Act as this user (see above)."),
            )
            action.add_argument(
                "--json",
                action="store_true",
                default=argparse.SUPPRESS,
                help=gettext_lazy("Print JSON."),
            )
            return action

        scan = sub("scan", gettext_lazy("Compare people sharing a key; store candidate pairs."))
        scan.add_argument(
            "--background",
            action="store_true",
            help=gettext_lazy("Queue the scan for the worker and return its job id."),
        )
        listing = sub("list", gettext_lazy("Candidate pairs whose two people you can see."))
        listing.add_argument(
            "--status",
            choices=[choice.value for choice in PairStatus],
            default=PairStatus.OPEN.value,
            help=gettext_lazy("Which pairs (default: open)."),
        )
        listing.add_argument(
            "--limit", type=int, default=50, help=gettext_lazy("At most this many, 1-1000.")
        )
        dismiss = sub("dismiss", gettext_lazy("Mark a pair as not a duplicate."))
        dismiss.add_argument("pair", type=int, metavar="PAIR")
        sub("reindex", gettext_lazy("Rebuild the match keys of every person."))
        merge_cli.add_subcommands(actions)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action in merge_cli.COMMANDS:
            merge_cli.handle(action, options, self)
            return
        if action == "reindex":
            self._reindex()
            return
        user = acting_user(options["as_user"])
        if action == "scan":
            self._scan(user, options)
        elif action == "list":
            self._list(user, options)
        elif action == "dismiss":
            pair = selectors.pair_visible(user, options["pair"])
            if pair is None:
                raise CliError(_("no pair %(id)s") % {"id": options["pair"]})
            pair = services.pair_dismiss(actor=user, pair=pair)
            if options["json"]:
                self.out_json({"id": pair.pk, "status": pair.status})
            else:
                self.out(_("Pair %(id)d dismissed: not a duplicate.") % {"id": pair.pk})

    def _scan(self, user: Any, options: dict[str, Any]) -> None:
        from rubrica.jobs.cli import as_json, run_with_progress, summary
        from rubrica.jobs.models import JobStatus

        job = services.scan_start(actor=user, enqueue=options["background"])
        if not options["background"]:
            job = run_with_progress(job, self)
        if options["json"]:
            self.out_json(as_json(job))
        else:
            self.out(summary(job))
            if job.status == JobStatus.SUCCEEDED:
                result = job.result
                self.out(
                    _(
                        "%(found)d candidate pair(s) from %(blocks)d block(s); "
                        "%(open)d open in all; %(skipped)d oversized block(s) skipped."
                    )
                    % {
                        "found": result.get("pairs_found", 0),
                        "blocks": result.get("blocks", 0),
                        "open": result.get("open_pairs", 0),
                        "skipped": result.get("skipped_blocks", 0),
                    }
                )
        if job.status == JobStatus.FAILED:
            raise CliError(job.error or _("The scan failed."), EXIT_JOB_FAILED)

    def _list(self, user: Any, options: dict[str, Any]) -> None:
        limit = options["limit"]
        if not 1 <= limit <= 1000:
            raise CliError(_("limit: Give a number from 1 to 1000."), 2)
        pairs = list(
            selectors.pairs_visible(user, options["status"]).select_related(
                "contact_a", "contact_b"
            )[:limit]
        )
        if options["json"]:
            self.out_json(
                [
                    {
                        "id": pair.pk,
                        "a": {"id": pair.contact_a_id, "display_name": pair.contact_a.display_name},
                        "b": {"id": pair.contact_b_id, "display_name": pair.contact_b.display_name},
                        "score": pair.score,
                        "reasons": reason_labels(list(pair.reasons)),
                        "reason_codes": list(pair.reasons),
                        "status": pair.status,
                    }
                    for pair in pairs
                ]
            )
            return
        if not pairs:
            self.out(_("No candidate pairs."))
            return
        from rich.table import Table

        table = Table(box=None)
        for heading in (_("pair"), _("score"), _("person"), _("possible duplicate"), _("why")):
            table.add_column(heading)
        for pair in pairs:
            table.add_row(
                str(pair.pk),
                f"{pair.score:.2f}",
                f"{pair.contact_a.display_name} (#{pair.contact_a_id})",
                f"{pair.contact_b.display_name} (#{pair.contact_b_id})",
                ", ".join(reason_labels(list(pair.reasons))),
            )
        self.console().print(table)

    def _reindex(self) -> None:
        with self.progress_bar(_("Indexing")) as report:
            count = dedup.reindex(progress=report)
        self.out(_("Indexed %(count)d people.") % {"count": count})
