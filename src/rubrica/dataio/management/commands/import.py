"""`rubrica import FILE`: bring people in from vCard, CSV, XLSX or JSON as an import job (run
here with a progress bar, or left to the worker with --background); `rubrica import revert JOB`
undoes one; `rubrica import report JOB [--csv]` prints what it did, row by row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rubrica.accounts.cli import acting_user
from rubrica.accounts.models import User
from rubrica.dataio.imports.report import counts, organization_counts, report_csv, report_rows
from rubrica.dataio.imports.runner import preview_check
from rubrica.dataio.imports.services import (
    FORMATS,
    MATCH_KEYS,
    POLICIES,
    clean_options,
    import_revert,
    import_start,
)
from rubrica.dataio.imports.uploads import import_preview, store_upload
from rubrica.dataio.models import ImportOrganization, ImportRow
from rubrica.jobs.cli import as_json, run_with_progress, summary
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_ensure_can_act
from rubrica.kits.cli.base import (
    EXIT_ALL_FAILED,
    EXIT_INVALID,
    EXIT_JOB_FAILED,
    EXIT_PARTIAL,
    CliError,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
    invalid,
)


class Command(RubricaCommand):
    help = gettext_lazy(
        "Import people from a file: `import FILE [options]`, `import revert JOB`, "
        "`import report JOB [--csv]`."
    )

    def add_arguments(self, parser: Any) -> None:
        add_acting_user_argument(parser)
        parser.add_argument(
            "words",
            nargs="+",
            metavar="FILE | revert JOB | report JOB",
            help=gettext_lazy("The file to import, or `revert JOB` / `report JOB`."),
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help=gettext_lazy("The file's format (default: detected from its content and name)."),
        )
        parser.add_argument(
            "--mapping",
            metavar="MAPPING.json",
            help=gettext_lazy(
                'CSV/XLSX columns as JSON {"0": "given_name", "1": "emails[1].value"} '
                "(default: proposed from the header)."
            ),
        )
        parser.add_argument(
            "--on-duplicate",
            choices=POLICIES,
            default="update",
            help=gettext_lazy("What to do with a record that matches someone."),
        )
        parser.add_argument(
            "--match",
            choices=MATCH_KEYS,
            help=gettext_lazy("How records match (default: uid for vCard, else email)."),
        )
        parser.add_argument("--encoding", help=gettext_lazy("Text encoding of a CSV file."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext_lazy(
                "Show the first 20 records as they would be imported; change nothing."
            ),
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help=gettext_lazy("Leave the job to the worker and print its number."),
        )
        parser.add_argument(
            "--csv", action="store_true", help=gettext_lazy("report: print the report as CSV.")
        )
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        words = options["words"]
        if words[0] in ("revert", "report") and len(words) == 2:
            if not words[1].isdigit():
                raise invalid("JOB", _("Give the job number."))
            visible = Job.objects.restrict(user, "view").filter(kind="import")
            job = get_or_not_found(visible, int(words[1]), _("no import %(id)s") % {"id": words[1]})
            if words[0] == "report":
                # its rows name people: the pages' and the API's rule (ADR 0033, 0049)
                job = job_ensure_can_act(user, job)
                self._report(job, options)
            else:
                revert = import_revert(actor=user, job=job, enqueue=options["background"])
                self._finish(revert, options)
            return
        if len(words) != 1:
            raise invalid("FILE", _("Give one file (or `revert JOB`, `report JOB`)."))
        self._import(user, Path(words[0]), options)

    def _import(self, user: User, path: Path, options: dict[str, Any]) -> None:
        mapping = None
        if options["mapping"]:
            try:
                mapping = json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise invalid("--mapping", str(exc)) from exc
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CliError(f"{path}: {exc.strerror or exc}", EXIT_INVALID) from exc
        with stream:
            upload = store_upload(actor=user, stream=stream, filename=path.name)
        chosen = {
            "format": options["format"] or upload.format,
            "mapping": mapping,
            "encoding": options["encoding"],
            "on_duplicate": options["on_duplicate"],
            "match": options["match"],
        }
        if options["dry_run"]:
            try:
                params = clean_options({**chosen, "file": upload.path})
                records = import_preview(params)
                # The import's own validation, and whom each record matches (nothing written).
                matches = preview_check(
                    user, records, policy=params["on_duplicate"], key=params["match"]
                )
            finally:
                upload.discard()
            self._preview(records, matches, options)
            return
        try:
            job = import_start(
                actor=user, upload=upload, options=chosen, enqueue=options["background"]
            )
        except Exception:  # refused: the stored copy of the file is not kept
            upload.discard()
            raise
        self._finish(job, options)

    def _finish(self, job: Job, options: dict[str, Any]) -> None:
        if options["background"]:
            self.out(_("Job %(id)d queued: `rubrica jobs wait %(id)d`.") % {"id": job.pk})
            return
        job = run_with_progress(job, self)
        if options["json"]:
            self.out_json(as_json(job))
        else:
            self.out(summary(job))
            for key, value in (job.result.get("counts") or job.result).items():
                if isinstance(value, int):
                    self.out(f"  {key}: {value}")
            self._organizations(job.result.get("organizations"))
        if job.status == JobStatus.FAILED:
            raise CliError(job.error or _("The job failed."), EXIT_JOB_FAILED)
        tally = job.result.get("counts") or {}
        failed = int(tally.get("failed") or 0)
        if job.kind == "import" and failed:
            if failed == sum(int(v) for v in tally.values() if isinstance(v, int)):
                raise CliError(
                    _("Every record failed (%(n)d): see `rubrica import report %(id)d`.")
                    % {"n": failed, "id": job.pk},
                    EXIT_ALL_FAILED,
                )
            raise CliError(
                ngettext(
                    "%(n)d record failed: see `rubrica import report %(id)d`.",
                    "%(n)d records failed: see `rubrica import report %(id)d`.",
                    failed,
                )
                % {"n": failed, "id": job.pk},
                EXIT_PARTIAL,
            )

    def _preview(
        self, records: list[Any], matches: dict[int, str], options: dict[str, Any]
    ) -> None:
        if options["json"]:
            self.out_json(
                [
                    {
                        "line": r.line,
                        "data": {k: v for k, v in r.data.items() if k != "photo"},
                        "organization": r.organization,
                        "external_id": r.external_id,
                        "errors": r.errors,
                        "set_aside": r.set_aside,
                        "match": matches.get(r.line, ""),
                    }
                    for r in records
                ]
            )
            return
        for record in records:
            data = record.data
            name = (
                data.get("display_name")
                or " ".join(str(data.get(k) or "") for k in ("given_name", "family_name")).strip()
            )
            emails = ", ".join(str(e.get("value")) for e in data.get("emails") or [])
            status = (
                "; ".join(record.errors)
                if record.errors
                else " ".join([*record.set_aside, matches.get(record.line, "")]).strip() or _("ok")
            )
            self.out(f"{record.line}\t{name}\t{emails}\t{status}")
        self.out(_("Dry run: nothing was imported."))

    def _organizations(self, tally: Any) -> None:
        """The outcomes of a JSON document's organizations, on one line, when it had some."""
        if isinstance(tally, dict) and any(tally.values()):
            outcomes = ", ".join(f"{key} {value}" for key, value in tally.items() if value)
            self.out(_("  organizations: %(outcomes)s") % {"outcomes": outcomes})

    def _report(self, job: Job, options: dict[str, Any]) -> None:
        if options["csv"]:
            self.stdout.write(report_csv(job), ending="")
            return
        if options["json"]:
            rows = ImportRow.objects.filter(job=job).order_by("line")
            self.out_json(
                {
                    "job": as_json(job),
                    "counts": counts(job),
                    "rows": list(rows.values("line", "outcome", "contact_id", "message")),
                    "organizations": list(
                        ImportOrganization.objects.filter(job=job)
                        .order_by("line")
                        .values("line", "outcome", "organization_id", "message")
                    ),
                }
            )
            return
        self.out(summary(job))
        for key, value in counts(job).items():
            self.out(f"  {key}: {value}")
        self._organizations(organization_counts(job))
        for line, outcome, _link, message in report_rows(job):
            if outcome in ("failed", "skipped"):
                self.out(f"  {line}\t{outcome}\t{message}")
