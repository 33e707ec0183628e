"""/merges: fold one person into another, read a merge, undo it.

A merge is visible when both of its people are visible to the caller (the merged one sits in the
Trash). Making or undoing one needs the right to change the kept person and to delete the other;
merges.services checks it and writes the history of both.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.services import raise_if
from rubrica.kits.api.common import actor, problems
from rubrica.kits.api.schemas import MAX_ID, Id, StrictIn
from rubrica.merges.models import Merge
from rubrica.merges.selectors import merge_summary, merge_visible_qs
from rubrica.merges.services import contact_merge, contact_unmerge

router = Router(tags=["merges"])

ChoiceValue = Annotated[str, Field(max_length=100_000)] | None


class MergeCreate(StrictIn):
    survivor: Id = Field(description="The person kept.")
    merged: Id = Field(description="The person folded into it; it goes to the Trash.")
    choices: dict[Annotated[str, Field(max_length=200)], ChoiceValue] = Field(
        default_factory=dict,
        description=(
            'Per single-valued field (or "custom_fields.KEY"): "survivor", "merged", "both" '
            "(notes only: both texts) or the value to keep. Default: the survivor's value, or "
            "the merged one's where the survivor has none. Lists (emails, phones, addresses, "
            "URLs, profiles, nicknames, languages, tags) are always combined without duplicates."
        ),
    )
    survivor_version: int | None = Field(
        None, ge=1, le=MAX_ID, description="Refuse (412) if the survivor changed since."
    )
    merged_version: int | None = Field(
        None, ge=1, le=MAX_ID, description="Refuse (412) if the merged person changed since."
    )


class MergeOut(Schema):
    id: int
    survivor: int
    merged: int
    survivor_name: str
    merged_name: str
    actor: str | None
    at: dt.datetime
    undone_at: dt.datetime | None
    undone_by: str | None
    changed_fields: list[str] = Field(description="Survivor fields the merge changed.")
    moved_links: int = Field(description="Rows (affiliations and others) moved to the survivor.")
    kept_links: int = Field(description="Duplicate rows left on the merged person.")


def _get(request: HttpRequest, merge_id: int) -> Merge:
    qs = merge_visible_qs(actor(request)).select_related("actor", "undone_by")
    merge: Merge = get_object_or_404(qs, pk=merge_id)
    return merge


@router.post("", response={201: MergeOut, **problems(403, 412, 422)})
def create_merge(request: HttpRequest, payload: MergeCreate, response: HttpResponse) -> Any:
    """Merge ``merged`` into ``survivor``. Undo with POST /merges/{id}/undo."""
    user = actor(request)
    visible = Contact.objects.restrict(user, Action.VIEW)
    survivor = visible.filter(pk=payload.survivor).first()
    merged = visible.filter(pk=payload.merged).first()
    errors: dict[str, str] = {}
    if survivor is None:
        errors["survivor"] = _("There is no such person.")
    if merged is None:
        errors["merged"] = _("There is no such person.")
    raise_if(errors)
    assert survivor is not None and merged is not None
    merge = contact_merge(
        actor=user,
        survivor=survivor,
        merged=merged,
        choices=payload.choices,
        expected_versions=(payload.survivor_version, payload.merged_version),
    )
    merge = _get(request, merge.pk)
    response["Location"] = request.build_absolute_uri(reverse("api:get_merge", args=[merge.pk]))
    return Status(201, merge_summary(merge))


@router.get("/{int:merge_id}", response={200: MergeOut, **problems(404)})
def get_merge(request: HttpRequest, merge_id: int) -> Any:
    return merge_summary(_get(request, merge_id))


@router.post("/{int:merge_id}/undo", response={200: MergeOut, **problems(403, 404, 422)})
def undo_merge(request: HttpRequest, merge_id: int) -> Any:
    """Give both people back their values and links (edits made since the merge are kept);
    refused (422) when already undone."""
    merge = _get(request, merge_id)
    contact_unmerge(actor=actor(request), merge=merge)
    return merge_summary(_get(request, merge_id))
