"""`rubrica dedup`: scan for duplicate people, list candidate pairs, dismiss one, rebuild the keys;
the actions merging adds (`merge A B` and `undo [MERGE_ID]`, from ``rubrica.merges``) are those it
registered (``registry.Merging.cli``).

Pairs are listed as the acting user sees them (both people viewable); a scan runs here with a
progress bar unless --background leaves it to the worker.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica import dedup
from rubrica.accounts.cli import acting_user
from rubrica.accounts.models import User
from rubrica.dedup import registry, selectors, services
from rubrica.dedup.linkage import TIER_LABELS
from rubrica.dedup.models import PairStatus
from rubrica.dedup.scoring import reason_labels, visible_reasons
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    CliError,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
)

EXIT_JOB_FAILED = 5
EXAMPLES = gettext_lazy(
    "examples:\n"
    "  rubrica dedup scan                 find duplicate candidates now (progress bar)\n"
    "  rubrica dedup scan --background    leave the scan to the worker\n"
    "  rubrica dedup list --json          open pairs to review (sure, likely), as JSON\n"
    "  rubrica dedup list --tier possible --limit 100 --offset 100\n"
    "                                     the second hundred of the possible pairs\n"
    "  rubrica dedup list --limit 0 --json  every open pair to review, however many\n"
    "  rubrica dedup dismiss 42           pair 42 is not a duplicate (kept so by later scans)\n"
)
REINDEX_EXAMPLE = gettext_lazy(
    "  rubrica dedup reindex              rebuild the match keys from scratch\n"
)


def _added() -> registry.CliActions | None:
    """The actions another app added to the command (merging's `merge` and `undo`), if any."""
    merging = registry.merging()
    return merging.cli if merging is not None else None


class Command(RubricaCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        # The help names the actions added at start-up, so it is written when it is shown.
        added = _added()
        names = ["scan", "list", "dismiss", *(added.names if added else ()), "reindex"]
        self.help = _("Duplicate people: %(actions)s.") % {"actions": " | ".join(names)}
        examples = f"{EXAMPLES}{added.examples if added else ''}{REINDEX_EXAMPLE}"
        self.epilog = f"{examples}\n{EXIT_CODES_HELP}"
        return super().create_parser(prog_name, subcommand, **kwargs)

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
            "--tier",
            choices=list(selectors.TIER_VIEWS),
            default=selectors.DEFAULT_VIEW,
            help=gettext_lazy(
                "review (default: sure and likely pairs), sure, likely, possible, or all."
            ),
        )
        listing.add_argument(
            "--limit",
            type=int,
            default=50,
            help=gettext_lazy("At most this many (default 50; 0: all of them)."),
        )
        listing.add_argument(
            "--offset",
            type=int,
            default=0,
            help=gettext_lazy("Skip this many first (paging: --offset 50 is the second page)."),
        )
        dismiss = sub("dismiss", gettext_lazy("Mark a pair as not a duplicate."))
        dismiss.add_argument("pair", type=int, metavar="PAIR")
        sub("reindex", gettext_lazy("Rebuild the match keys of every person."))
        added = _added()
        if added is not None:
            added.add_subcommands(actions)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        added = _added()
        if added is not None and action in added.names:
            added.handle(action, options, self)
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

    def _scan(self, user: User, options: dict[str, Any]) -> None:
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
                tiers = result.get("tiers", {})
                self.out(
                    _(
                        "%(sure)d sure, %(likely)d likely, %(possible)d possible; "
                        "%(compared)d pair(s) compared, weights estimated in %(iterations)d "
                        "EM iteration(s)."
                    )
                    % {
                        "sure": tiers.get("sure", 0),
                        "likely": tiers.get("likely", 0),
                        "possible": tiers.get("possible", 0),
                        "compared": result.get("pairs_scored", 0),
                        "iterations": result.get("em_iterations", 0),
                    }
                )
        if job.status == JobStatus.FAILED:
            raise CliError(job.error or _("The scan failed."), EXIT_JOB_FAILED)

    def _list(self, user: User, options: dict[str, Any]) -> None:
        limit, offset = options["limit"], options["offset"]
        if limit < 0:
            raise CliError(_("limit: Give 0 (all) or a positive number."), 2)
        if offset < 0:
            raise CliError(_("offset: Give 0 or a positive number."), 2)
        queryset = selectors.pairs_visible(
            user, options["status"], selectors.TIER_VIEWS[options["tier"]]
        ).select_related("contact_a", "contact_b")
        window = queryset[offset : offset + limit] if limit else queryset[offset:]
        pairs = window.iterator(chunk_size=2000)
        name = registry.records().name
        if options["json"]:
            # Streamed: a list of any length without holding it whole.
            self.stdout.write("[", ending="")
            for index, pair in enumerate(pairs):
                item = {
                    "id": pair.pk,
                    "a": {"id": pair.contact_a_id, "display_name": name(pair.contact_a)},
                    "b": {"id": pair.contact_b_id, "display_name": name(pair.contact_b)},
                    "score": pair.score,
                    "tier": pair.tier,
                    "reasons": reason_labels(visible_reasons(user, list(pair.reasons))),
                    "reason_codes": visible_reasons(user, list(pair.reasons)),
                    "status": pair.status,
                }
                separator = "," if index else ""
                self.stdout.write(separator + json.dumps(item, ensure_ascii=False), ending="")
            self.stdout.write("]")
            return
        rows = list(pairs)
        if not rows:
            self.out(_("No candidate pairs."))
            return
        from rich.table import Table

        table = Table(box=None)
        headings = (
            _("pair"),
            _("score"),
            _("tier"),
            _("person"),
            _("possible duplicate"),
            _("why"),
        )
        for heading in headings:
            table.add_column(heading)
        for pair in rows:
            table.add_row(
                str(pair.pk),
                f"{pair.score:.2f}",
                str(TIER_LABELS.get(pair.tier, "")),
                f"{name(pair.contact_a)} (#{pair.contact_a_id})",
                f"{name(pair.contact_b)} (#{pair.contact_b_id})",
                " + ".join(reason_labels(visible_reasons(user, list(pair.reasons)))),
            )
        self.console().print(table)
        if limit and len(rows) == limit:
            self.out(
                _("More pairs: --offset %(next)d.") % {"next": offset + limit},
            )

    def _reindex(self) -> None:
        with self.progress_bar(_("Indexing")) as report:
            count = dedup.reindex(progress=report)
        self.out(_("Indexed %(count)d people.") % {"count": count})
