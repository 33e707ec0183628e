"""/duplicates: candidate pairs found by duplicate scans, their dismissal, and starting a scan;
plus the 409 problem that POST/PATCH /contacts answer when the person looks like someone already
there. Pairs are listed only when the caller may view both people (rubrica.dedup.selectors)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rubrica.core.pagination import keyset_page
from rubrica.dedup import selectors, services
from rubrica.dedup.models import DuplicatePair, PairStatus
from rubrica.dedup.scoring import reason_labels, visible_reasons
from rubrica.jobs.api import JobOut, job_out
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.errors import PROBLEM_CONTENT_TYPE, TYPE_PREFIX
from rubrica.kits.api.schemas import Problem

router = Router(tags=["duplicates"])

ALLOW_DUPLICATES = (
    "Save even when the person looks like someone already there (otherwise such a request "
    "answers 409 with the likely duplicates and changes nothing)."
)


class DuplicateOut(Schema):
    id: int = Field(..., description="The existing person's id.")
    display_name: str
    score: float = Field(
        ...,
        description="The probability (0..1) that they are one person under the latest scan's "
        "record-linkage model; sure and likely matches are proposed.",
    )
    reasons: list[str] = Field(..., description="Why they look alike (translated).")


class DuplicatesProblem(Problem):
    duplicates: list[DuplicateOut]


def duplicates_problem(candidates: Sequence[selectors.Candidate]) -> HttpResponse:
    """409: nothing was saved because of likely duplicates (listed)."""
    body = {
        "type": TYPE_PREFIX + "possible-duplicates",
        "title": _("Possible duplicates"),
        "status": 409,
        "detail": _(
            "This person looks like someone already here; nothing was saved. "
            "Send the request again with ?allow_duplicates=true to save anyway."
        ),
        "duplicates": [
            {
                "id": c.pk,
                "display_name": c.display_name,
                "score": c.score,
                "reasons": c.labels,
            }
            for c in candidates
        ],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=409, content_type=PROBLEM_CONTENT_TYPE
    )


class PersonOut(Schema):
    id: int
    display_name: str
    email: str
    phone: str


class PairOut(Schema):
    id: int
    a: PersonOut
    b: PersonOut
    score: float = Field(..., description="The probability (0..1) that they are one person.")
    tier: str = Field(
        ...,
        description="sure (auto-merge allowed), likely (to review) or possible (shown on request);"
        " empty for a pair of the older scoring that no scan has weighed since.",
    )
    reasons: list[str] = Field(..., description="Translated reasons, strongest first.")
    reason_codes: list[str] = Field(..., description="Stable codes of the reasons.")
    status: str = Field(..., description="open, dismissed or merged.")
    found_at: dt.datetime


class PairPage(Schema):
    items: list[PairOut]
    next_cursor: str | None
    prev_cursor: str | None


class PairQuery(ListParams):
    status: PairStatus = Field(PairStatus.OPEN, description="open (default), dismissed or merged.")
    tier: Literal["review", "sure", "likely", "possible", "all"] = Field(
        "review",
        description="review (default: sure and likely pairs), one tier, or all of them.",
    )


def _person(contact: Any) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "display_name": contact.display_name,
        "email": contact.primary_email,
        "phone": contact.primary_phone,
    }


def pair_out(pair: DuplicatePair, user: Any) -> dict[str, Any]:
    codes = visible_reasons(user, list(pair.reasons))
    return {
        "id": pair.pk,
        "a": _person(pair.contact_a),
        "b": _person(pair.contact_b),
        "score": pair.score,
        "tier": pair.tier,
        "reasons": reason_labels(codes),
        "reason_codes": codes,
        "status": pair.status,
        "found_at": pair.found_at,
    }


@router.get("", response={200: PairPage, **problems(422)})
def list_pairs(request: HttpRequest, params: Query[PairQuery]) -> dict[str, Any]:
    """Candidate pairs whose two people the caller may view, best score first."""
    queryset = selectors.pairs_visible(
        actor(request), params.status, selectors.TIER_VIEWS[params.tier]
    ).select_related("contact_a", "contact_b")
    page = keyset_page(queryset, order=("-score", "id"), cursor=params.cursor, size=params.limit)
    return page_data(page, [pair_out(pair, actor(request)) for pair in page.items])


@router.post("/scan", response={202: JobOut, **problems(403)})
def start_scan(request: HttpRequest) -> Any:
    """Start a duplicate scan in the background; follow it at /api/v1/jobs/{id}."""
    job = services.scan_start(actor=actor(request))
    return Status(202, job_out(job))


@router.post("/{int:pair_id}/dismiss", response={200: PairOut, **problems(403, 404, 422)})
def dismiss_pair(request: HttpRequest, pair_id: int) -> dict[str, Any]:
    """Mark the pair "not a duplicate": later scans keep it dismissed."""
    user = actor(request)
    pair = selectors.pair_visible(user, pair_id)
    if pair is None:
        raise Http404
    pair = services.pair_dismiss(actor=user, pair=pair)
    refreshed = selectors.pair_visible(user, pair.pk)
    assert refreshed is not None
    return pair_out(refreshed, user)
