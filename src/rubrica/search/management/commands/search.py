"""`rubrica search reindex` and `rubrica search QUERY [--json] [--as USER]`.

Results go through rubrica.search.query, so `--as` sees exactly what that user may view.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica import search
from rubrica.accounts.cli import acting_user
from rubrica.kits.cli.base import EXIT_CODES_HELP, RubricaCommand, add_acting_user_argument, invalid
from rubrica.search import filters, registry

EPILOG = gettext_lazy(
    "examples:\n"
    "  rubrica search reindex            rebuild the search index from scratch\n"
    "  rubrica search muller             people and organizations matching 'muller'\n"
    "  rubrica search +39 02 1234 --json --as alice\n"
    "  rubrica search rossi --tag 3 --stage 2   only people with tag 3 at stage 2 (ids)\n"
    "\n"
    "A query of the single word 'reindex' rebuilds the index; to look for that word, add\n"
    "--find: rubrica search --find reindex\n"
)


class Command(RubricaCommand):
    help = gettext_lazy("Search people and organizations, or rebuild the search index.")
    epilog = f"{EPILOG}\n{EXIT_CODES_HELP}"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("words", nargs="*", metavar="QUERY")
        parser.add_argument(
            "--find", action="store_true", help=gettext_lazy("Treat every word as the query.")
        )
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        parser.add_argument(
            "--kind",
            action="append",
            choices=registry.keys(),
            help=gettext_lazy("Only this kind of record; repeat for several."),
        )
        parser.add_argument(
            "--limit", type=int, default=20, help=gettext_lazy("At most this many, 1-200.")
        )
        for flag, help_text in (
            ("--tag", gettext_lazy("Only records with this tag (id); repeat for any of several.")),
            ("--owner", gettext_lazy("Only records of this owner (user id); repeat for several.")),
            ("--team", gettext_lazy("Only records of this team (id); repeat for several.")),
            (
                "--stage",
                gettext_lazy("Only people at this lifecycle stage (id); no organizations."),
            ),
        ):
            parser.add_argument(flag, action="append", default=[], metavar="ID", help=help_text)
        add_acting_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        words: list[str] = options["words"]
        if words == ["reindex"] and not options["find"]:
            self._reindex()
            return
        text = " ".join(words).strip()
        if not text:
            raise invalid("query", _("Type something to search for."))
        if not 1 <= options["limit"] <= 200:
            raise invalid("limit", _("Give a number from 1 to 200."))
        user = acting_user(options["as_user"])
        flt, errors = filters.parse(
            {key: options[key] for key in ("tag", "owner", "team", "stage")}
        )
        if errors:
            name, message = next(iter(errors.items()))
            raise invalid(name, message)
        kinds = flt.kinds(options["kind"] or registry.keys())
        hits = search.query(user, text, kinds=kinds, limit=options["limit"], narrow=flt.narrow())
        if options["json"]:
            self.out_json([dataclasses.asdict(hit) for hit in hits])
            return
        if not hits:
            self.out(_("Nothing found."))
            return
        from rich.table import Table

        table = Table(box=None)
        for heading in (_("kind"), _("id"), _("name"), _("matched"), _("where")):
            table.add_column(heading)
        for hit in hits:
            table.add_row(hit.kind, str(hit.pk), hit.display, hit.field, hit.snippet)
        self.console().print(table)

    def _reindex(self) -> None:
        with self.progress_bar(_("Indexing")) as report:
            count = search.reindex(progress=report)
        self.out(_("Indexed %(count)d records.") % {"count": count})
