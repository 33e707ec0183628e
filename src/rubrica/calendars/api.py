"""/calendars and /appointments: list (keyset pages), create, read (ETag), change (If-Match),
Trash; sharing and the subscription URL of a calendar; its .ics export and import; occurrences
of a window (series expanded, private appointments of others as busy time); an attendee's
answer. Over ``calendars.services`` and ``calendars.selectors`` (If-Match is passed as
``expected_version``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rubrica.accounts.models import Team, User
from rubrica.calendars import ical, selectors, services
from rubrica.calendars.models import Appointment, Calendar
from rubrica.calendars.types import AppointmentInput, CalendarInput
from rubrica.core.models import Action
from rubrica.core.pagination import keyset_page
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import expected_version, not_modified, version_etag
from rubrica.kits.api.schemas import StrictIn

router = Router(tags=["calendars"])
appointments = Router(tags=["appointments"])

RsvpName = Literal["NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE"]


class CalendarIn(StrictIn):
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    color: str | None = Field(None, max_length=7, description="#RRGGBB")
    time_zone: str | None = Field(None, max_length=64)
    visibility: Literal["private", "team", "everyone"] | None = None
    team: int | str | None = None


class ShareOut(Schema):
    user: int | None
    team: int | None
    access: Literal["read", "write"]


class CalendarOut(Schema):
    id: int
    name: str
    description: str
    color: str
    time_zone: str
    owner: int
    team: int | None
    visibility: str
    shares: list[ShareOut] | None = Field(description="Only for the owner.")
    feed_url: str | None = Field(description="The secret subscription URL (owner only).")
    writable: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class CalendarPage(Schema):
    items: list[CalendarOut]
    next_cursor: str | None
    prev_cursor: str | None


class ShareIn(StrictIn):
    user: int | str | None = Field(None, description="User id or username.")
    team: int | str | None = Field(None, description="Team id or name.")
    access: Literal["read", "write"] | None = Field(..., description="null stops sharing.")


class FeedIn(StrictIn):
    enabled: bool = Field(..., description="true makes a new secret URL; false revokes it.")


class CalendarImportOut(Schema):
    created: int
    updated: int
    skipped: int


class GuestIn(StrictIn):
    email: str
    name: str | None = None


class AppointmentIn(StrictIn):
    """An appointment's fields; on PATCH only those sent change. Times without an offset are
    read in ``time_zone`` (default: the calendar's, else yours)."""

    calendar: int | None = Field(None, description="Default: your own calendar.")
    title: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=20_000)
    location: str | None = Field(None, max_length=500)
    start: dt.datetime | dt.date | None = None
    end: dt.datetime | dt.date | None = None
    all_day: bool | None = None
    time_zone: str | None = Field(None, max_length=64)
    rrule: str | None = Field(None, max_length=500, description="e.g. FREQ=WEEKLY;BYDAY=MO")
    exdates: list[dt.datetime] | None = None
    reminders: list[int] | None = Field(None, description="Minutes before the start.")
    private: bool | None = None
    people: list[int] | None = None
    users: list[int | str] | None = None
    guests: list[GuestIn] | None = None
    organizations: list[int] | None = None


class AttendeeOut(Schema):
    person: int | None
    user: int | None
    email: str
    name: str
    rsvp: RsvpName


class AppointmentOut(Schema):
    id: int
    calendar: int
    uid: str
    title: str
    description: str
    location: str
    start: dt.datetime
    end: dt.datetime
    all_day: bool
    time_zone: str
    rrule: str
    exdates: list[str]
    series: int | None
    recurrence_id: dt.datetime | None
    reminders: list[int]
    private: bool
    organizer: int | None
    attendees: list[AttendeeOut]
    organizations: list[int]
    activity: int | None
    owner: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    url: str


class AppointmentPage(Schema):
    items: list[AppointmentOut]
    next_cursor: str | None
    prev_cursor: str | None


class AppointmentQuery(ListParams):
    calendar: int | None = None
    person: int | None = Field(None, description="With this person invited.")
    since: dt.datetime | None = Field(None, description="Ending after this moment.")
    until: dt.datetime | None = Field(None, description="Starting before this moment.")


class WindowQuery(Schema):
    start: dt.datetime
    end: dt.datetime
    calendar: list[int] | None = None


class OccurrenceOut(Schema):
    appointment: int
    start: dt.datetime
    end: dt.datetime
    recurrence_id: dt.datetime | None
    busy: bool = Field(description="A private appointment of someone else: times only.")
    title: str


class RsvpIn(StrictIn):
    email: str
    rsvp: RsvpName


class ScopeQuery(Schema):
    scope: Literal["all", "this", "following"] = "all"
    occurrence: dt.datetime | None = Field(
        None, description="The original start of the occurrence (for this / following)."
    )


# Calendars ----------------------------------------------------------------------------------


def calendar_data(calendar: Calendar, request: HttpRequest) -> dict[str, Any]:
    user = actor(request)
    owner = user.is_administrator or calendar.owner_id == user.pk
    feed = (
        request.build_absolute_uri(reverse("calendars:feed", args=[calendar.feed_token]))
        if owner and calendar.feed_token
        else None
    )
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "description": calendar.description,
        "color": calendar.color,
        "time_zone": calendar.time_zone,
        "owner": calendar.owner_id,
        "team": calendar.team_id,
        "visibility": calendar.visibility,
        "shares": [
            {"user": s.user_id, "team": s.team_id, "access": s.access}
            for s in calendar.shares.all()
        ]
        if owner
        else None,
        "feed_url": feed,
        "writable": selectors.writable_calendars(user).filter(pk=calendar.pk).exists(),
        "version": calendar.version,
        "created_at": calendar.created_at,
        "updated_at": calendar.updated_at,
    }


def _calendar(request: HttpRequest, calendar_id: int) -> Calendar:
    found: Calendar = get_object_or_404(selectors.visible_calendars(actor(request)), pk=calendar_id)
    return found


@router.get("", response={200: CalendarPage, **problems(422)})
def list_calendars(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    qs = selectors.visible_calendars(actor(request)).prefetch_related("shares")
    page = keyset_page(qs, order=("id",), cursor=params.cursor, size=params.limit)
    return page_data(page, [calendar_data(c, request) for c in page.items])


def _calendar_input(payload: CalendarIn) -> CalendarInput:
    # The schema's fields are the input's keys; the service cleans every value.
    return cast(CalendarInput, payload.model_dump(exclude_unset=True))


@router.post("", response={201: CalendarOut, **problems(403, 422)})
def create_calendar(request: HttpRequest, payload: CalendarIn, response: HttpResponse) -> Any:
    calendar = services.calendar_create(actor=actor(request), data=_calendar_input(payload))
    response["Location"] = request.build_absolute_uri(
        reverse("api:get_calendar", args=[calendar.pk])
    )
    response["ETag"] = version_etag(calendar.version)
    return Status(201, calendar_data(calendar, request))


@router.get("/{int:calendar_id}", response={200: CalendarOut, 304: None, **problems(404)})
def get_calendar(request: HttpRequest, calendar_id: int, response: HttpResponse) -> Any:
    calendar = _calendar(request, calendar_id)
    etag = version_etag(calendar.version)
    if not_modified(request, etag):
        return HttpResponse(status=304, headers={"ETag": etag})
    response["ETag"] = etag
    return calendar_data(calendar, request)


@router.patch(
    "/{int:calendar_id}", response={200: CalendarOut, **problems(403, 404, 409, 412, 422)}
)
def update_calendar(
    request: HttpRequest, calendar_id: int, payload: CalendarIn, response: HttpResponse
) -> Any:
    calendar = _calendar(request, calendar_id)
    calendar = services.calendar_update(
        actor=actor(request),
        calendar=calendar,
        data=_calendar_input(payload),
        expected_version=expected_version(request, calendar.version),
    )
    response["ETag"] = version_etag(calendar.version)
    return calendar_data(calendar, request)


@router.delete("/{int:calendar_id}", response={204: None, **problems(403, 404, 412)})
def delete_calendar(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = _calendar(request, calendar_id)
    services.calendar_delete(
        actor=actor(request),
        calendar=calendar,
        expected_version=expected_version(request, calendar.version),
    )
    return HttpResponse(status=204)


@router.post("/{int:calendar_id}/shares", response={200: CalendarOut, **problems(403, 404, 422)})
def share_calendar(request: HttpRequest, calendar_id: int, payload: ShareIn) -> Any:
    calendar = _calendar(request, calendar_id)
    errors: dict[str, str] = {}
    from rubrica.core.services import lookup, raise_if

    user = lookup(User, payload.user, "user", errors, by="username")
    team = lookup(Team, payload.team, "team", errors, by="name")
    raise_if(errors)
    calendar = services.calendar_share(
        actor=actor(request), calendar=calendar, user=user, team=team, access=payload.access
    )
    return calendar_data(calendar, request)


@router.post("/{int:calendar_id}/feed", response={200: CalendarOut, **problems(403, 404)})
def set_feed(request: HttpRequest, calendar_id: int, payload: FeedIn) -> Any:
    calendar = _calendar(request, calendar_id)
    calendar = services.calendar_feed_set(
        actor=actor(request), calendar=calendar, enabled=payload.enabled
    )
    return calendar_data(calendar, request)


@router.get(
    "/{int:calendar_id}/export.ics",
    response={200: None, **problems(404)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The calendar as iCalendar.",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_calendar(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = _calendar(request, calendar_id)
    body = ical.calendar_ics(calendar, user=actor(request))
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@router.post(
    "/{int:calendar_id}/import",
    response={200: CalendarImportOut, **problems(403, 404, 422)},
    openapi_extra={"requestBody": {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
def import_calendar(request: HttpRequest, calendar_id: int) -> Any:
    """The body is the .ics file itself (Content-Type: text/calendar). All or nothing."""
    calendar = _calendar(request, calendar_id)
    result = ical.import_ics(actor=actor(request), calendar=calendar, ics=request.body)
    return {"created": result.created, "updated": result.updated, "skipped": result.skipped}


# Appointments -------------------------------------------------------------------------------


def appointment_data(appointment: Appointment, request: HttpRequest) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "calendar": appointment.calendar_id,
        "uid": appointment.ical_uid,
        "title": appointment.title,
        "description": appointment.description,
        "location": appointment.location,
        "start": appointment.start,
        "end": appointment.end,
        "all_day": appointment.all_day,
        "time_zone": appointment.time_zone,
        "rrule": appointment.rrule,
        "exdates": list(appointment.exdates),
        "series": appointment.master_id,
        "recurrence_id": appointment.recurrence_id,
        "reminders": list(appointment.reminders),
        "private": appointment.private,
        "organizer": appointment.organizer_id,
        "attendees": [
            {
                "person": a.contact_id,
                "user": a.user_id,
                "email": a.email,
                "name": a.name,
                "rsvp": a.rsvp,
            }
            for a in appointment.attendees.all()
        ],
        "organizations": [o.pk for o in appointment.organizations.all()],
        "activity": appointment.activity_id,
        "owner": appointment.owner_id,
        "version": appointment.version,
        "created_at": appointment.created_at,
        "updated_at": appointment.updated_at,
        "url": request.build_absolute_uri(appointment.get_absolute_url()),
    }


def _appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    qs = Appointment.objects.restrict(actor(request), Action.VIEW)
    found: Appointment = get_object_or_404(qs, pk=appointment_id)
    return found


def _input(payload: AppointmentIn) -> AppointmentInput:
    # The schema's fields are the input's keys; the service cleans every value.
    return cast(AppointmentInput, payload.model_dump(exclude_unset=True))


@appointments.get("", response={200: AppointmentPage, **problems(422)})
def list_appointments(request: HttpRequest, params: Query[AppointmentQuery]) -> dict[str, Any]:
    qs = Appointment.objects.restrict(actor(request), Action.VIEW)
    if params.calendar is not None:
        qs = qs.filter(calendar_id=params.calendar)
    if params.person is not None:
        qs = qs.filter(attendees__contact_id=params.person)
    if params.since is not None:
        qs = qs.filter(end__gt=params.since)
    if params.until is not None:
        qs = qs.filter(start__lt=params.until)
    qs = qs.prefetch_related("attendees", "organizations")
    page = keyset_page(qs, order=("start", "id"), cursor=params.cursor, size=params.limit)
    return page_data(page, [appointment_data(a, request) for a in page.items])


@appointments.get("/occurrences", response={200: list[OccurrenceOut], **problems(422)})
def list_occurrences(request: HttpRequest, params: Query[WindowQuery]) -> list[dict[str, Any]]:
    """The occurrences in ``[start, end)`` (at most 400 days), series expanded."""
    if params.end <= params.start or params.end - params.start > selectors.MAX_WINDOW:
        raise ValidationError({"end": _("Choose a shorter period.")})
    found = selectors.occurrences(
        user=actor(request), start=params.start, end=params.end, calendars=params.calendar
    )
    return [
        {
            "appointment": o.appointment.pk,
            "start": o.start,
            "end": o.end,
            "recurrence_id": o.recurrence_id,
            "busy": o.busy_only,
            "title": str(_("Busy")) if o.busy_only else o.appointment.title,
        }
        for o in found
    ]


@appointments.post("", response={201: AppointmentOut, **problems(403, 422)})
def create_appointment(request: HttpRequest, payload: AppointmentIn, response: HttpResponse) -> Any:
    appointment = services.appointment_create(actor=actor(request), data=_input(payload))
    response["Location"] = request.build_absolute_uri(
        reverse("api:get_appointment", args=[appointment.pk])
    )
    response["ETag"] = version_etag(appointment.version)
    return Status(201, appointment_data(appointment, request))


@appointments.get(
    "/{int:appointment_id}", response={200: AppointmentOut, 304: None, **problems(404)}
)
def get_appointment(request: HttpRequest, appointment_id: int, response: HttpResponse) -> Any:
    appointment = _appointment(request, appointment_id)
    etag = version_etag(appointment.version)
    if not_modified(request, etag):
        return HttpResponse(status=304, headers={"ETag": etag})
    response["ETag"] = etag
    return appointment_data(appointment, request)


@appointments.patch(
    "/{int:appointment_id}",
    response={200: AppointmentOut, **problems(403, 404, 409, 412, 422)},
)
def update_appointment(
    request: HttpRequest,
    appointment_id: int,
    payload: AppointmentIn,
    scope: Query[ScopeQuery],
    response: HttpResponse,
) -> Any:
    """``?scope=this|following&occurrence=...`` changes one occurrence of a series (or it and
    the later ones); the answer is then the occurrence's own record (or the new series)."""
    appointment = _appointment(request, appointment_id)
    changed = services.appointment_update(
        actor=actor(request),
        appointment=appointment,
        data=_input(payload),
        expected_version=expected_version(request, appointment.version),
        scope=scope.scope,
        occurrence=scope.occurrence,
    )
    response["ETag"] = version_etag(changed.version)
    return appointment_data(changed, request)


@appointments.delete("/{int:appointment_id}", response={204: None, **problems(403, 404, 412)})
def delete_appointment(
    request: HttpRequest, appointment_id: int, scope: Query[ScopeQuery]
) -> HttpResponse:
    """With ``?occurrence=`` only that occurrence of a series is cancelled."""
    appointment = _appointment(request, appointment_id)
    services.appointment_delete(
        actor=actor(request),
        appointment=appointment,
        expected_version=expected_version(request, appointment.version),
        occurrence=scope.occurrence,
    )
    return HttpResponse(status=204)


@appointments.post(
    "/{int:appointment_id}/rsvp", response={200: AppointmentOut, **problems(403, 404, 422)}
)
def set_rsvp(request: HttpRequest, appointment_id: int, payload: RsvpIn) -> Any:
    appointment = _appointment(request, appointment_id)
    services.attendee_set_rsvp(
        actor=actor(request), appointment=appointment, email=payload.email, rsvp=payload.rsvp
    )
    appointment.refresh_from_db()
    return appointment_data(appointment, request)


@appointments.post(
    "/{int:appointment_id}/invitations", response={200: list[str], **problems(403, 404)}
)
def send_invitations(request: HttpRequest, appointment_id: int) -> list[str]:
    """E-mail the METHOD:REQUEST invitation to the outside attendees not answered yet."""
    appointment = _appointment(request, appointment_id)
    return ical.send_invitations(actor=actor(request), appointment=appointment)
