"""/activities: the REST door of activities (mounted by rubrica.api.api). Handlers translate:
reads through restrict()/selectors, writes through activities.services (If-Match becomes
``expected_version``); lists are keyset pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from rubrica.accounts.models import User
from rubrica.activities import selectors, services
from rubrica.activities.markdown import render
from rubrica.activities.models import (
    Activity,
    ActivityOrganization,
    ActivityPerson,
    Outcome,
    TagCadence,
)
from rubrica.activities.types import ActivityInput
from rubrica.contacts.models import Contact
from rubrica.core.filters import raise_filter_errors
from rubrica.core.models import Action
from rubrica.core.pagination import keyset_page
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import expected_version, not_modified, version_etag
from rubrica.kits.api.schemas import StrictIn
from rubrica.organizations.models import Organization
from rubrica.taxonomy.models import Tag

router = Router(tags=["activities"])

KindName = Literal["note", "call", "email", "meeting", "sms", "chat", "visit", "social"]


class ActivityIn(StrictIn):
    """An activity to create, or the fields to change (PATCH sends only those)."""

    kind: KindName | None = None
    direction: Literal["", "in", "out"] | None = None
    occurred_at: dt.datetime | None = Field(None, description="Aware; now when omitted.")
    duration_minutes: int | None = Field(None, ge=0)
    outcome: int | str | None = Field(
        None, description="Outcome id or name (connected, voicemail, no-answer, wrong-number)."
    )
    subject: str | None = Field(None, max_length=300)
    body: str | None = Field(None, description="Markdown; @username mentions a user.")
    private: bool | None = None
    people: list[int] | None = Field(None, description="Ids of the people it concerns.")
    organizations: list[int] | None = Field(None, description="Ids of organizations.")
    users: list[int | str] | None = Field(None, description="Users who took part (ids, names).")


class ActivityOut(Schema):
    id: int
    uid: str
    version: int
    kind: str
    direction: str
    occurred_at: dt.datetime
    duration_minutes: int | None
    outcome: str | None
    subject: str
    body: str
    body_html: str = Field(description="The body rendered and sanitised.")
    private: bool
    owner: str
    people: list[int] = Field(description="Ids of the people it concerns that you may see.")
    organizations: list[int] = Field(description="Ids of its organizations that you may see.")
    users: list[str]
    mentioned_users: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None
    prev_cursor: str | None


class ActivityQuery(ListParams):
    person: int | None = Field(None, ge=1, description="The timeline of this person.")
    organization: int | None = Field(None, ge=1, description="The timeline of this organization.")
    kind: list[str] | None = Field(None, description="Kinds; repeat or separate with commas.")
    user: list[str] | None = Field(None, description="Owner or participating user ids.")
    since: dt.date | None = None
    until: dt.date | None = None


def activity_data(activities: list[Activity], user: User) -> list[dict[str, Any]]:
    ids = [a.pk for a in activities]
    people_links = list(ActivityPerson.objects.filter(activity_id__in=ids))
    org_links = list(ActivityOrganization.objects.filter(activity_id__in=ids))
    visible_people = set(
        Contact.objects.restrict(user, Action.VIEW)
        .filter(pk__in={link.contact_id for link in people_links})
        .values_list("pk", flat=True)
    )
    visible_orgs = set(
        Organization.objects.restrict(user, Action.VIEW)
        .filter(pk__in={link.organization_id for link in org_links})
        .values_list("pk", flat=True)
    )
    out = []
    for a in activities:
        out.append(
            {
                "id": a.pk,
                "uid": a.uid,
                "version": a.version,
                "kind": a.kind,
                "direction": a.direction,
                "occurred_at": a.occurred_at,
                "duration_minutes": a.duration_minutes,
                "outcome": a.outcome.name if a.outcome_id and a.outcome else None,
                "subject": a.subject,
                "body": a.body,
                "body_html": render(a.body),
                "private": a.private,
                "owner": a.owner.username,
                "people": sorted(
                    link.contact_id
                    for link in people_links
                    if link.activity_id == a.pk and link.contact_id in visible_people
                ),
                "organizations": sorted(
                    link.organization_id
                    for link in org_links
                    if link.activity_id == a.pk and link.organization_id in visible_orgs
                ),
                "users": sorted(u.username for u in a.users.all()),
                "mentioned_users": sorted(u.username for u in a.mentioned_users.all()),
                "created_at": a.created_at,
                "updated_at": a.updated_at,
                "deleted_at": a.deleted_at,
            }
        )
    return out


def _one(activity: Activity, user: User) -> dict[str, Any]:
    return activity_data([activity], user)[0]


def _visible(request: HttpRequest, activity_id: int) -> Activity:
    qs = Activity.objects.restrict(actor(request), Action.VIEW).select_related("owner", "outcome")
    activity: Activity = get_object_or_404(qs, pk=activity_id)
    return activity


def _input(payload: ActivityIn) -> ActivityInput:
    return cast(ActivityInput, payload.model_dump(exclude_unset=True))


@router.get("", response={200: ActivityPage, **problems(404, 422)})
def list_activities(request: HttpRequest, params: Query[ActivityQuery]) -> dict[str, Any]:
    """Activities you may see, newest first; with ``person`` or ``organization``, its timeline."""
    user = actor(request)
    flt, errors = selectors.TimelineFilter.parse(request.GET)
    raise_filter_errors(errors)
    record: Contact | Organization | None = None
    if params.person is not None:
        record = get_object_or_404(Contact.objects.restrict(user, Action.VIEW), pk=params.person)
    elif params.organization is not None:
        record = get_object_or_404(
            Organization.objects.restrict(user, Action.VIEW), pk=params.organization
        )
    qs = (
        selectors.record_activities(user, record)
        if record is not None
        else selectors.visible_activities(user)
    )
    qs = (
        flt.apply(qs)
        .select_related("owner", "outcome")
        .prefetch_related("users", "mentioned_users")
    )
    page = keyset_page(qs, order=selectors.ORDER, cursor=params.cursor, size=params.limit)
    return page_data(page, activity_data(page.items, user))


@router.post("", response={201: ActivityOut, **problems(403, 422)})
def create_activity(request: HttpRequest, payload: ActivityIn, response: HttpResponse) -> Any:
    activity = services.activity_create(actor=actor(request), data=_input(payload))
    response["Location"] = request.build_absolute_uri(
        reverse("api:get_activity", args=[activity.pk])
    )
    response["ETag"] = version_etag(activity.version)
    return Status(201, _one(activity, actor(request)))


@router.get("/{int:activity_id}", response={200: ActivityOut, 304: None, **problems(404)})
def get_activity(request: HttpRequest, activity_id: int, response: HttpResponse) -> Any:
    activity = _visible(request, activity_id)
    etag = version_etag(activity.version)
    if not_modified(request, etag):
        return HttpResponse(status=304, headers={"ETag": etag})
    response["ETag"] = etag
    return _one(activity, actor(request))


@router.patch("/{int:activity_id}", response={200: ActivityOut, **problems(403, 404, 412, 422)})
def update_activity(
    request: HttpRequest, activity_id: int, payload: ActivityIn, response: HttpResponse
) -> Any:
    activity = _visible(request, activity_id)
    activity = services.activity_update(
        actor=actor(request),
        activity=activity,
        data=_input(payload),
        expected_version=expected_version(request, activity.version),
    )
    response["ETag"] = version_etag(activity.version)
    return _one(activity, actor(request))


@router.delete("/{int:activity_id}", response={204: None, **problems(403, 404, 412)})
def delete_activity(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _visible(request, activity_id)
    services.activity_delete(
        actor=actor(request),
        activity=activity,
        expected_version=expected_version(request, activity.version),
    )
    return HttpResponse(status=204)


@router.post("/{int:activity_id}/restore", response={200: ActivityOut, **problems(403, 404, 412)})
def restore_activity(request: HttpRequest, activity_id: int, response: HttpResponse) -> Any:
    user = actor(request)
    activity = get_object_or_404(Activity.all_objects.restrict(user, Action.VIEW), pk=activity_id)
    activity = services.activity_restore(
        actor=user, activity=activity, expected_version=expected_version(request, activity.version)
    )
    response["ETag"] = version_etag(activity.version)
    return _one(activity, user)


class CadenceIn(StrictIn):
    ideal_days: int = Field(ge=1, le=3660)
    max_days: int = Field(ge=1, le=3660)


class CadenceOut(Schema):
    person: int
    ideal_days: int
    max_days: int
    due_at: dt.datetime
    overdue_at: dt.datetime
    from_tag: int | None = Field(
        None, description="The tag the cadence comes from; null for the person's own cadence."
    )


@router.put("/keep-in-touch/{int:person_id}", response={200: CadenceOut, **problems(403, 404, 422)})
def set_keep_in_touch(request: HttpRequest, person_id: int, payload: CadenceIn) -> Any:
    """Set a person's keep-in-touch cadence (whoever may change the person)."""
    user = actor(request)
    contact = get_object_or_404(Contact.objects.restrict(user, Action.VIEW), pk=person_id)
    cadence = services.keep_in_touch_set(
        actor=user, contact=contact, ideal_days=payload.ideal_days, max_days=payload.max_days
    )
    return _cadence(cadence)


class CadencePage(Schema):
    items: list[CadenceOut]
    next_cursor: str | None
    prev_cursor: str | None


def _cadence(cadence: Any) -> dict[str, Any]:
    return {
        "person": cadence.contact_id,
        "ideal_days": cadence.ideal_days,
        "max_days": cadence.max_days,
        "due_at": cadence.due_at,
        "overdue_at": cadence.overdue_at,
        "from_tag": cadence.source_tag_id,
    }


@router.get("/to-contact", response={200: CadencePage, **problems(422)})
def people_to_contact(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    """People with a keep-in-touch cadence whom you may see, the most overdue first."""
    page = selectors.people_to_contact(user=actor(request), cursor=params.cursor, size=params.limit)
    return page_data(page, [_cadence(c) for c in page.items])


class OutcomeOut(Schema):
    id: int
    name: str
    position: int
    retired: bool = Field(description="Not offered for new activities; old ones keep it.")


@router.get("/outcomes", response={200: list[OutcomeOut]})
def outcomes(request: HttpRequest) -> Any:
    """The call outcomes, in their order (the retired ones too, marked)."""
    actor(request)
    return [
        {"id": o.pk, "name": o.name, "position": o.position, "retired": o.retired}
        for o in Outcome.objects.order_by("position", "name", "pk")
    ]


class TagCadenceOut(Schema):
    tag: int
    tag_name: str
    ideal_days: int
    max_days: int
    #: The job storing the cadence on the tag's people (``/api/v1/jobs/{id}``) while it is
    #: queued or running, when they were too many to do it at once; else null.
    applying_job: int | None = None


def _tag_cadence(cadence: TagCadence) -> dict[str, Any]:
    job = cadence.refresh_job
    return {
        "tag": cadence.tag_id,
        "tag_name": cadence.tag.name,
        "ideal_days": cadence.ideal_days,
        "max_days": cadence.max_days,
        "applying_job": job.pk if job is not None and job.is_active else None,
    }


@router.get("/tag-cadences", response={200: list[TagCadenceOut]})
def tag_cadences(request: HttpRequest) -> Any:
    """The keep-in-touch cadences of tags (everyone with the tag, unless they have their own)."""
    actor(request)
    cadences = TagCadence.objects.select_related("tag", "refresh_job").order_by("tag__name")
    return [_tag_cadence(c) for c in cadences]


@router.put("/tag-cadences/{int:tag_id}", response={200: TagCadenceOut, **problems(403, 404, 422)})
def set_tag_cadence(request: HttpRequest, tag_id: int, payload: CadenceIn) -> Any:
    """Set a tag's cadence (administrators); its people's effective cadences follow at once, or
    by the job named in ``applying_job`` when they are many."""
    tag = get_object_or_404(Tag, pk=tag_id)
    cadence = services.tag_cadence_set(
        actor=actor(request), tag=tag, ideal_days=payload.ideal_days, max_days=payload.max_days
    )
    return _tag_cadence(cadence)


@router.delete("/tag-cadences/{int:tag_id}", response={204: None, **problems(403, 404)})
def clear_tag_cadence(request: HttpRequest, tag_id: int) -> HttpResponse:
    """Remove a tag's cadence (administrators); its people fall back to their other tags'."""
    tag = get_object_or_404(Tag, pk=tag_id)
    services.tag_cadence_clear(actor=actor(request), tag=tag)
    return HttpResponse(status=204)
