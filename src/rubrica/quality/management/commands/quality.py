"""`rubrica quality`: the data-quality figures, and cleanings (a preview unless --apply).

Figures and previews are of what the acting user may see and change; --apply runs the cleaning
job here with a progress bar (each change in the person's history), `undo JOB` reverts one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    EXIT_JOB_FAILED,
    CliError,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
)
from rubrica.quality import selectors, services
from rubrica.quality.cleaning import ACTIONS, field_label

if TYPE_CHECKING:
    from rubrica.accounts.models import User
    from rubrica.jobs.models import Job

EPILOG = gettext_lazy(
    "examples:\n"
    "  rubrica quality report                   the figures, as a table\n"
    "  rubrica quality report --months 6 --json  stale after 6 months, as JSON\n"
    "  rubrica quality clean capitalize         what fixing name case would change\n"
    "  rubrica quality clean phones --apply     rewrite phones in international format\n"
    "  rubrica quality undo 42                  put back what cleaning job 42 changed\n"
)


class Command(RubricaCommand):
    help = gettext_lazy("Data quality: report | clean ACTION [--apply] | undo JOB.")
    epilog = f"{EPILOG}\n{EXIT_CODES_HELP}"

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

        def sub(name: str, text: Any) -> Any:
            command = actions.add_parser(
                name, help=text, formatter_class=HelpFormatter, epilog=str(EXIT_CODES_HELP)
            )
            add_acting_user_argument(command)
            command.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
            return command

        report = sub("report", gettext_lazy("Completeness, invalid values, stale records."))
        report.add_argument(
            "--months",
            type=int,
            default=selectors.DEFAULT_STALE_MONTHS,
            help=gettext_lazy("A record is stale when unchanged this many months (default 12)."),
        )
        clean = sub("clean", gettext_lazy("Preview a cleaning; --apply runs it."))
        clean.add_argument("cleaning", choices=sorted(ACTIONS), metavar="ACTION")
        clean.add_argument("--apply", action="store_true", help=gettext_lazy("Change the records."))
        clean.add_argument(
            "--limit", type=int, default=50, help=gettext_lazy("Changes to preview (1-1000).")
        )
        undo = sub("undo", gettext_lazy("Undo a cleaning job on records unchanged since."))
        undo.add_argument("job", type=int, metavar="JOB")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        command = options["command"]
        if command == "report":
            self._report(user, options)
        elif command == "clean":
            if options["apply"]:
                self._run(services.cleaning_start(actor=user, action=options["cleaning"],
                                                  enqueue=False), options)  # fmt: skip
            else:
                self._preview(user, options)
        else:
            from rubrica.jobs.models import Job

            job = get_or_not_found(
                Job.objects.restrict(user, "view"),
                options["job"],
                _("no job %(id)s") % {"id": options["job"]},
            )
            self._run(services.cleaning_undo_start(actor=user, job=job, enqueue=False), options)

    def _report(self, user: User, options: dict[str, Any]) -> None:
        months = options["months"]
        if not 1 <= months <= selectors.MAX_STALE_MONTHS:
            raise CliError(_("months: enter a number from 1 to 600."), 2)
        report = selectors.quality_report(user, months=months)
        if options["json"]:
            self.out_json(report.as_dict())
            return
        from rich.table import Table

        console = self.console()
        for title, rows in (
            (_("People (%(n)d)") % {"n": report.people}, report.people_completeness),
            (
                _("Organizations (%(n)d)") % {"n": report.organizations},
                report.organization_completeness,
            ),
        ):
            table = Table(title=title, title_justify="left")
            table.add_column(_("Field"))
            table.add_column(_("Filled in"), justify="right")
            table.add_column("%", justify="right")
            for row in rows:
                table.add_row(row.label, f"{row.count}/{row.total}", str(row.percent))
            console.print(table)
        emails = (
            f"≥{report.invalid_emails}" if report.invalid_emails_capped else report.invalid_emails
        )
        lines = [
            _("Unreadable phone numbers: %(n)s") % {"n": report.invalid_phones},
            _("Invalid email addresses: %(n)s") % {"n": emails},
            _("Not changed for %(m)d months: %(p)d people, %(o)d organizations")
            % {"m": months, "p": report.stale_people, "o": report.stale_organizations},
            _("Possible duplicates: %(n)s")
            % {"n": report.duplicates if report.duplicates is not None else _("not available")},
        ]
        for line in lines:
            self.out(line)

    def _preview(self, user: User, options: dict[str, Any]) -> None:
        limit = options["limit"]
        if not 1 <= limit <= 1000:
            raise CliError(_("limit: enter a number from 1 to 1000."), 2)
        preview = services.preview_cleaning(user, options["cleaning"], limit=limit)
        if options["json"]:
            self.out_json(
                {
                    "action": preview.action,
                    "people": preview.people,
                    "exact": preview.exact,
                    "changes": [
                        {
                            "id": c.contact_id,
                            "name": c.contact_name,
                            "field": c.field,
                            "before": c.before,
                            "after": c.after,
                        }
                        for c in preview.changes
                    ],
                }
            )
            return
        from rich.markup import escape
        from rich.table import Table

        table = Table()
        for heading in (_("Id"), _("Person"), _("Field"), _("Before"), _("After")):
            table.add_column(heading)
        for c in preview.changes:
            table.add_row(
                str(c.contact_id),
                escape(c.contact_name),
                escape(field_label(c.field)),
                escape(repr(c.before)),
                escape(repr(c.after)),
            )
        self.console().print(table)
        count = preview.people if preview.exact else f"≤{preview.people}"
        self.out(
            _("%(n)s people would change. Run again with --apply to change them.") % {"n": count}
        )

    def _run(self, job: Job, options: dict[str, Any]) -> None:
        from rubrica.jobs.cli import as_json, run_with_progress, summary
        from rubrica.jobs.models import JobStatus

        job = run_with_progress(job, self)
        if options["json"]:
            self.out_json(as_json(job))
        else:
            self.out(summary(job))
            if job.status == JobStatus.SUCCEEDED:
                for key, value in job.result.items():
                    if key not in ("errors", "skipped", "action", "undo_of"):
                        self.out(f"  {key}: {value}")
                for line in job.result.get("errors", []):
                    self.out(f"  ! {line}")
        if job.status == JobStatus.FAILED:
            raise CliError(job.error or _("The cleaning failed."), EXIT_JOB_FAILED)
