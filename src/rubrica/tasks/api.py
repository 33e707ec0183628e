"""/tasks: list (filters, keyset pages), create, read (ETag), change (If-Match), Trash,
complete, bulk complete / reassign; over ``tasks.services`` (If-Match is passed as
``expected_version``; ids in bulk requests go through ``restrict`` there)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rubrica.core.models import Action
from rubrica.core.pagination import keyset_page
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import expected_version, not_modified, version_etag
from rubrica.kits.api.schemas import StrictIn
from rubrica.tasks import selectors, services
from rubrica.tasks.models import Task
from rubrica.tasks.types import TaskInput

router = Router(tags=["tasks"])

StatusName = Literal["open", "done", "cancelled"]
PriorityName = Literal["low", "normal", "high", "urgent"]
PRIORITY_NAMES = {1: "low", 2: "normal", 3: "high", 4: "urgent"}


class TaskIn(StrictIn):
    """A task's fields; on PATCH only those sent change. ``due_at`` without an offset is read
    in ``time_zone`` (default: the caller's); ``due_date`` alone makes a task due all day."""

    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20_000)
    assignee: int | str | None = Field(None, description="User id or username; default: you.")
    due_date: dt.date | None = None
    due_at: dt.datetime | None = None
    time_zone: str | None = Field(None, max_length=64, description="IANA name, e.g. Europe/Rome.")
    priority: PriorityName | None = None
    status: StatusName | None = None
    remind_minutes_before: int | None = Field(None, ge=0)
    recurrence: str | None = Field(None, max_length=500, description="RRULE, e.g. FREQ=WEEKLY.")
    people: list[int] | None = None
    organizations: list[int] | None = None
    activity: int | None = Field(None, description="The activity this task follows up.")
    visibility: Literal["private", "team", "everyone"] | None = None
    owner: int | str | None = None
    team: int | str | None = None


class TaskOut(Schema):
    id: int
    title: str
    description: str
    assignee: int
    assignee_username: str
    due_date: dt.date | None
    due_at: dt.datetime | None
    time_zone: str
    priority: PriorityName
    status: StatusName
    completed_at: dt.datetime | None
    remind_minutes_before: int | None
    remind_at: dt.datetime | None
    recurrence: str
    previous: int | None
    activity: int | None
    people: list[int]
    organizations: list[int]
    owner: int
    team: int | None
    visibility: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    url: str


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: str | None
    prev_cursor: str | None


class TaskQuery(ListParams):
    assignee: str | None = Field(None, description='User id, username or "me".')
    status: StatusName | None = Field(None, description="Default: every status.")
    due: Literal["overdue", "today", "upcoming", "none"] | None = Field(
        None, description="Open tasks by due time, in your time zone."
    )
    person: int | None = Field(None, description="Linked to this person.")
    organization: int | None = Field(None, description="Linked to this organization.")


class BulkIn(StrictIn):
    action: Literal["complete", "reassign"]
    ids: list[int] = Field(..., max_length=services.BULK_MAX)
    assignee: int | str | None = Field(None, description="For reassign: user id or username.")


class BulkOut(Schema):
    changed: list[int]
    skipped: dict[int, str]


class CompleteOut(Schema):
    task: TaskOut
    next: TaskOut | None


def task_data(task: Task, request: HttpRequest) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "assignee": task.assignee_id,
        "assignee_username": task.assignee.get_username(),
        "due_date": task.due_date,
        "due_at": task.due_at,
        "time_zone": task.time_zone,
        "priority": PRIORITY_NAMES[task.priority],
        "status": task.status,
        "completed_at": task.completed_at,
        "remind_minutes_before": task.remind_minutes_before,
        "remind_at": task.remind_at,
        "recurrence": task.recurrence,
        "previous": task.previous_id,
        "activity": task.activity_id,
        "people": sorted(p.pk for p in task.people.all()),
        "organizations": sorted(o.pk for o in task.organizations.all()),
        "owner": task.owner_id,
        "team": task.team_id,
        "visibility": task.visibility,
        "version": task.version,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "url": request.build_absolute_uri(task.get_absolute_url()),
    }


def _visible(request: HttpRequest, task_id: int) -> Task:
    qs = Task.objects.restrict(actor(request), Action.VIEW).select_related("assignee")
    task: Task = get_object_or_404(qs, pk=task_id)
    return task


def _input(payload: TaskIn) -> TaskInput:
    """The service input: only the keys the client sent, so PATCH is partial. TaskIn has exactly
    TaskInput's fields (tests/api/test_write_protocol.py keeps them equal)."""
    return cast(TaskInput, payload.model_dump(exclude_unset=True))


@router.get("", response={200: TaskPage, **problems(422)})
def list_tasks(request: HttpRequest, params: Query[TaskQuery]) -> dict[str, Any]:
    user = actor(request)
    qs = Task.objects.restrict(user, Action.VIEW)
    if params.assignee:
        if params.assignee == "me":
            qs = qs.filter(assignee=user)
        elif params.assignee.isdigit():
            qs = qs.filter(assignee_id=int(params.assignee))
        else:
            qs = qs.filter(assignee__username__iexact=params.assignee)
    if params.status:
        qs = qs.filter(status=params.status)
    if params.due == "none":
        qs = qs.filter(status="open", due_date__isnull=True)
    elif params.due:
        qs = qs.filter(selectors.bucket_filters(user, timezone.now())[params.due], status="open")
    if params.person is not None:
        qs = qs.filter(people=params.person)
    if params.organization is not None:
        qs = qs.filter(organizations=params.organization)
    qs = qs.select_related("assignee").prefetch_related("people", "organizations")
    page = keyset_page(qs, order=("id",), cursor=params.cursor, size=params.limit)
    return page_data(page, [task_data(task, request) for task in page.items])


@router.post("", response={201: TaskOut, **problems(403, 422)})
def create_task(request: HttpRequest, payload: TaskIn, response: HttpResponse) -> Any:
    task = services.task_create(actor=actor(request), data=_input(payload))
    response["Location"] = request.build_absolute_uri(reverse("api:get_task", args=[task.pk]))
    response["ETag"] = version_etag(task.version)
    return Status(201, task_data(task, request))


@router.post("/bulk", response={200: BulkOut, **problems(422)})
def bulk_tasks(request: HttpRequest, payload: BulkIn) -> dict[str, Any]:
    user = actor(request)
    if payload.action == "complete":
        result = services.tasks_bulk_complete(actor=user, ids=payload.ids)
    else:
        if payload.assignee in (None, ""):
            raise ValidationError({"assignee": _("Name the user to give the tasks to.")})
        result = services.tasks_bulk_reassign(
            actor=user, ids=payload.ids, assignee=payload.assignee
        )
    return {"changed": result.changed, "skipped": result.skipped}


@router.get("/{int:task_id}", response={200: TaskOut, 304: None, **problems(404)})
def get_task(request: HttpRequest, task_id: int, response: HttpResponse) -> Any:
    task = _visible(request, task_id)
    etag = version_etag(task.version)
    if not_modified(request, etag):
        return HttpResponse(status=304, headers={"ETag": etag})
    response["ETag"] = etag
    return task_data(task, request)


@router.patch("/{int:task_id}", response={200: TaskOut, **problems(403, 404, 409, 412, 422)})
def update_task(request: HttpRequest, task_id: int, payload: TaskIn, response: HttpResponse) -> Any:
    task = _visible(request, task_id)
    task = services.task_update(
        actor=actor(request),
        task=task,
        data=_input(payload),
        expected_version=expected_version(request, task.version),
    )
    response["ETag"] = version_etag(task.version)
    return task_data(task, request)


@router.post("/{int:task_id}/complete", response={200: CompleteOut, **problems(403, 404, 412)})
def complete_task(request: HttpRequest, task_id: int, response: HttpResponse) -> Any:
    task = _visible(request, task_id)
    done, following = services.task_complete(
        actor=actor(request), task=task, expected_version=expected_version(request, task.version)
    )
    response["ETag"] = version_etag(done.version)
    return {
        "task": task_data(done, request),
        "next": task_data(following, request) if following is not None else None,
    }


@router.delete("/{int:task_id}", response={204: None, **problems(403, 404, 412)})
def delete_task(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _visible(request, task_id)
    services.task_delete(
        actor=actor(request), task=task, expected_version=expected_version(request, task.version)
    )
    return HttpResponse(status=204)
