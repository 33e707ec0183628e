"""`rubrica export [--entity organizations] --format F [--filter key=value ...] [--segment ID]
[--ids 1,2] -o FILE`: the people (or organizations) the acting user may see, written by an
export job run here."""

from __future__ import annotations

import shutil
import sys
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.dataio.exporting import ENTITIES, FORMATS, export_start
from rubrica.jobs.cli import run_with_progress, summary
from rubrica.jobs.models import JobStatus
from rubrica.kits.cli.base import (
    EXIT_JOB_FAILED,
    CliError,
    RubricaCommand,
    add_acting_user_argument,
    invalid,
)


class Command(RubricaCommand):
    help = gettext_lazy("Export people (or organizations) to CSV, XLSX, vCard or JSON.")

    def add_arguments(self, parser: Any) -> None:
        add_acting_user_argument(parser)
        parser.add_argument(
            "--entity",
            choices=ENTITIES,
            default="people",
            help=gettext_lazy("What to export (organizations: csv, xlsx or json)."),
        )
        parser.add_argument("--format", choices=FORMATS, required=True)
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=gettext_lazy(
                "A filter of the list (q, tag, stage, owner, city, kind...); repeatable."
            ),
        )
        parser.add_argument("--segment", type=int, help=gettext_lazy("Export a segment."))
        parser.add_argument("--ids", help=gettext_lazy("Export these people: 1,2,3."))
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE", help=gettext_lazy("`-` for stdout.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        if options["segment"] is not None:
            selection: dict[str, Any] = {"segment": options["segment"]}
        elif options["ids"]:
            try:
                selection = {"ids": [int(v) for v in options["ids"].split(",") if v.strip()]}
            except ValueError:
                raise invalid("--ids", _("Give numbers separated by commas.")) from None
        else:
            filters: dict[str, Any] = {}
            for item in options["filter"]:
                key, sep, value = item.partition("=")
                if not sep or not key:
                    raise invalid("--filter", _("Write KEY=VALUE, e.g. tag=vip."))
                if key == "tag" and not value.isdigit():
                    from rubrica.taxonomy.models import Tag

                    tag = Tag.objects.filter(name__iexact=value).first()
                    if tag is None:
                        raise invalid("--filter", _("There is no tag %(name)s.") % {"name": value})
                    value = str(tag.pk)
                if key in filters:
                    previous = filters[key]
                    filters[key] = (
                        [*previous, value]
                        if isinstance(previous, list)
                        else [
                            previous,
                            value,
                        ]
                    )
                else:
                    filters[key] = value
            selection = {"filters": filters}
        job = export_start(
            actor=user,
            format=options["format"],
            selection=selection,
            enqueue=False,
            entity=options["entity"],
        )
        job = run_with_progress(job, self)
        if job.status != JobStatus.SUCCEEDED:
            raise CliError(job.error or _("The export failed."), EXIT_JOB_FAILED)
        with job.output.open("rb") as source:
            if options["output"] == "-":
                shutil.copyfileobj(source, sys.stdout.buffer)
            else:
                with open(options["output"], "wb") as target:
                    shutil.copyfileobj(source, target)
                self.stderr.write(summary(job))
