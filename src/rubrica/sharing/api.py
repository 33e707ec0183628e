"""/{kind}/{id}/shares: the shares of one record (``kind``: a shareable kind's key, i.e.
``contacts`` or ``organizations``).

A record the caller may not see answers 404; listing needs only to see it, adding and removing
need the right to share it (its owner, anyone who may change it, administrators): 403 otherwise,
with nothing changed. Sharing again with the same grantee changes the level.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from rubrica.core.policies import Action
from rubrica.kits.api.common import actor, problems
from rubrica.kits.api.schemas import StrictIn
from rubrica.sharing import selectors, services
from rubrica.sharing.models import RecordShare
from rubrica.sharing.registry import shareable_kind

router = Router(tags=["sharing"])


class RecordShareOut(Schema):
    id: int
    grantee_type: Literal["user", "team"]
    grantee_id: int
    grantee: str = Field(..., description="The user's full name (or username), or the team's.")
    level: Literal["read", "write"] = Field(
        ..., description="read: view; write: view and change (never delete)."
    )
    shared_by: str | None
    shared_at: dt.datetime


class RecordShareIn(StrictIn):
    user: int | None = Field(None, description="The id of the user to share with; or team.")
    team: int | None = Field(None, description="The id of the team to share with; or user.")
    level: Literal["read", "write"] = "read"


def _share_out(share: RecordShare) -> dict[str, Any]:
    return {
        "id": share.pk,
        "grantee_type": "user" if share.user_id is not None else "team",
        "grantee_id": share.user_id if share.user_id is not None else share.team_id,
        "grantee": share.grantee_name,
        "level": share.level,
        "shared_by": share.shared_by.get_username() if share.shared_by else None,
        "shared_at": share.shared_at,
    }


def _record(request: HttpRequest, kind_key: str, pk: int) -> Any:
    try:
        kind = shareable_kind(kind_key)
    except LookupError:
        raise Http404 from None
    visible = kind.model.objects.restrict(actor(request), Action.VIEW)  # type: ignore[attr-defined]
    record = visible.filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def _shareable(request: HttpRequest, kind_key: str, pk: int) -> Any:
    record = _record(request, kind_key, pk)
    if not selectors.can_share(actor(request), record):
        raise PermissionDenied
    return record


@router.get("/{kind}/{int:record_id}/shares", response={200: list[RecordShareOut], **problems(404)})
def list_shares(request: HttpRequest, kind: str, record_id: int) -> list[dict[str, Any]]:
    """Whom the record is shared with (kind: contacts or organizations)."""
    record = _record(request, kind, record_id)
    return [_share_out(share) for share in selectors.shares_of(record)]


@router.post(
    "/{kind}/{int:record_id}/shares", response={201: RecordShareOut, **problems(403, 404, 422)}
)
def add_share(
    request: HttpRequest, kind: str, record_id: int, payload: RecordShareIn
) -> Status[Any]:
    """Share the record with one user or one team (sharing again changes the level)."""
    record = _shareable(request, kind, record_id)
    share = services.share_add(
        actor=actor(request),
        record=record,
        data={"user": payload.user, "team": payload.team, "level": payload.level},
    )
    return Status(201, _share_out(share))


@router.delete(
    "/{kind}/{int:record_id}/shares/{int:share_id}", response={204: None, **problems(403, 404)}
)
def remove_share(request: HttpRequest, kind: str, record_id: int, share_id: int) -> HttpResponse:
    """Stop sharing the record with one grantee."""
    record = _shareable(request, kind, record_id)
    try:
        services.share_remove(actor=actor(request), record=record, share_id=share_id)
    except LookupError:
        raise Http404 from None
    return HttpResponse(status=204)
