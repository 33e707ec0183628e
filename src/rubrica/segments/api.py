"""/segments: saved searches (dynamic) and saved selections (static) of people.

Reads start from ``segment_qs`` (a segment the caller may not see answers 404 on every method);
writes go through segments.services, which own the row lock and the version check: If-Match is
passed as ``expected_version`` (a stale one answers 412 with the current ETag). A segment's
people (``/segments/{id}/contacts``) are those the *caller* may see, in the same keyset pages and
shape as ``/contacts``, and accept the same filters on top of the segment's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from rubrica.accounts.models import User
from rubrica.contacts.api import ContactQuery, contacts_data
from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.schemas import ContactPage
from rubrica.core.filters import raise_filter_errors
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import expected_version, not_modified, version_etag
from rubrica.kits.api.schemas import Id, Ref, StrictIn, Visibility
from rubrica.segments import services
from rubrica.segments.models import Segment
from rubrica.segments.selectors import segment_contact_list, segment_count, segment_list, segment_qs
from rubrica.segments.services import (
    MAX_MEMBERS_PER_CALL,
    segment_add_members,
    segment_create,
    segment_delete,
    segment_remove_members,
    segment_update,
)
from rubrica.segments.types import SegmentInput

router = Router(tags=["segments"])

FilterValue = int | str | bool | list[int | str]
FILTERS_HELP = (
    "People-list filters of a saved search, as on GET /contacts: q, tag, stage, owner, team, "
    "organization (ids; a list for several), city, country, has_email, has_phone, "
    "created_from, created_to, updated_from, updated_to (YYYY-MM-DD), cf_<key>. "
    "Stored normalised; unknown keys are refused."
)


class SegmentIn(StrictIn):
    """A segment to create."""

    name: str
    description: str | None = None
    kind: Literal["dynamic", "static"] = Field(
        "dynamic", description="dynamic: a saved search; static: a saved selection of people."
    )
    filters: dict[str, FilterValue] | None = Field(None, description=FILTERS_HELP)
    visibility: Visibility | None = Field(
        None, description="Who may use it: private (default), team, everyone."
    )
    team: Ref | None = Field(None, description="Team by id or name (needed for visibility team).")


class SegmentChange(StrictIn):
    """The fields to change (only the keys sent); the kind cannot change."""

    name: str | None = None
    description: str | None = None
    filters: dict[str, FilterValue] | None = Field(None, description=FILTERS_HELP)
    visibility: Visibility | None = None
    team: Ref | None = None


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    filters: dict[str, Any]
    owner: str
    team: str | None
    visibility: str
    version: int
    count: int | None = Field(
        description="People in it that the caller may see, exact up to count_capped's limit "
        "(single reads only; null in lists)."
    )
    count_capped: bool | None = Field(
        description="True when there are more than ``count`` (counting stops at 10,000)."
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class SegmentPage(Schema):
    items: list[SegmentOut]
    next_cursor: str | None
    prev_cursor: str | None


class MembersIn(StrictIn):
    contacts: list[Id] = Field(
        min_length=1, max_length=MAX_MEMBERS_PER_CALL, description="Ids of people to add."
    )


class MembersQuery(Schema):
    contact: list[Id] = Field(description="Ids of people to remove; repeat the parameter.")


class MembersOut(Schema):
    changed: int = Field(description="How many people were added (or removed).")


#: Skipped people listed by a recipients check or a send (``skipped_count`` counts them all).
SKIPPED_LISTED = 1000


class SkippedOut(Schema):
    contact: int
    name: str
    reason: str = Field(description="Why no e-mail goes to them, in the caller's language.")


class RecipientsOut(Schema):
    sendable: int = Field(description="People of the segment an e-mail may go to now.")
    skipped_count: int
    skipped: list[SkippedOut] = Field(description="The first 1,000 skipped, by id.")


class SegmentSendIn(StrictIn):
    subject: str = Field("", max_length=500, description="Merge fields: {{ contact.given_name }}.")
    body: str = Field("", max_length=100_000)
    template: int | None = Field(None, description="A mail template's id (its subject and body).")


class SegmentSendOut(Schema):
    queued: int = Field(description="E-mails queued, one per person; the worker sends them.")
    skipped_count: int
    skipped: list[SkippedOut] = Field(description="The first 1,000 skipped, by id.")


def _input(payload: SegmentIn | SegmentChange) -> SegmentInput:
    """The service input: only the keys the client sent. The schemas name SegmentInput's fields
    (tests/api/test_write_protocol.py keeps them equal)."""
    return cast(SegmentInput, payload.model_dump(exclude_unset=True))


def _data(segment: Segment, user: User | None = None) -> dict[str, Any]:
    count = segment_count(user, segment) if user is not None else None
    return {
        "id": segment.pk,
        "name": segment.name,
        "description": segment.description,
        "kind": segment.kind,
        "filters": segment.filters,
        "owner": segment.owner.username,
        "team": segment.team.name if segment.team else None,
        "visibility": segment.visibility,
        "version": segment.version,
        "count": count.value if count else None,
        "count_capped": count.capped if count else None,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
    }


def _visible(request: HttpRequest, segment_id: int) -> Segment:
    segment: Segment = get_object_or_404(segment_qs(actor(request)), pk=segment_id)
    return segment


@router.get("", response={200: SegmentPage, **problems(422)})
def list_segments(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    """Segments the caller may see (theirs, their team's, everyone's), by name."""
    page = segment_list(actor(request), cursor=params.cursor, size=params.limit)
    return page_data(page, [_data(segment) for segment in page.items])


@router.post("", response={201: SegmentOut, **problems(403, 422)})
def create_segment(request: HttpRequest, payload: SegmentIn, response: HttpResponse) -> Any:
    user = actor(request)
    segment = segment_create(actor=user, data=_input(payload))
    segment = _visible(request, segment.pk)
    response["Location"] = request.build_absolute_uri(reverse("api:get_segment", args=[segment.pk]))
    response["ETag"] = version_etag(segment.version)
    return Status(201, _data(segment, user))


@router.get("/{int:segment_id}", response={200: SegmentOut, 304: None, **problems(404)})
def get_segment(request: HttpRequest, segment_id: int, response: HttpResponse) -> Any:
    """One segment with the bounded count of its people the caller may see."""
    segment = _visible(request, segment_id)
    etag = version_etag(segment.version)
    if not_modified(request, etag):
        return HttpResponse(status=304, headers={"ETag": etag})
    response["ETag"] = etag
    return _data(segment, actor(request))


@router.patch("/{int:segment_id}", response={200: SegmentOut, **problems(403, 404, 412, 422)})
def update_segment(
    request: HttpRequest, segment_id: int, payload: SegmentChange, response: HttpResponse
) -> Any:
    """Change the fields sent. Send ``If-Match`` to refuse lost updates."""
    user = actor(request)
    segment = _visible(request, segment_id)
    segment = segment_update(
        actor=user,
        segment=segment,
        data=_input(payload),
        expected_version=expected_version(request, segment.version),
    )
    segment = _visible(request, segment.pk)
    response["ETag"] = version_etag(segment.version)
    return _data(segment, user)


@router.delete("/{int:segment_id}", response={204: None, **problems(403, 404, 412)})
def delete_segment(request: HttpRequest, segment_id: int) -> HttpResponse:
    """Delete the segment (owner or administrator); the people in it are not touched."""
    segment = _visible(request, segment_id)
    segment_delete(
        actor=actor(request),
        segment=segment,
        expected_version=expected_version(request, segment.version),
    )
    return HttpResponse(status=204)


@router.get("/{int:segment_id}/contacts", response={200: ContactPage, **problems(404, 422)})
def list_segment_contacts(
    request: HttpRequest, segment_id: int, params: Query[ContactQuery]
) -> dict[str, Any]:
    """The segment's people that the caller may see (a saved search evaluated now), with the
    same filters, sorts, keyset pages and shape as GET /contacts."""
    user = actor(request)
    segment = _visible(request, segment_id)
    flt, errors = ContactFilter.parse(request.GET)
    raise_filter_errors(errors)
    page = segment_contact_list(
        user=user, segment=segment, flt=flt, cursor=params.cursor, size=params.limit
    )
    return page_data(page, contacts_data(request, page.items, user))


@router.post("/{int:segment_id}/members", response={200: MembersOut, **problems(403, 404, 422)})
def add_segment_members(request: HttpRequest, segment_id: int, payload: MembersIn) -> Any:
    """Add people (that the caller may see) to a static segment; already there is fine."""
    segment = _visible(request, segment_id)
    added = segment_add_members(actor=actor(request), segment=segment, contacts=payload.contacts)
    return {"changed": added}


@router.delete("/{int:segment_id}/members", response={200: MembersOut, **problems(403, 404, 422)})
def remove_segment_members(
    request: HttpRequest, segment_id: int, params: Query[MembersQuery]
) -> Any:
    """Take people out of a static segment (``?contact=1&contact=2``)."""
    segment = _visible(request, segment_id)
    removed = segment_remove_members(actor=actor(request), segment=segment, contacts=params.contact)
    return {"changed": removed}


def _recipients_data(check: Any) -> dict[str, Any]:
    return {
        "sendable": len(check.sendable),
        "skipped_count": len(check.skipped),
        "skipped": [
            {"contact": contact.pk, "name": contact.display_name, "reason": reason}
            for contact, reason in check.skipped[:SKIPPED_LISTED]
        ],
    }


@router.get("/{int:segment_id}/recipients", response={200: RecipientsOut, **problems(404)})
def segment_recipients(request: HttpRequest, segment_id: int) -> Any:
    """Before e-mailing a segment: how many of its people can be written to, and who is skipped
    and why (no address, an address that bounces, opted out, no opt-in the team requires)."""
    segment = _visible(request, segment_id)
    return _recipients_data(services.segment_recipients(actor(request), segment))


@router.post("/{int:segment_id}/send", response={202: SegmentSendOut, **problems(403, 404, 422)})
def send_to_segment(request: HttpRequest, segment_id: int, payload: SegmentSendIn) -> Any:
    """Queue one e-mail to each person of the segment who can be written to (the others are
    skipped and listed); each is logged on that person's timeline once sent."""
    segment = _visible(request, segment_id)
    queued, check = services.segment_send(
        actor=actor(request),
        segment=segment,
        subject=payload.subject,
        body=payload.body,
        template_id=payload.template,
    )
    data = _recipients_data(check)
    return Status(
        202, {"queued": queued, "skipped_count": data["skipped_count"], "skipped": data["skipped"]}
    )
