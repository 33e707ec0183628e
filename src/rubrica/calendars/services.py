"""Writes on calendars and appointments (the protocol of every domain: permission through the
policies, row lock and ``expected_version``, history in the same transaction, errors by field).

An appointment that names people is a meeting on their timelines: the services keep one
``activities.Activity`` per appointment through the activities services (created, changed, sent
to the Trash and back with it). A recurring appointment's occurrences are changed one at a time
(an override row), from one on ("this and following": the series is cut and a new one starts),
or all at once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any, Literal, cast

from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from rubrica import search
from rubrica.accounts.models import Team, User
from rubrica.activities import services as activities
from rubrica.activities.models import Activity, Kind
from rubrica.activities.types import ActivityInput
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.calendars.models import (
    Appointment,
    Attendee,
    Calendar,
    CalendarShare,
    Rsvp,
    new_feed_token,
)
from rubrica.calendars.policies import Access, CalendarPolicy
from rubrica.calendars.types import AppointmentInput, CalendarInput
from rubrica.contacts.models import Contact
from rubrica.core import normalize
from rubrica.core.models import Action, new_uid
from rubrica.core.services import (
    Errors,
    begin_update,
    clean_text,
    clean_visibility,
    ensure_can,
    ensure_can_create,
    lock_and_check_version,
    lookup,
    raise_if,
)
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.history.services import diff, history_record, purge_trashed, record_set_deleted
from rubrica.organizations.models import Organization

CALENDAR_TEXT = {"name": 200, "description": 5000}
CALENDAR_FIELDS = (*CALENDAR_TEXT, "color", "time_zone", "visibility", "team")
APPOINTMENT_TEXT = {"title": 300, "description": 20_000, "location": 500}
APPOINTMENT_FIELDS = (
    *APPOINTMENT_TEXT,
    "calendar",
    "start",
    "end",
    "all_day",
    "time_zone",
    "rrule",
    "exdates",
    "reminders",
    "private",
    "people",
    "users",
    "guests",
    "organizations",
)
#: Fields only the import and the iCalendar code set (not offered by the doors).
ICAL_FIELDS = ("ical_uid", "ical_extra", "sequence", "organizer_email", "rsvp")
MAX_LINKS = 100
MAX_REMINDERS = 10
MAX_REMIND_MINUTES = 60 * 24 * 60
MAX_SPAN = dt.timedelta(days=366)
FREQS = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")

Scope = Literal["all", "this", "following"]


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def valid_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def clean_rrule(raw: str) -> str:
    """The rule as stored (``FREQ=...``, no ``RRULE:``), or ValueError saying why."""
    text = raw.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:].strip()
    if not text:
        return ""
    if len(text) > 500 or "\n" in text or "DTSTART" in text.upper():
        raise ValueError(_("Enter one RRULE such as FREQ=WEEKLY;BYDAY=MO."))
    parts = dict(part.split("=", 1) for part in text.upper().split(";") if "=" in part)
    if parts.get("FREQ") not in FREQS[3:]:
        raise ValueError(_("Repeat daily, weekly, monthly or yearly (FREQ=...)."))
    try:
        rrulestr(text, dtstart=dt.datetime(2000, 1, 1))  # noqa: DTZ001 (wall time)
    except (ValueError, TypeError) as exc:
        raise ValueError(_("This is not a valid RRULE: %(e)s") % {"e": exc}) from None
    return text


# Calendars ----------------------------------------------------------------------------------


def _clean_calendar(data: Mapping[str, Any], *, creating: bool) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    for name in sorted(set(data) - set(CALENDAR_FIELDS)):
        errors[name] = _("Unknown field.")
    values: dict[str, Any] = clean_text(data, CALENDAR_TEXT, errors, multiline=("description",))
    if ("name" in values or creating) and not values.get("name"):
        errors["name"] = _("A calendar needs a name.")
    if "color" in data:
        color = str(data["color"] or "").strip()
        if len(color) != 7 or not color.startswith("#") or not _is_hex(color[1:]):
            errors["color"] = _("Enter a colour as #RRGGBB.")
        values["color"] = color.lower()
    if "time_zone" in data:
        name = str(data["time_zone"] or "").strip()
        if name and not valid_zone(name):
            errors["time_zone"] = _("Enter a time zone such as Europe/Rome.")
        values["time_zone"] = name
    visibility = clean_visibility(data, errors)
    if visibility is not None:
        values["visibility"] = visibility
    if "team" in data:
        values["team"] = lookup(Team, data["team"], "team", errors, by="name")
    return values, errors


def _is_hex(text: str) -> bool:
    return all(ch in "0123456789abcdefABCDEF" for ch in text)


def _calendar_snapshot(calendar: Calendar) -> dict[str, Any]:
    return {
        "name": calendar.name,
        "description": calendar.description,
        "color": calendar.color,
        "time_zone": calendar.time_zone,
        "visibility": calendar.visibility,
        "team": calendar.team.name if calendar.team else None,
        "shares": sorted(
            f"{'user' if s.user_id else 'team'}:{s.user_id or s.team_id}:{s.access}"
            for s in calendar.shares.all()
        ),
        "feed": bool(calendar.feed_token),
    }


@transaction.atomic
def calendar_create(*, actor: User, data: CalendarInput) -> Calendar:
    ensure_can_create(actor, Calendar)
    values, errors = _clean_calendar(data, creating=True)
    raise_if(errors)
    calendar = Calendar(owner=actor, **values)
    calendar.save()
    after = {k: v for k, v in _calendar_snapshot(calendar).items() if v not in ("", None, [])}
    history_record(
        actor=actor,
        instance=calendar,
        action=HistoryAction.CREATE,
        changes=diff({}, after),
        version=calendar.version,
    )
    return calendar


def _calendar_changed(actor: User, calendar: Calendar, before: dict[str, Any]) -> Calendar:
    changes = diff(before, _calendar_snapshot(calendar))
    if changes:
        calendar.version += 1
        calendar.save()
        history_record(
            actor=actor,
            instance=calendar,
            action=HistoryAction.UPDATE,
            changes=changes,
            version=calendar.version,
        )
    return calendar


@transaction.atomic
def calendar_update(
    *,
    actor: User,
    calendar: Calendar,
    data: CalendarInput,
    expected_version: int | None = None,
) -> Calendar:
    current: Calendar = begin_update(actor, calendar, expected_version)
    values, errors = _clean_calendar(data, creating=False)
    raise_if(errors)
    before = _calendar_snapshot(current)
    for name, value in values.items():
        setattr(current, name, value)
    return _calendar_changed(actor, current, before)


@transaction.atomic
def calendar_share(
    *,
    actor: User,
    calendar: Calendar,
    user: User | None = None,
    team: Team | None = None,
    access: str | None = Access.READ,
) -> Calendar:
    """Share ``calendar`` with a user or a team (``access`` read or write), or stop sharing it
    with them (``access=None``). Only the owner and administrators share."""
    current: Calendar = begin_update(actor, calendar, None)
    if (user is None) == (team is None):
        raise ValidationError({"user": _("Name one user or one team.")})
    if access not in (Access.READ, Access.WRITE, None):
        raise ValidationError({"access": _("Choose read or write.")})
    if user is not None and user.pk == current.owner_id:
        raise ValidationError({"user": _("The owner always has the calendar.")})
    before = _calendar_snapshot(current)
    who: dict[str, Any] = {"user": user} if user is not None else {"team": team}
    if access is None:
        CalendarShare.objects.filter(calendar=current, **who).delete()
    else:
        CalendarShare.objects.update_or_create(calendar=current, **who, defaults={"access": access})
    audit.record(
        actor,
        AuditAction.SHARE_REMOVE if access is None else AuditAction.SHARE_ADD,
        current,
        {
            "user": user.get_username() if user is not None else None,
            "team": str(team) if team is not None else None,
            "access": access,
        },
    )
    return _calendar_changed(actor, current, before)


@transaction.atomic
def calendar_feed_set(*, actor: User, calendar: Calendar, enabled: bool) -> Calendar:
    """Make a new secret subscription URL (the old one stops working) or revoke it."""
    current: Calendar = begin_update(actor, calendar, None)
    before = _calendar_snapshot(current)
    current.feed_token = new_feed_token() if enabled else ""
    current.save(update_fields=["feed_token", "updated_at"])
    audit.record(
        actor,
        AuditAction.SHARE_ADD if enabled else AuditAction.SHARE_REMOVE,
        current,
        {"subscription_url": enabled},
    )
    changes = diff(before, _calendar_snapshot(current))
    current.version += 1
    current.save(update_fields=["version"])
    history_record(
        actor=actor,
        instance=current,
        action=HistoryAction.UPDATE,
        changes=changes or {"feed": {"before": True, "after": True}},
        version=current.version,
    )
    return current


@transaction.atomic
def calendar_delete(
    *, actor: User, calendar: Calendar, expected_version: int | None = None
) -> Calendar:
    """Move to the Trash; its appointments stay and are hidden with it (their calendar is not
    visible while in the Trash), and its subscription URL stops answering."""
    if expected_version is not None:
        ensure_can(actor, calendar, Action.DELETE)
        lock_and_check_version(Calendar, calendar.pk, expected_version)
    result: Calendar = record_set_deleted(actor, calendar, deleted=True)
    return result


@transaction.atomic
def calendar_restore(*, actor: User, calendar: Calendar) -> Calendar:
    result: Calendar = record_set_deleted(actor, calendar, deleted=False)
    return result


def calendar_trash_purge(*, cutoff: dt.datetime) -> int:
    """Delete for good the calendars in the Trash since before ``cutoff``, with their
    appointments (system task)."""

    def appointments_first(ids: list[int]) -> None:
        for appointment in Appointment.all_objects.filter(calendar_id__in=ids, master=None):
            _purge_appointment(appointment)

    return purge_trashed(Calendar, cutoff=cutoff, before_delete=appointments_first)


def writable_calendars(user: User) -> Any:
    return Calendar.objects.filter(CalendarPolicy("appointments").writable_q(user))


def default_calendar(actor: User) -> Calendar:
    """The actor's first own calendar, made on first use ("My calendar")."""
    mine = Calendar.objects.filter(owner=actor).order_by("id").first()
    if mine is not None:
        return mine
    return calendar_create(actor=actor, data={"name": _("My calendar")})


# Appointments: cleaning ---------------------------------------------------------------------


def _clean_moment(raw: Any, field: str, tz: dt.tzinfo, errors: Errors) -> dt.datetime | None:
    value: dt.datetime | None = None
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, dt.date):
        value = dt.datetime.combine(raw, dt.time.min)
    elif isinstance(raw, str) and raw.strip():
        text = raw.strip()
        try:
            value = parse_datetime(text)
        except ValueError:
            value = None
        if value is None:
            day = parse_date(text) if len(text) == 10 else None
            value = dt.datetime.combine(day, dt.time.min) if day else None
    if value is None:
        errors[field] = _("Enter a date and time as YYYY-MM-DDTHH:MM.")
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=tz)
    if not (
        dt.datetime(1900, 1, 1, tzinfo=dt.UTC) <= value <= dt.datetime(9000, 1, 1, tzinfo=dt.UTC)
    ):
        errors[field] = _("Enter a date between 1900 and 9000.")
        return None
    return value


def _clean_id_list(data: Mapping[str, Any], name: str, errors: Errors) -> list[str] | None:
    if name not in data:
        return None
    raw = data[name] if data[name] not in (None, "") else []
    if isinstance(raw, str | int):
        raw = [part for part in str(raw).split(",") if part.strip()]
    if not isinstance(raw, list | tuple) or len(raw) > MAX_LINKS:
        errors[name] = _("Enter a list of at most %(n)d entries.") % {"n": MAX_LINKS}
        return None
    return [str(item).strip() for item in dict.fromkeys(raw)]


def _resolve_ids(source: Any, items: list[str], name: str, errors: Errors) -> list[Any]:
    ids = [int(item) for item in items if item.isascii() and item.isdigit()]
    found = {row.pk: row for row in source.filter(pk__in=ids)}
    missing = [item for item in items if not (item.isdigit() and int(item) in found)]
    if missing:  # invisible and unknown records look the same
        errors[name] = _("Not found: %(ids)s.") % {"ids": ", ".join(missing)}
        return []
    return [found[int(item)] for item in items]


def _clean_guests(data: Mapping[str, Any], errors: Errors) -> list[dict[str, str]] | None:
    """Outside attendees: ``[{"email": ..., "name": ..., "rsvp": ...}]`` or plain addresses."""
    if "guests" not in data:
        return None
    raw = data["guests"] or []
    if isinstance(raw, str):
        raw = [part for part in raw.replace(";", ",").split(",") if part.strip()]
    if not isinstance(raw, list | tuple) or len(raw) > MAX_LINKS:
        errors["guests"] = _("Enter a list of at most %(n)d entries.") % {"n": MAX_LINKS}
        return None
    guests: list[dict[str, str]] = []
    for index, item in enumerate(raw):
        row = dict(item) if isinstance(item, Mapping) else {"email": str(item)}
        try:
            email = normalize.email(str(row.get("email") or ""))
        except ValueError as exc:
            errors[f"guests.{index}"] = str(exc)
            continue
        rsvp = str(row.get("rsvp") or Rsvp.NEEDS_ACTION).upper()
        if rsvp not in Rsvp.values:
            rsvp = Rsvp.NEEDS_ACTION
        name = str(row.get("name") or "").strip()[:300]
        if email not in {g["email"] for g in guests}:
            guests.append({"email": email, "name": name, "rsvp": rsvp})
    return guests


def _clean_appointment(
    data: Mapping[str, Any], *, current: Appointment | None, actor: User
) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    for name in sorted(set(data) - set(APPOINTMENT_FIELDS) - set(ICAL_FIELDS)):
        errors[name] = _("Unknown field.")
    values: dict[str, Any] = clean_text(data, APPOINTMENT_TEXT, errors, multiline=("description",))
    if ("title" in values or current is None) and not values.get("title"):
        errors.setdefault("title", _("An appointment needs a title."))
    if "calendar" in data:
        calendar = lookup(
            writable_calendars(actor), data["calendar"], "calendar", errors, by="name"
        )
        if calendar is None and "calendar" not in errors:
            errors["calendar"] = _("Choose a calendar.")
        values["calendar"] = calendar
    if "time_zone" in data:
        tz_name = str(data["time_zone"] or "").strip()
        if tz_name and not valid_zone(tz_name):
            errors["time_zone"] = _("Enter a time zone such as Europe/Rome.")
        values["time_zone"] = tz_name
    tz_name = values.get("time_zone", current.time_zone if current else "")
    if not tz_name and current is None:
        cal = values.get("calendar")
        tz_name = (cal.time_zone if cal else "") or timezone.get_current_timezone_name()
        values["time_zone"] = tz_name
    tz = zone(tz_name)
    if "all_day" in data:
        values["all_day"] = _truthy(data["all_day"])
    all_day = values.get("all_day", current.all_day if current else False)
    for name in ("start", "end"):
        if name in data and data[name] not in (None, ""):
            moment = _clean_moment(data[name], name, tz, errors)
            if moment is not None:
                values[name] = moment
        elif name in data or (current is None and name == "start"):
            errors[name] = _("Enter a date and time.")
    if "start" not in errors and "end" not in errors:
        start = values.get("start", current.start if current else None)
        end = values.get("end", current.end if current else None)
        if start is not None and end is None:
            end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(hours=1))
        if start is not None and end is not None:
            if all_day:  # whole days in the appointment's zone, the end exclusive
                first = start.astimezone(tz).date()
                local_end = end.astimezone(tz)
                last = local_end.date()
                if local_end.time() != dt.time.min:
                    last += dt.timedelta(days=1)
                last = max(last, first + dt.timedelta(days=1))
                start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
                end = dt.datetime.combine(last, dt.time.min, tzinfo=tz)
            if end < start:
                errors["end"] = _("The end cannot be before the start.")
            elif end - start > MAX_SPAN:
                errors["end"] = _("An appointment lasts at most a year.")
            values["start"], values["end"] = start, end
    if "rrule" in data:
        try:
            values["rrule"] = clean_rrule(str(data["rrule"] or ""))
        except ValueError as exc:
            errors["rrule"] = str(exc)
        if values.get("rrule") and current is not None and current.master_id:
            errors["rrule"] = _("One occurrence of a series cannot repeat.")
    if "exdates" in data:
        values["exdates"] = _clean_exdates(data["exdates"], tz, errors)
    if "reminders" in data:
        values["reminders"] = _clean_reminders(data["reminders"], errors)
    if "private" in data:
        values["private"] = _truthy(data["private"])
    people = _clean_id_list(data, "people", errors)
    if people is not None:
        values["people"] = _resolve_ids(
            Contact.objects.restrict(actor, Action.VIEW), people, "people", errors
        )
    organizations = _clean_id_list(data, "organizations", errors)
    if organizations is not None:
        values["organizations"] = _resolve_ids(
            Organization.objects.restrict(actor, Action.VIEW),
            organizations,
            "organizations",
            errors,
        )
    users = _clean_id_list(data, "users", errors)
    if users is not None:
        found = []
        for index, item in enumerate(users):
            user = lookup(User, item, f"users.{index}", errors, by="username")
            if user is not None:
                found.append(user)
        values["users"] = list(dict.fromkeys(found))
    guests = _clean_guests(data, errors)
    if guests is not None:
        values["guests"] = guests
    for name in ("ical_uid", "ical_extra", "organizer_email"):
        if name in data:
            values[name] = str(data[name] or "")
    if "sequence" in data:
        values["sequence"] = max(0, int(data["sequence"] or 0))
    if "rsvp" in data and isinstance(data["rsvp"], Mapping):
        values["rsvp"] = dict(data["rsvp"])
    return values, errors


def _truthy(value: Any) -> bool:
    return bool(value) and str(value).lower() not in ("0", "false", "off", "no")


def _clean_exdates(raw: Any, tz: dt.tzinfo, errors: Errors) -> list[str]:
    items = raw if isinstance(raw, list | tuple) else [raw] if raw else []
    out: list[str] = []
    for item in items[:1000]:
        moment = _clean_moment(item, "exdates", tz, errors)
        if moment is not None:
            out.append(moment.astimezone(dt.UTC).isoformat())
    return sorted(set(out))


def _clean_reminders(raw: Any, errors: Errors) -> list[int]:
    items = raw if isinstance(raw, list | tuple) else [raw] if raw not in (None, "") else []
    if len(items) > MAX_REMINDERS:
        errors["reminders"] = _("At most %(n)d reminders.") % {"n": MAX_REMINDERS}
        return []
    out = []
    for item in items:
        text = str(item).strip()
        if not text.isdigit() or int(text) > MAX_REMIND_MINUTES:
            errors["reminders"] = _("Enter minutes before the start, from 0 to 86400.")
            return []
        out.append(int(text))
    return sorted(set(out))


# Appointments: writing ----------------------------------------------------------------------


def snapshot(appointment: Appointment) -> dict[str, Any]:
    attendees = list(appointment.attendees.all())
    return {
        "calendar": appointment.calendar_id,
        "title": appointment.title,
        "description": appointment.description,
        "location": appointment.location,
        "start": appointment.start.isoformat() if appointment.start else None,
        "end": appointment.end.isoformat() if appointment.end else None,
        "all_day": appointment.all_day,
        "time_zone": appointment.time_zone,
        "rrule": appointment.rrule,
        "exdates": list(appointment.exdates),
        "reminders": list(appointment.reminders),
        "private": appointment.private,
        "people": sorted(a.contact_id for a in attendees if a.contact_id),
        "users": sorted(a.user_id for a in attendees if a.user_id),
        "guests": sorted(
            a.email for a in attendees if not a.contact_id and not a.user_id and a.email
        ),
        "rsvp": {_attendee_key(a): a.rsvp for a in attendees if a.rsvp != Rsvp.NEEDS_ACTION},
        "organizations": sorted(appointment.organizations.values_list("pk", flat=True)),
    }


def _attendee_key(attendee: Attendee) -> str:
    if attendee.contact_id:
        return f"person:{attendee.contact_id}"
    if attendee.user_id:
        return f"user:{attendee.user_id}"
    return f"mailto:{attendee.email}"


def _contact_email(contact: Contact) -> str:
    emails = list(contact.emails.all())
    preferred = next((e for e in emails if e.is_preferred), emails[0] if emails else None)
    return preferred.value if preferred else ""


#: A series with more occurrences than this counts as endless for ``series_end``.
MAX_COUNTED = 5000


def series_end_of(appointment: Appointment) -> dt.datetime | None:
    """The end of the last occurrence: ``end`` for a single appointment, None for a series
    without COUNT or UNTIL (or with very many occurrences)."""
    if not appointment.rrule:
        return appointment.end
    upper = appointment.rrule.upper()
    if "COUNT=" not in upper and "UNTIL=" not in upper:
        return None
    tz = zone(appointment.time_zone)
    local = appointment.start.astimezone(tz)
    try:
        rule = rrulestr(appointment.rrule, dtstart=local.replace(tzinfo=None), ignoretz=True)
    except (ValueError, TypeError):
        return None
    last = None
    for index, moment in enumerate(rule):
        if index >= MAX_COUNTED:
            return None
        last = moment
    if last is None:
        return appointment.end
    return last.replace(tzinfo=tz) + (appointment.end - appointment.start)


def _apply(appointment: Appointment, values: Mapping[str, Any]) -> None:
    links = ("people", "users", "guests", "organizations", "rsvp")
    for name, value in values.items():
        if name not in links:
            setattr(appointment, name, value)
    appointment.series_end = series_end_of(appointment)
    appointment.save()
    search.index(appointment)
    existing = {_attendee_key(a): a for a in appointment.attendees.all()}
    wanted: dict[str, Attendee] = {}
    if any(name in values for name in ("people", "users", "guests")):
        for contact in values.get("people", []) if "people" in values else []:
            key = f"person:{contact.pk}"
            wanted[key] = existing.get(key) or Attendee(
                appointment=appointment,
                contact=contact,
                email=_contact_email(contact),
                name=contact.display_name,
            )
        for user in values.get("users", []) if "users" in values else []:
            key = f"user:{user.pk}"
            wanted[key] = existing.get(key) or Attendee(
                appointment=appointment,
                user=user,
                email=user.email,
                name=user.get_full_name() or user.get_username(),
            )
        for guest in values.get("guests", []) if "guests" in values else []:
            key = f"mailto:{guest['email']}"
            attendee = existing.get(key) or Attendee(
                appointment=appointment, email=guest["email"], name=guest["name"]
            )
            attendee.rsvp = guest.get("rsvp", attendee.rsvp)
            wanted[key] = attendee
        kinds = {"people": "person:", "users": "user:", "guests": "mailto:"}
        for name, prefix in kinds.items():
            if name not in values:  # keep the attendees of a kind not sent
                wanted.update({k: a for k, a in existing.items() if k.startswith(prefix)})
        for key, attendee in existing.items():
            if key not in wanted:
                attendee.delete()
        for attendee in wanted.values():
            if attendee.pk is None:
                attendee.save()
            elif attendee.rsvp != existing[_attendee_key(attendee)].rsvp:
                attendee.save(update_fields=["rsvp"])
    if "rsvp" in values:
        for attendee in appointment.attendees.all():
            answer = values["rsvp"].get(_attendee_key(attendee))
            if answer in Rsvp.values and answer != attendee.rsvp:
                attendee.rsvp = answer
                attendee.save(update_fields=["rsvp"])
    if "organizations" in values:
        appointment.organizations.set(values["organizations"])


def _activity_data(appointment: Appointment) -> ActivityInput:
    minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    return {
        "kind": Kind.MEETING.value,
        "occurred_at": appointment.start,
        "duration_minutes": min(minutes, activities.MAX_DURATION),
        "subject": appointment.title[:300],
        "body": appointment.description[:100_000],
        "private": appointment.private,
        "people": [a.contact_id for a in appointment.attendees.all() if a.contact_id is not None],
        "organizations": [*appointment.organizations.values_list("pk", flat=True)],
    }


def _sync_activity(actor: User, appointment: Appointment) -> None:
    """Keep the meeting on the timelines of the people invited (the activities services write
    it, with its history). A series is one activity, at its first occurrence. The appointment's
    owner writes it when the actor may not (a colleague with write access to the calendar)."""
    if appointment.master_id is not None:
        return
    data = _activity_data(appointment)
    activity = appointment.activity
    if activity is None or activity.deleted_at is not None:
        if not data.get("people"):
            return
        writer = actor if Activity.permission_policy.user_has_permission(actor, "add") else None
        activity = activities.activity_create(actor=writer or appointment.owner, data=data)
        Appointment.all_objects.filter(pk=appointment.pk).update(activity=activity)
        appointment.activity = activity
        return
    writer = (
        actor
        if Activity.permission_policy.user_can(actor, Action.CHANGE, activity)
        else appointment.owner
    )
    if not data.get("people") and not data.get("organizations"):
        activities.activity_delete(actor=writer, activity=activity)
        return
    activities.activity_update(actor=writer, activity=activity, data=data)


def _history(actor: User, appointment: Appointment, action: str, changes: dict[str, Any]) -> None:
    history_record(
        actor=actor,
        instance=appointment,
        action=action,
        changes=changes,
        version=appointment.version,
    )


@transaction.atomic
def appointment_create(
    *, actor: User, data: AppointmentInput, organizer: User | None = None
) -> Appointment:
    """Create an appointment; without a ``calendar`` it goes to the actor's own calendar."""
    ensure_can_create(actor, Appointment)
    data = data.copy()
    if data.get("calendar") in (None, ""):
        data["calendar"] = default_calendar(actor).pk
    values, errors = _clean_appointment(data, current=None, actor=actor)
    raise_if(errors)
    appointment = Appointment(owner=actor, organizer=organizer or actor)
    if not values.get("ical_uid"):
        values["ical_uid"] = new_uid().removeprefix("urn:uuid:") + "@rubrica"
    _apply(appointment, values)
    after = {k: v for k, v in snapshot(appointment).items() if v not in ("", None, [], {}, False)}
    _history(actor, appointment, HistoryAction.CREATE, diff({}, after))
    _sync_activity(actor, appointment)
    return appointment


@transaction.atomic
def appointment_update(
    *,
    actor: User,
    appointment: Appointment,
    data: AppointmentInput,
    expected_version: int | None = None,
    scope: Scope = "all",
    occurrence: dt.datetime | None = None,
) -> Appointment:
    """Change an appointment. For a series, ``occurrence`` (the original start of one
    occurrence) with ``scope`` "this" changes that occurrence only (an override), with
    "following" that one and the later ones (the series is cut there and a new one starts);
    "all" (the default) changes the series. A stale ``expected_version`` raises ConflictError
    and changes nothing. Returns the appointment changed (the override or the new series)."""
    current: Appointment = begin_update(actor, appointment, expected_version)
    if scope != "all" and current.rrule and occurrence is not None:
        if scope == "this":
            return _update_occurrence(actor, current, occurrence, data)
        return _split_series(actor, current, occurrence, data)
    values, errors = _clean_appointment(data, current=current, actor=actor)
    if "calendar" in values and current.master_id:
        errors["calendar"] = _("Move the whole series to another calendar.")
    raise_if(errors)
    before = snapshot(current)
    moved = "start" in values and values["start"] != current.start
    _apply(current, values)
    changes = diff(before, snapshot(current))
    if changes:
        current.version += 1
        if moved or any(k in changes for k in ("start", "end", "rrule", "location")):
            current.sequence += 1
        current.save(update_fields=["version", "sequence", "updated_at"])
        _history(actor, current, HistoryAction.UPDATE, changes)
        if "calendar" in values:
            current.overrides.update(calendar=current.calendar)
    _sync_activity(actor, current)
    current.refresh_from_db()
    return current


def _occurrence_key(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _check_occurrence(series: Appointment, occurrence: dt.datetime) -> None:
    from rubrica.calendars.selectors import occurrence_starts

    if occurrence not in occurrence_starts(series, occurrence, occurrence + dt.timedelta(0, 1)):
        raise ValidationError({"occurrence": _("The series has no occurrence at that time.")})


def _update_occurrence(
    actor: User, series: Appointment, occurrence: dt.datetime, data: AppointmentInput
) -> Appointment:
    _check_occurrence(series, occurrence)
    existing = series.overrides.filter(recurrence_id=occurrence).first()
    if existing is not None:
        return appointment_update(actor=actor, appointment=existing, data=data)
    duration = series.end - series.start
    base = {
        k: v
        for k, v in snapshot(series).items()
        if k not in ("rrule", "exdates", "rsvp", "calendar", "guests")
    }
    base.update(start=occurrence, end=occurrence + duration, guests=_guests_of(series))
    base.update(data)
    values, errors = _clean_appointment(base, current=None, actor=actor)
    raise_if(errors)
    values.pop("calendar", None)
    override = Appointment(
        owner=series.owner,
        organizer=series.organizer,
        calendar=series.calendar,
        master=series,
        recurrence_id=occurrence,
        ical_uid=series.ical_uid,
        organizer_email=series.organizer_email,
        sequence=series.sequence + 1,
    )
    _apply(override, values)
    _history(actor, override, HistoryAction.CREATE, diff({}, {"recurrence_id": str(occurrence)}))
    return override


def _guests_of(appointment: Appointment) -> list[dict[str, str]]:
    return [
        {"email": a.email, "name": a.name, "rsvp": a.rsvp}
        for a in appointment.attendees.all()
        if not a.contact_id and not a.user_id and a.email
    ]


def _split_series(
    actor: User, series: Appointment, occurrence: dt.datetime, data: AppointmentInput
) -> Appointment:
    """This and following: the series ends before ``occurrence``; a new series starts there with
    the changes (the overrides from then on move to it)."""
    _check_occurrence(series, occurrence)
    if occurrence == series.start:
        return appointment_update(actor=actor, appointment=series, data=data)
    until = (occurrence - dt.timedelta(seconds=1)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    parts = [p for p in series.rrule.split(";") if not p.upper().startswith(("UNTIL=", "COUNT="))]
    before = snapshot(series)
    duration = series.end - series.start
    fresh = {k: v for k, v in snapshot(series).items() if k not in ("rsvp", "guests")}
    fresh.update(start=occurrence, end=occurrence + duration, guests=_guests_of(series))
    fresh["exdates"] = [d for d in series.exdates if d >= _occurrence_key(occurrence)]
    fresh.update(data)
    later = list(series.overrides.filter(recurrence_id__gte=occurrence))
    series.rrule = ";".join([*parts, f"UNTIL={until}"])
    series.exdates = [d for d in series.exdates if d < _occurrence_key(occurrence)]
    series.version += 1
    series.sequence += 1
    series.series_end = series_end_of(series)
    series.save()
    _history(actor, series, HistoryAction.UPDATE, diff(before, snapshot(series)))
    # The series' own values with the change applied: the input's keys (a snapshot of the series).
    following = appointment_create(
        actor=actor, data=cast(AppointmentInput, fresh), organizer=series.organizer
    )
    Appointment.all_objects.filter(pk__in=[o.pk for o in later]).update(master=following)
    return following


@transaction.atomic
def appointment_delete(
    *,
    actor: User,
    appointment: Appointment,
    expected_version: int | None = None,
    occurrence: dt.datetime | None = None,
) -> Appointment:
    """Move to the Trash (a series with its changed occurrences), or, with ``occurrence``,
    cancel one occurrence of a series (an EXDATE; its override, if any, goes to the Trash)."""
    if expected_version is not None or occurrence is not None:
        ensure_can(actor, appointment, Action.DELETE)
        lock_and_check_version(Appointment, appointment.pk, expected_version)
    if occurrence is not None and appointment.rrule:
        return _cancel_occurrence(actor, appointment, occurrence)
    result: Appointment = record_set_deleted(actor, appointment, deleted=True)
    search.remove(result)
    for override in result.overrides.filter(deleted_at__isnull=True):
        record_set_deleted(actor, override, deleted=True)
        search.remove(override)
    if result.activity_id:
        _trash_activity(actor, result, deleted=True)
    return result


def _cancel_occurrence(actor: User, series: Appointment, occurrence: dt.datetime) -> Appointment:
    _check_occurrence(series, occurrence)
    current: Appointment = begin_update(actor, series, None)
    before = snapshot(current)
    current.exdates = sorted({*current.exdates, _occurrence_key(occurrence)})
    current.version += 1
    current.sequence += 1
    current.save()
    _history(actor, current, HistoryAction.UPDATE, diff(before, snapshot(current)))
    for override in current.overrides.filter(recurrence_id=occurrence, deleted_at__isnull=True):
        record_set_deleted(actor, override, deleted=True)
        search.remove(override)
    return current


def _trash_activity(actor: User, appointment: Appointment, *, deleted: bool) -> None:
    activity = Activity.all_objects.get(pk=appointment.activity_id or 0)
    writer = (
        actor
        if Activity.permission_policy.user_can(actor, Action.DELETE, activity)
        else appointment.owner
    )
    if deleted:
        activities.activity_delete(actor=writer, activity=activity)
    else:
        activities.activity_restore(actor=writer, activity=activity)


@transaction.atomic
def appointment_restore(*, actor: User, appointment: Appointment) -> Appointment:
    result: Appointment = record_set_deleted(actor, appointment, deleted=False)
    search.index(result)
    if result.activity_id:
        _trash_activity(actor, result, deleted=False)
    return result


def _purge_appointment(appointment: Appointment) -> None:
    for override in Appointment.all_objects.filter(master=appointment):
        override.delete()
    appointment.delete()


def appointment_trash_purge(*, cutoff: dt.datetime) -> int:
    """Delete for good the appointments in the Trash since before ``cutoff`` (system task)."""
    return purge_trashed(Appointment, cutoff=cutoff)


@transaction.atomic
def attendee_set_rsvp(*, actor: User, appointment: Appointment, email: str, rsvp: str) -> Attendee:
    """Record an attendee's answer. Invited users answer for themselves; whoever may change the
    appointment may record anyone's."""
    if rsvp not in Rsvp.values:
        raise ValidationError({"rsvp": _("Choose a valid option.")})
    attendee = appointment.attendees.filter(email__iexact=email.strip()).first()
    if attendee is None:
        raise ValidationError({"email": _("This address is not invited.")})
    own = attendee.user_id == actor.pk
    if not own:
        ensure_can(actor, appointment, Action.CHANGE)
    current = lock_and_check_version(Appointment, appointment.pk, None)
    record_rsvp(actor, current, attendee, rsvp)
    return attendee


def record_rsvp(actor: User | None, appointment: Any, attendee: Attendee, rsvp: str) -> None:
    if attendee.rsvp == rsvp:
        return
    before = attendee.rsvp
    attendee.rsvp = rsvp
    attendee.save(update_fields=["rsvp"])
    appointment.version += 1
    appointment.save(update_fields=["version", "updated_at"])
    history_record(
        actor=actor,
        instance=appointment,
        action=HistoryAction.UPDATE,
        changes={f"rsvp.{_attendee_key(attendee)}": {"before": before, "after": rsvp}},
        version=appointment.version,
    )


def ensure_may_write(actor: User, calendar: Calendar) -> None:
    if not writable_calendars(actor).filter(pk=calendar.pk).exists():
        raise PermissionDenied(_("You may not change this calendar."))


# Reminders ----------------------------------------------------------------------------------

#: A reminder found this late (the worker was down) is still sent; later than this it is dropped.
REMINDER_GRACE = dt.timedelta(hours=1)


def appointment_reminders_send(now: dt.datetime) -> int:
    """Notify the owner and the invited users (unless they declined) of each occurrence whose
    reminder fell due in the last ``REMINDER_GRACE``. Idempotent: the notification's key names
    the appointment, the occurrence and the reminder (the notifications engine's tick)."""
    from rubrica.calendars.selectors import reminder_occurrences
    from rubrica.notifications.services import notify

    sent = 0
    for occurrence, minutes in reminder_occurrences(now=now, grace=REMINDER_GRACE):
        appointment = occurrence.appointment
        recipients = {appointment.owner_id: appointment.owner}
        for attendee in appointment.attendees.select_related("user"):
            if attendee.user is not None and attendee.rsvp != Rsvp.DECLINED:
                recipients[attendee.user.pk] = attendee.user
        when = occurrence.start.astimezone(zone(appointment.time_zone))
        for user in recipients.values():
            notification = notify(
                recipient=user,
                kind="calendars.reminder",
                title=_("Reminder: %(title)s") % {"title": appointment.title},
                url=appointment.get_absolute_url(),
                body=_("Starts %(when)s.") % {"when": when.strftime("%Y-%m-%d %H:%M %Z")},
                key=(
                    f"calendars.reminder:{appointment.pk}:"
                    f"{occurrence.start.astimezone(dt.UTC).isoformat()}:{minutes}"
                ),
            )
            sent += notification is not None
    return sent


# History: "Restore this value" -----------------------------------------------------------------

#: The fields of a calendar and of an appointment whose earlier value the history page may put
#: back one at a time (times, recurrence and attendees are changed on the appointment's form).
CALENDAR_REVERTABLE = frozenset({"name", "description", "color", "time_zone"})
APPOINTMENT_REVERTABLE = frozenset({"title", "description", "location", "private"})


def _revert_value(entry: HistoryEntry, pk: int, field: str, allowed: frozenset[str]) -> Any:
    if entry.action not in (HistoryAction.UPDATE, HistoryAction.REVERT):
        raise ValidationError({"field": _("Only values from changes can be restored.")})
    if entry.object_id != pk or field not in entry.changes or field not in allowed:
        raise ValidationError({"field": _("This change does not concern that field.")})
    return entry.changes[field]["before"]


def calendar_revert(
    *, actor: User, calendar: Calendar, entry: HistoryEntry, field: str
) -> Calendar:
    """Put back one field's value of a calendar from a history entry (the owner's change)."""
    before = _revert_value(entry, calendar.pk, field, CALENDAR_REVERTABLE)
    data = cast(CalendarInput, {field: before if before is not None else ""})
    return calendar_update(actor=actor, calendar=calendar, data=data)


def appointment_revert(
    *, actor: User, appointment: Appointment, entry: HistoryEntry, field: str
) -> Appointment:
    """Put back one field's value of an appointment from a history entry (through the update
    service: same checks, a new history entry)."""
    before = _revert_value(entry, appointment.pk, field, APPOINTMENT_REVERTABLE)
    if before is None:
        before = False if field == "private" else ""
    data = cast(AppointmentInput, {field: before})
    return appointment_update(actor=actor, appointment=appointment, data=data)
