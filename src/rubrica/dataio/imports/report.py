"""An import's report: the outcome of each record (its ``ImportRow``), counted and as CSV.

Read by the job's pages, the API and the CLI once the import ran (the upload may be gone by
then: the report, the row pages and the revert read the rows only).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import Count, QuerySet
from django.urls import reverse

from rubrica.dataio.models import ImportOrganization, ImportRow, Outcome
from rubrica.jobs.models import Job


def counts(job: Job) -> dict[str, int]:
    """Rows per outcome (every outcome present, zero when none)."""
    return _per_outcome(ImportRow.objects.filter(job=job))


def organization_counts(job: Job) -> dict[str, int]:
    """The organizations of an imported JSON document per outcome (every outcome present)."""
    return _per_outcome(ImportOrganization.objects.filter(job=job))


def _per_outcome(rows: QuerySet[Any]) -> dict[str, int]:
    found = dict(rows.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    return {outcome: int(found.get(outcome, 0)) for outcome in Outcome.values}


REPORT_HEADER = ("line", "outcome", "record", "message")


def report_rows(job: Job, base_url: str = "") -> Iterator[tuple[str, str, str, str]]:
    rows = ImportRow.objects.filter(job=job).order_by("line")
    for line, outcome, contact_id, message in rows.values_list(
        "line", "outcome", "contact_id", "message"
    ).iterator(chunk_size=2000):
        link = f"{base_url}{reverse('contacts:detail', args=[contact_id])}" if contact_id else ""
        yield str(line), str(outcome), link, _neutral(message)
    # A JSON document's organizations after its people, their line "organizations.N" (N the
    # organization's place in the document's ``organizations`` array).
    organizations = ImportOrganization.objects.filter(job=job).order_by("line")
    for line, outcome, organization_id, message in organizations.values_list(
        "line", "outcome", "organization_id", "message"
    ).iterator(chunk_size=2000):
        link = (
            f"{base_url}{reverse('organizations:detail', args=[organization_id])}"
            if organization_id
            else ""
        )
        yield f"organizations.{line}", str(outcome), link, _neutral(message)


def _neutral(text: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ (or a tab/CR) is prefixed
    with an apostrophe so that spreadsheets show it as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_report(job: Job, out: IO[str], base_url: str = "") -> None:
    writer = csv.writer(out)
    writer.writerow(REPORT_HEADER)
    writer.writerows(report_rows(job, base_url))


def report_csv(job: Job, base_url: str = "") -> str:
    buffer = io.StringIO()
    write_report(job, buffer, base_url)
    return buffer.getvalue()
