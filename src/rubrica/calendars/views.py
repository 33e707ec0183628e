"""Calendars in the browser: the calendar page (month, week, day and agenda views of the vendored
EventCalendar, fed by ``events``, drag to move or resize through ``move``), an appointment's page
and form (from a person's page the person is an attendee), free/busy of colleagues while choosing
a time, a calendar's settings (sharing, subscription URL, .ics export and import), the public
read-only feed, and the panel on a person's page. No inline script (CSP): the page's script is
``static/calendars/calendar.js`` reading data attributes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from rubrica.accounts.models import User
from rubrica.calendars import ical, selectors, services
from rubrica.calendars.forms import AppointmentForm, CalendarForm, ImportForm, ShareForm
from rubrica.calendars.models import Appointment, Calendar, Rsvp
from rubrica.calendars.types import AppointmentInput, CalendarInput
from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.services import ConflictError
from rubrica.kits.web.access import AuthedRequest, can, require, require_can_create
from rubrica.kits.web.forms import add_service_errors, error_text, typed_datetime
from rubrica.kits.web.lists import safe_next

CONFLICT = gettext_lazy(
    "This appointment was changed by someone else meanwhile: reload it and try again."
)
ICS = "text/calendar; charset=utf-8"


def _appointment(request: AuthedRequest, pk: int) -> Appointment:
    qs = Appointment.objects.restrict(request.user).select_related("calendar", "organizer")
    found: Appointment = get_object_or_404(qs, pk=pk)
    return found


def _calendar(request: AuthedRequest, pk: int) -> Calendar:
    found: Calendar = get_object_or_404(selectors.visible_calendars(request.user), pk=pk)
    return found


def _window(request: HttpRequest) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    bounds = []
    for name in ("start", "end"):
        raw = request.GET.get(name, "")
        try:
            moment = parse_datetime(raw.replace("Z", "+00:00")) if raw else None
        except ValueError:
            moment = None
        if moment is None and raw:
            day = parse_date(raw[:10])
            moment = dt.datetime.combine(day, dt.time.min) if day else None
        if moment is None:
            raise ValidationError({name: _("Enter a date and time.")})
        bounds.append(moment if timezone.is_aware(moment) else moment.replace(tzinfo=tz))
    start, end = bounds
    if end <= start or end - start > selectors.MAX_WINDOW:
        raise ValidationError({"end": _("Choose a shorter period.")})
    return start, end


def _ids(raw: str) -> list[int]:
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


@login_required
def calendar_page(request: AuthedRequest) -> HttpResponse:
    # Reading the page writes nothing (ADR 0036): a first appointment makes "My calendar".
    calendars = list(selectors.visible_calendars(request.user).order_by("name", "id"))
    context = {
        "calendars": calendars,
        "first_calendar_on_save": not calendars and not request.user.is_read_only,
        "writable": set(selectors.writable_calendars(request.user).values_list("pk", flat=True)),
        "view": request.GET.get("view", "timeGridWeek"),
        "date": (parse_date(request.GET.get("date", "")[:10]) or timezone.localdate()).isoformat(),
        "section": "calendars",
    }
    return render(request, "calendars/calendar.html", context)


class _Events:
    """Occurrences as EventCalendar reads them. A month of 20 calendars answers thousands of
    events: what is the same for all (the reader's zone, the calendars they write, the label of
    busy time, the appointment URL pattern) is worked out once."""

    #: A number no appointment has, replaced in the reversed URL to make the pattern.
    _MARK = 987654321

    def __init__(self, tz: Any, writable: set[int]) -> None:
        self.tz = tz
        self.writable = writable
        self.busy_label = str(_("Busy"))
        url = reverse("calendars:appointment", args=[self._MARK])
        self.url_head, _mark, self.url_tail = url.partition(str(self._MARK))

    def url(self, appointment: Appointment, occurrence: ical.Occurrence) -> str:
        url = f"{self.url_head}{appointment.pk}{self.url_tail}"
        if appointment.rrule and appointment.master_id is None:
            url += "?" + urlencode({"occurrence": occurrence.start.isoformat()})
        return url

    def event(self, occurrence: ical.Occurrence) -> dict[str, Any]:
        appointment = occurrence.appointment
        # isoformat()[:19] is "%Y-%m-%dT%H:%M:%S" (the seconds at most), [:10] the date.
        width = 10 if appointment.all_day else 19
        busy = occurrence.busy_only
        series = appointment.master_id or (appointment.pk if appointment.rrule else None)
        return {
            "id": f"{appointment.pk}-{occurrence.start.timestamp():.0f}",
            "title": self.busy_label if busy else appointment.title,
            "start": occurrence.start.astimezone(self.tz).isoformat()[:width],
            "end": occurrence.end.astimezone(self.tz).isoformat()[:width],
            "allDay": appointment.all_day,
            "backgroundColor": appointment.calendar.color,
            "editable": not busy and appointment.calendar_id in self.writable,
            "extendedProps": {
                "pk": appointment.pk,
                "version": appointment.version,
                "busy": busy,
                "url": "" if busy else self.url(appointment, occurrence),
                "occurrence": occurrence.start.isoformat()
                if series and not appointment.master_id
                else "",
            },
        }


@login_required
@require_GET
def events(request: AuthedRequest) -> HttpResponse:
    """The occurrences of a window as EventCalendar reads them (times in the user's zone)."""
    try:
        start, end = _window(request)
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)
    found = selectors.occurrences(
        user=request.user,
        start=start,
        end=end,
        calendars=_ids(request.GET.get("calendars", "")) or None,
    )
    tz = timezone.get_current_timezone()
    writable = set(selectors.writable_calendars(request.user).values_list("pk", flat=True))
    writer = _Events(tz, writable)
    return JsonResponse([writer.event(o) for o in found], safe=False)


@login_required
@require_POST
def move(request: AuthedRequest, pk: int) -> HttpResponse:
    """Drag to move or resize: the new start and end (in the user's zone) through the update
    service with the version read; a moved occurrence of a series becomes an override."""
    appointment = _appointment(request, pk)
    if not can(request.user, appointment, Action.CHANGE):
        return JsonResponse({"error": _("You may not change this appointment.")}, status=403)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    version = body.get("version")
    data: dict[str, Any] = {"start": str(body.get("start", "")), "end": str(body.get("end", ""))}
    if "allDay" in body:
        data["all_day"] = bool(body["allDay"])
    tz = timezone.get_current_timezone()
    for name in ("start", "end"):
        try:
            moment = parse_datetime(data[name])
        except ValueError:
            moment = None
        if moment is None and parse_date(data[name][:10]) is not None:
            moment = dt.datetime.combine(dt.date.fromisoformat(data[name][:10]), dt.time.min)
        if moment is not None and timezone.is_naive(moment):
            moment = moment.replace(tzinfo=tz)
        data[name] = moment
    occurrence = None
    raw_occurrence = str(body.get("occurrence") or "")
    if raw_occurrence:
        occurrence = parse_datetime(raw_occurrence)
    try:
        changed = services.appointment_update(
            actor=request.user,
            appointment=appointment,
            data=cast(AppointmentInput, data),  # start, end, all_day: the drag's fields
            expected_version=int(str(version)) if str(version).isdigit() else None,
            scope="this" if occurrence is not None else "all",
            occurrence=occurrence,
        )
    except ConflictError:
        return JsonResponse({"error": str(CONFLICT)}, status=409)
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=422)
    except PermissionDenied:
        return JsonResponse({"error": _("You may not change this appointment.")}, status=403)
    return JsonResponse({"pk": changed.pk, "version": changed.version})


def _occurrence(request: HttpRequest, appointment: Appointment) -> dt.datetime | None:
    """``?occurrence=`` (or the posted field): the original start of one occurrence of a series
    (the calendar links each occurrence so); None for a single appointment or a bad value."""
    raw = request.POST.get("occurrence") or request.GET.get("occurrence") or ""
    if not raw or not appointment.rrule:
        return None
    try:
        moment = parse_datetime(raw.replace(" ", "+"))
    except ValueError:
        return None
    if moment is None or timezone.is_naive(moment):
        return None
    return moment


@login_required
def appointment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk)
    tz = services.zone(appointment.time_zone)
    occurrence = _occurrence(request, appointment)
    context = {
        "occurrence": occurrence.astimezone(tz) if occurrence else None,
        "occurrence_iso": occurrence.isoformat() if occurrence else "",
        "appointment": appointment,
        "start": appointment.start.astimezone(tz),
        "end": appointment.end.astimezone(tz),
        "attendees": list(appointment.attendees.select_related("contact", "user")),
        "visible_people": set(
            Contact.objects.restrict(request.user)
            .filter(attendances__appointment=appointment)
            .values_list("pk", flat=True)
        ),
        "organizations": appointment.organizations.all(),
        "can_change": can(request.user, appointment, Action.CHANGE),
        "rsvp_choices": Rsvp.choices,
        "my_attendance": appointment.attendees.filter(user=request.user).first(),
        "section": "calendars",
    }
    return render(request, "calendars/appointment.html", context)


def _save(
    request: AuthedRequest,
    form: AppointmentForm,
    appointment: Appointment | None,
    occurrence: dt.datetime | None = None,
) -> tuple[Appointment | None, int]:
    if not form.is_valid():
        return None, 400
    try:
        if appointment is None:
            return services.appointment_create(actor=request.user, data=form.to_data()), 200
        data = form.to_data()
        if occurrence is not None:
            data.pop("rrule", None)
            data.pop("calendar", None)
        return (
            services.appointment_update(
                actor=request.user,
                appointment=appointment,
                data=data,
                expected_version=form.cleaned_data["version"],
                scope="following"
                if occurrence and form.cleaned_data.get("scope") == "following"
                else "this"
                if occurrence
                else "all",
                occurrence=occurrence,
            ),
            200,
        )
    except ConflictError:
        form.add_error(None, str(CONFLICT))
        return None, 409
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None, 400
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You may not do this."))
        return None, 403


def _initial(request: AuthedRequest) -> tuple[dict[str, Any], list[Contact]]:
    """``?person=`` (from a person's page: they are invited) and ``?start=`` (a click on the
    calendar)."""
    initial: dict[str, Any] = {}
    people: list[Contact] = []
    raw = request.GET.get("person", "")
    if raw.isdigit():
        person = get_object_or_404(Contact.objects.restrict(request.user), pk=int(raw))
        people = [person]
        initial["people"] = str(person.pk)
        initial["title"] = _("Meeting with %(name)s") % {"name": person.display_name}
    start = parse_datetime(request.GET.get("start", "")) if request.GET.get("start") else None
    if start is None:
        now = timezone.localtime()
        start = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    initial["start"] = start.replace(tzinfo=None)
    initial["end"] = (start + dt.timedelta(hours=1)).replace(tzinfo=None)
    initial["time_zone"] = timezone.get_current_timezone_name()
    first = selectors.writable_calendars(request.user).order_by("name", "id").first()
    if first is not None:  # else the form offers "My calendar", made when saved (ADR 0036)
        initial["calendar"] = first.pk
    return initial, people


@login_required
def appointment_create_view(request: AuthedRequest) -> HttpResponse:
    require_can_create(request.user, Appointment)
    initial, people = _initial(request)
    if request.method == "POST":
        form = AppointmentForm(request.POST, user=request.user)
        created, status = _save(request, form, None)
        if created is not None:
            messages.success(request, _("The appointment was added."))
            return redirect(safe_next(request, created.get_absolute_url()))
        ids = _ids(request.POST.get("people", ""))
        people = list(Contact.objects.restrict(request.user).filter(pk__in=ids))
    else:
        form = AppointmentForm(user=request.user, initial=initial)
        status = 200
    context = {
        "form": form,
        "appointment": None,
        "people": people,
        "next": request.GET.get("next", ""),
        "section": "calendars",
    }
    return render(request, "calendars/form.html", context, status=status)


@login_required
def appointment_edit_view(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk)
    require(request.user, appointment, Action.CHANGE)
    occurrence = _occurrence(request, appointment)
    if request.method == "POST":
        form = AppointmentForm(
            request.POST, user=request.user, appointment=appointment, occurrence=occurrence
        )
        saved, status = _save(request, form, appointment, occurrence)
        if saved is not None:
            messages.success(request, _("The appointment was saved."))
            return redirect(saved)
    else:
        form = AppointmentForm(user=request.user, appointment=appointment, occurrence=occurrence)
        status = 200
    people = Contact.objects.restrict(request.user).filter(attendances__appointment=appointment)
    context = {
        "form": form,
        "appointment": appointment,
        "occurrence_iso": occurrence.isoformat() if occurrence else "",
        "people": list(people),
        "next": "",
        "section": "calendars",
    }
    return render(request, "calendars/form.html", context, status=status)


@login_required
@require_POST
def appointment_delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk)
    require(request.user, appointment, Action.DELETE)
    occurrence = _occurrence(request, appointment)
    if occurrence is not None:
        try:
            services.appointment_delete(
                actor=request.user, appointment=appointment, occurrence=occurrence
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("This occurrence was cancelled."))
        return redirect(appointment)
    services.appointment_delete(actor=request.user, appointment=appointment)
    messages.success(request, _("The appointment was moved to the Trash."))
    return redirect("calendars:page")


@login_required
@require_POST
def appointment_invite_view(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk)
    require(request.user, appointment, Action.CHANGE)
    sent = ical.send_invitations(actor=request.user, appointment=appointment)
    if sent:
        messages.success(request, _("Invitations sent to: %(to)s.") % {"to": ", ".join(sent)})
    else:
        messages.info(request, _("Nobody is waiting for an invitation."))
    return redirect(appointment)


@login_required
@require_POST
def appointment_rsvp_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """An invited user answers for themselves."""
    appointment = _appointment(request, pk)
    mine = appointment.attendees.filter(user=request.user).first()
    if mine is None:
        raise PermissionDenied
    try:
        services.attendee_set_rsvp(
            actor=request.user,
            appointment=appointment,
            email=mine.email,
            rsvp=request.POST.get("rsvp", ""),
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(appointment)


@login_required
def appointment_ics(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk)
    response = HttpResponse(ical.appointment_ics(appointment, user=request.user), content_type=ICS)
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@login_required
def freebusy(request: AuthedRequest) -> HttpResponse:
    """The busy times of the colleagues chosen, on the day chosen (an htmx fragment of the
    form)."""
    raw = typed_datetime(request.GET.get("day") or request.GET.get("start") or "")
    day = parse_date(raw[:10]) or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    ids = [int(v) for v in request.GET.getlist("users") if v.isdigit()][:20]
    users = list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))
    busy = selectors.free_busy(users=users, start=start, end=start + dt.timedelta(days=1))
    rows = [
        (u, [(a.astimezone(tz), b.astimezone(tz)) for a, b in busy.get(u.pk, [])]) for u in users
    ]
    return render(request, "calendars/_freebusy.html", {"rows": rows, "day": day})


# Calendars ----------------------------------------------------------------------------------


@login_required
def calendar_new(request: AuthedRequest) -> HttpResponse:
    require_can_create(request.user, Calendar)
    form = CalendarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            calendar = services.calendar_create(
                actor=request.user, data=cast(CalendarInput, form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(calendar)
    return render(request, "calendars/calendar_form.html", {"form": form, "section": "calendars"})


@login_required
def calendar_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = _calendar(request, pk)
    is_owner = can(request.user, calendar, Action.CHANGE)
    form = CalendarForm(
        request.POST if request.method == "POST" else None,
        initial={
            "name": calendar.name,
            "color": calendar.color,
            "time_zone": calendar.time_zone,
            "description": calendar.description,
        },
    )
    if request.method == "POST":
        require(request.user, calendar, Action.CHANGE)
        if form.is_valid():
            try:
                services.calendar_update(
                    actor=request.user,
                    calendar=calendar,
                    data=cast(CalendarInput, form.cleaned_data),  # the form's fields are its keys
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The calendar was saved."))
                return redirect(calendar)
    feed_url = (
        request.build_absolute_uri(reverse("calendars:feed", args=[calendar.feed_token]))
        if calendar.feed_token and is_owner
        else ""
    )
    context = {
        "calendar": calendar,
        "form": form,
        "share_form": ShareForm(),
        "import_form": ImportForm(),
        "shares": calendar.shares.select_related("user", "team"),
        "is_owner": is_owner,
        "can_write": selectors.writable_calendars(request.user).filter(pk=calendar.pk).exists(),
        "feed_url": feed_url,
        "section": "calendars",
    }
    return render(request, "calendars/calendar_detail.html", context)


@login_required
@require_POST
def calendar_share_view(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = _calendar(request, pk)
    require(request.user, calendar, Action.CHANGE)
    if request.POST.get("remove"):
        kind, _sep, raw = request.POST["remove"].partition(":")
        target_user = (
            User.objects.filter(pk=int(raw)).first() if kind == "user" and raw.isdigit() else None
        )
        from rubrica.accounts.models import Team

        target_team = (
            Team.objects.filter(pk=int(raw)).first() if kind == "team" and raw.isdigit() else None
        )
        services.calendar_share(
            actor=request.user, calendar=calendar, user=target_user, team=target_team, access=None
        )
        return redirect(calendar)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            services.calendar_share(
                actor=request.user,
                calendar=calendar,
                user=form.cleaned_data["user"],
                team=form.cleaned_data["team"],
                access=form.cleaned_data["access"],
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The calendar is shared."))
    return redirect(calendar)


@login_required
@require_POST
def calendar_feed_view(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = _calendar(request, pk)
    require(request.user, calendar, Action.CHANGE)
    enabled = request.POST.get("enabled") == "1"
    services.calendar_feed_set(actor=request.user, calendar=calendar, enabled=enabled)
    if enabled:
        messages.success(
            request, _("A new subscription address was made; the old one no longer works.")
        )
    else:
        messages.success(request, _("The subscription address no longer works."))
    return redirect(calendar)


@login_required
def calendar_export(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = _calendar(request, pk)
    response = HttpResponse(ical.calendar_ics(calendar, user=request.user), content_type=ICS)
    response["Content-Disposition"] = f'attachment; filename="calendar-{calendar.pk}.ics"'
    return response


@login_required
@require_POST
def calendar_import(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = _calendar(request, pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an .ics file."))
        return redirect(calendar)
    try:
        result = ical.import_ics(
            actor=request.user, calendar=calendar, ics=form.cleaned_data["file"].read()
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Imported: %(created)d new, %(updated)d updated.")
            % {"created": result.created, "updated": result.updated},
        )
    return redirect(calendar)


@login_required
@require_POST
def calendar_delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = _calendar(request, pk)
    require(request.user, calendar, Action.DELETE)
    services.calendar_delete(actor=request.user, calendar=calendar)
    messages.success(request, _("The calendar was moved to the Trash."))
    return redirect("calendars:page")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The read-only subscription feed: anyone with the secret address, no login; a revoked or
    unknown token (or a calendar in the Trash) is a 404."""
    if len(token) < 20:
        raise Http404
    calendar = Calendar.objects.filter(feed_token=token).exclude(feed_token="").first()
    if calendar is None:
        raise Http404
    response = HttpResponse(ical.calendar_ics(calendar, user=None), content_type=ICS)
    response["Cache-Control"] = "private, max-age=300"
    return response


# The panel on a person's page ----------------------------------------------------------------


def person_panel(request: HttpRequest, record: Any) -> Mapping[str, Any] | None:
    """Upcoming appointments with the person, and "New appointment" (inviting them)."""
    user = request.user
    if not isinstance(user, User):
        return None
    rows = list(
        Appointment.objects.restrict(user)
        .filter(attendees__contact=record, end__gte=timezone.now())
        .order_by("start", "id")
        .distinct()[:10]
    )
    return {
        "appointments": rows,
        "add_url": (
            f"{reverse('calendars:new')}?person={record.pk}&next={record.get_absolute_url()}"
        ),
        "can_add": not user.is_read_only,
    }
