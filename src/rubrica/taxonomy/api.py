"""/tags, /stages, /organization-kinds: the shared labels and choice lists.

Tags are global (not owned records): every user sees them; members create and rename them,
administrators delete them (taxonomy.services decides). Stages and kinds are read-only here; they
are what ``stage`` and ``kind`` accept by name on people and organizations.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from rubrica.core.pagination import keyset_page
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import content_etag, if_match
from rubrica.kits.api.schemas import COLOR_PATTERN, StrictIn
from rubrica.taxonomy.models import LifecycleStage, OrganizationKind, Tag
from rubrica.taxonomy.services import named, tag_delete, tag_get_or_create, tag_update

router = Router()


class TagIn(StrictIn):
    name: str
    color: str | None = Field(None, pattern=COLOR_PATTERN, examples=["#1a2b3c"])


class TagChange(StrictIn):
    name: str | None = None
    color: str | None = Field(None, pattern=COLOR_PATTERN)


class TagOut(Schema):
    id: int
    name: str
    color: str


class TagPage(Schema):
    items: list[TagOut]
    next_cursor: str | None
    prev_cursor: str | None


class ChoiceOut(Schema):
    id: int
    name: str
    position: int


class TagQuery(ListParams):
    q: str | None = Field(None, max_length=50, description="Name prefix.")


def _data(tag: Tag) -> dict[str, Any]:
    return {"id": tag.pk, "name": tag.name, "color": tag.color}


def _etag(tag: Tag) -> str:
    return content_etag(_data(tag))


@router.get("/tags", response={200: TagPage, **problems(422)}, tags=["tags"])
def list_tags(request: HttpRequest, params: Query[TagQuery]) -> dict[str, Any]:
    qs = Tag.objects.all()
    if params.q:
        qs = qs.filter(name__istartswith=params.q.strip())
    page = keyset_page(qs, order=("name", "id"), cursor=params.cursor, size=params.limit)
    return page_data(page, [_data(tag) for tag in page.items])


@router.post("/tags", response={200: TagOut, 201: TagOut, **problems(403, 422)}, tags=["tags"])
def create_tag(request: HttpRequest, payload: TagIn, response: HttpResponse) -> Any:
    """Create a tag; a tag of the same name (any case) is returned as it is, with 200."""
    existed = named(Tag.objects.all(), " ".join(payload.name.split())).exists()
    tag = tag_get_or_create(actor=actor(request), name=payload.name, color=payload.color)
    response["ETag"] = content_etag(_data(tag))
    return Status(200 if existed else 201, _data(tag))


@router.get("/tags/{int:tag_id}", response={200: TagOut, **problems(404)}, tags=["tags"])
def get_tag(request: HttpRequest, tag_id: int, response: HttpResponse) -> Any:
    tag = get_object_or_404(Tag, pk=tag_id)
    response["ETag"] = content_etag(_data(tag))
    return _data(tag)


@router.patch(
    "/tags/{int:tag_id}",
    response={200: TagOut, **problems(403, 404, 412, 422)},
    tags=["tags"],
)
def update_tag(
    request: HttpRequest, tag_id: int, payload: TagChange, response: HttpResponse
) -> Any:
    """Rename or recolour a tag (administrators only, like Settings → Tags)."""
    tag = tag_update(
        actor=actor(request),
        tag=get_object_or_404(Tag, pk=tag_id),
        name=payload.name,
        color=payload.color,
        precondition=if_match(request, _etag),
    )
    response["ETag"] = content_etag(_data(tag))
    return _data(tag)


@router.delete("/tags/{int:tag_id}", response={204: None, **problems(403, 404, 412)}, tags=["tags"])
def delete_tag(request: HttpRequest, tag_id: int) -> HttpResponse:
    """Delete a tag everywhere it is used (administrators only)."""
    tag_delete(
        actor=actor(request),
        tag=get_object_or_404(Tag, pk=tag_id),
        precondition=if_match(request, _etag),
    )
    return HttpResponse(status=204)


@router.get("/stages", response={200: list[ChoiceOut], **problems()}, tags=["choices"])
def list_stages(request: HttpRequest) -> Any:
    """Lifecycle stages of people, in their order."""
    return list(LifecycleStage.objects.values("id", "name", "position"))


@router.get("/organization-kinds", response={200: list[ChoiceOut], **problems()}, tags=["choices"])
def list_organization_kinds(request: HttpRequest) -> Any:
    """Kinds of organization, in their order."""
    return list(OrganizationKind.objects.values("id", "name", "position"))
