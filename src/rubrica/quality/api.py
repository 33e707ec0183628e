"""/quality: the data-quality figures, cleaning previews, and starting or undoing a cleaning.

Figures are of what the caller may view, previews and cleanings of what the caller may change
(rubrica.quality.selectors and services); cleanings run as jobs, followed at /api/v1/jobs/{id}.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rubrica.jobs.api import JobOut, job_out
from rubrica.jobs.models import Job
from rubrica.kits.api.common import actor, problems
from rubrica.quality import selectors, services

router = Router(tags=["quality"])

CleaningAction = Literal["trim", "capitalize", "phones"]


class CompletenessOut(Schema):
    field: str
    count: int
    total: int
    percent: int


class ReportOut(Schema):
    people: int
    organizations: int
    people_completeness: list[CompletenessOut]
    organization_completeness: list[CompletenessOut]
    invalid_phones: int = Field(..., description="People with a phone that cannot be read.")
    invalid_emails: int = Field(..., description="People with an invalid email address.")
    invalid_emails_capped: bool = Field(..., description="invalid_emails is a lower bound.")
    stale_months: int
    stale_cutoff: str = Field(..., description="Records unchanged since before this moment.")
    stale_people: int
    stale_organizations: int
    duplicates: int | None = Field(..., description="Open duplicate pairs (null: unavailable).")


class ReportQuery(Schema):
    months: int = Field(
        selectors.DEFAULT_STALE_MONTHS,
        ge=1,
        le=selectors.MAX_STALE_MONTHS,
        description="A record is stale when unchanged this many months.",
    )


class ChangeOut(Schema):
    id: int = Field(..., description="The person's id.")
    name: str
    field: str = Field(..., description="given_name, phones.2, addresses.1.city ...")
    before: str
    after: str


class PreviewOut(Schema):
    action: str
    people: int = Field(..., description="People it would change (an upper bound unless exact).")
    exact: bool
    changes: list[ChangeOut]


class PreviewQuery(Schema):
    limit: int = Field(50, ge=1, le=1000, description="Changes to list.")


@router.get("/report", response={200: ReportOut, **problems(422)})
def report(request: HttpRequest, params: Query[ReportQuery]) -> dict[str, Any]:
    """Completeness, invalid values, stale records and duplicates, over what the caller sees."""
    return selectors.quality_report(actor(request), months=params.months).as_dict()


@router.get("/cleanings/{action}/preview", response={200: PreviewOut, **problems(422)})
def preview(
    request: HttpRequest, action: CleaningAction, params: Query[PreviewQuery]
) -> dict[str, Any]:
    """What a cleaning would change, changing nothing."""
    result = services.preview_cleaning(actor(request), action, limit=params.limit)
    return {
        "action": result.action,
        "people": result.people,
        "exact": result.exact,
        "changes": [
            {
                "id": c.contact_id,
                "name": c.contact_name,
                "field": c.field,
                "before": c.before,
                "after": c.after,
            }
            for c in result.changes
        ],
    }


@router.post("/cleanings/{action}", response={202: JobOut, **problems(403, 422)})
def start(request: HttpRequest, action: CleaningAction) -> Status[dict[str, Any]]:
    """Start a cleaning of every person the caller may change; each change is in the person's
    history, and the whole cleaning can be undone."""
    job = services.cleaning_start(actor=actor(request), action=action)
    return Status(202, job_out(job))


@router.post("/cleanings/undo/{int:job_id}", response={202: JobOut, **problems(403, 404, 422)})
def undo(request: HttpRequest, job_id: int) -> Status[dict[str, Any]]:
    """Undo a finished cleaning on the people unchanged since (the others are named in the
    undo job's result)."""
    user = actor(request)
    job = Job.objects.restrict(user, "view").filter(pk=job_id, kind=services.JOB_KIND).first()
    if job is None:
        raise Http404
    return Status(202, job_out(services.cleaning_undo_start(actor=user, job=job)))
