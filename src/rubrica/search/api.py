"""/search: people and organizations matching a typed text, best first.

Only records the caller may view are returned (rubrica.search.query starts from restrict()).
The filters are those of the people list, with the same names and checks (rubrica.search.filters);
a value that cannot be used answers 422 naming the parameter.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from rubrica import search
from rubrica.core.filters import raise_filter_errors
from rubrica.kits.api.common import actor, problems
from rubrica.search import filters

router = Router()

IDS = "ids; repeat the parameter or separate with commas."


class SearchParams(Schema):
    q: str = Field(..., max_length=1000, description="Words to find, in any order.")
    kind: Literal["contact", "organization"] | None = Field(
        None, description="Only this kind of record; omit for both."
    )
    limit: int = Field(20, ge=1, le=200, description="At most this many results.")
    tag: list[str] | None = Field(None, description=f"Only records with one of these tag {IDS}")
    owner: list[str] | None = Field(None, description=f"Only records of one of these owner {IDS}")
    team: list[str] | None = Field(None, description=f"Only records of one of these team {IDS}")
    stage: list[str] | None = Field(
        None, description=f"Only people at one of these lifecycle stage {IDS} No organizations."
    )
    has_email: bool | None = Field(
        None, description="Only people with (true) or without (false) an email. No organizations."
    )
    has_phone: bool | None = Field(
        None, description="Only people with (true) or without (false) a phone. No organizations."
    )


class HitOut(Schema):
    kind: Literal["contact", "organization"]
    id: int
    display: str
    field: str = Field(..., description="What matched: name, email, phone, org, tag or other.")
    snippet: str = Field(..., description="The matching text (normalised) around the match.")
    highlight: list[int] = Field(..., description="[start, end) of the match in snippet.")
    score: int


class SearchOut(Schema):
    items: list[HitOut]


@router.get("/search", response={200: SearchOut, **problems(422)}, tags=["search"])
def search_records(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    flt, errors = filters.parse(request.GET)
    raise_filter_errors(errors)
    kinds = flt.kinds((params.kind,) if params.kind else ("contact", "organization"))
    hits = search.query(
        actor(request), params.q, kinds=kinds, limit=params.limit, narrow=flt.narrow()
    )
    return {
        "items": [
            {
                "kind": hit.kind,
                "id": hit.pk,
                "display": hit.display,
                "field": hit.field,
                "snippet": hit.snippet,
                "highlight": list(hit.highlight),
                "score": hit.score,
            }
            for hit in hits
        ]
    }
