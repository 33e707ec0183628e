"""iCalendar (RFC 5545) for calendars: appointments to and from VEVENTs (with ``icalendar``),
recurrence expansion (with ``recurring-ical-events``), ``.ics`` export and import, and iTIP
(RFC 5546): the METHOD:REQUEST invitation sent to outside attendees and the METHOD:REPLY that
sets their answer.

Lossless like the vCard codec: the properties of a VEVENT that Rubrica does not model are kept
(``Appointment.ical_extra``, their content lines as read) and written back on export.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.calendars import services
from rubrica.calendars.models import Appointment, Attendee, Calendar, Rsvp
from rubrica.calendars.types import AppointmentInput
from rubrica.contacts.models import Contact, ContactEmail
from rubrica.contacts.selectors import email_consent_refusal
from rubrica.core.models import Action, new_uid

PRODID = "-//Rubrica//Rubrica calendars//EN"
#: The VEVENT properties Rubrica models; every other one is kept verbatim.
KNOWN = frozenset(
    {
        "UID",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "DURATION",
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "RRULE",
        "EXDATE",
        "RECURRENCE-ID",
        "ORGANIZER",
        "ATTENDEE",
        "CLASS",
        "SEQUENCE",
        "CREATED",
        "LAST-MODIFIED",
    }
)
KEEP_MARK = "X-RUBRICA-KEEP"
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_EVENTS = 20_000


def _zone(name: str) -> zoneinfo.ZoneInfo:
    return services.zone(name)


# Appointment -> VEVENT ----------------------------------------------------------------------


def _local(moment: dt.datetime, appointment: Appointment) -> dt.datetime:
    return moment.astimezone(_zone(appointment.time_zone))


def to_event(appointment: Appointment, *, busy_only: bool = False, method: str = "") -> Any:
    """One VEVENT; ``busy_only`` writes the times only (a private appointment seen by others)."""
    event = icalendar.Event()
    event.add("UID", appointment.ical_uid)
    event.add("DTSTAMP", timezone.now().astimezone(dt.UTC))
    if appointment.all_day:
        event.add("DTSTART", _local(appointment.start, appointment).date())
        event.add("DTEND", _local(appointment.end, appointment).date())
    else:
        event.add("DTSTART", _local(appointment.start, appointment))
        event.add("DTEND", _local(appointment.end, appointment))
    if appointment.recurrence_id is not None:
        event.add("RECURRENCE-ID", _local(appointment.recurrence_id, appointment))
    if appointment.rrule:
        event.add("RRULE", icalendar.vRecur.from_ical(appointment.rrule))
        for day in appointment.exdates:
            moment = dt.datetime.fromisoformat(day)
            event.add("EXDATE", _local(moment, appointment))
    event.add("SEQUENCE", appointment.sequence)
    if busy_only:
        event.add("SUMMARY", _("Busy"))
        event.add("CLASS", "PRIVATE")
        return event
    event.add("SUMMARY", appointment.title)
    if appointment.description:
        event.add("DESCRIPTION", appointment.description)
    if appointment.location:
        event.add("LOCATION", appointment.location)
    if appointment.private:
        event.add("CLASS", "PRIVATE")
    organizer = appointment.organizer_email or (
        appointment.organizer.email if appointment.organizer else ""
    )
    if organizer:
        event.add("ORGANIZER", icalendar.vCalAddress(f"mailto:{organizer}"))
    for attendee in appointment.attendees.all():
        if not attendee.email:
            continue
        address = icalendar.vCalAddress(f"mailto:{attendee.email}")
        if attendee.name:
            address.params["CN"] = attendee.name
        address.params["PARTSTAT"] = attendee.rsvp
        if method == "REQUEST" and attendee.rsvp == Rsvp.NEEDS_ACTION:
            address.params["RSVP"] = "TRUE"
        event.add("ATTENDEE", address, encode=False)
    for minutes in appointment.reminders:
        alarm = icalendar.Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", appointment.title)
        alarm.add("TRIGGER", -dt.timedelta(minutes=minutes))
        event.add_component(alarm)
    if appointment.ical_extra:
        event.add(KEEP_MARK, str(appointment.pk))
    return event


def _calendar_component(method: str = "", name: str = "") -> Any:
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    if method:
        cal.add("METHOD", method)
    if name:
        cal.add("X-WR-CALNAME", name)
    return cal


def _serialize(cal: Any, appointments: Iterable[Appointment]) -> bytes:
    """The calendar as bytes, each kept-verbatim block put back in place of its mark."""
    with contextlib.suppress(ValueError, KeyError):  # an unknown zone is written as TZID only
        cal.add_missing_timezones()
    text: str = cal.to_ical().decode()
    for appointment in appointments:
        if appointment.ical_extra:
            mark = f"{KEEP_MARK}:{appointment.pk}\r\n"
            text = text.replace(mark, appointment.ical_extra, 1)
    return text.encode()


def export_ics(
    appointments: Iterable[Appointment],
    *,
    busy: Iterable[Appointment] = (),
    name: str = "",
    method: str = "",
) -> bytes:
    """A VCALENDAR of ``appointments`` (masters and overrides), and of ``busy`` as busy time."""
    cal = _calendar_component(method, name)
    shown = list(appointments)
    for appointment in shown:
        cal.add_component(to_event(appointment, method=method))
    for appointment in busy:
        cal.add_component(to_event(appointment, busy_only=True))
    return _serialize(cal, shown)


#: Seconds between two audit entries of fetches of one calendar's public feed.
FEED_AUDIT_EVERY = 3600


def appointment_ics(appointment: Appointment, *, user: User) -> bytes:
    """One appointment (with its changed occurrences) as .ics, downloaded by ``user`` who may
    read it; audited."""
    rows = [appointment, *appointment.overrides.filter(deleted_at__isnull=True)]
    body = export_ics(rows)
    details = {"calendar": appointment.calendar_id}
    audit.record(user, AuditAction.APPOINTMENT_EXPORT, appointment, details)
    return body


def calendar_ics(calendar: Calendar, *, user: User | None) -> bytes:
    """The export of one calendar as ``user`` may read it (``None``: the subscription feed,
    where private appointments show as busy)."""
    rows = Appointment.objects.filter(calendar=calendar).prefetch_related("attendees")
    rows = rows.select_related("organizer")
    if user is None:
        visible = list(rows.filter(private=False))
        busy = list(rows.filter(private=True))
        # Subscribers fetch every few minutes: one entry per feed and hour (ADR 0036).
        audit.record_at_most_every(
            FEED_AUDIT_EVERY,
            None,
            AuditAction.CALENDAR_FEED,
            calendar,
            {"appointments": len(visible), "busy": len(busy)},
        )
    else:
        visible = list(rows.restrict(user, Action.VIEW))
        busy = list(Appointment.permission_policy.busy_queryset(user, rows))  # type: ignore[attr-defined]
        audit.record(
            user,
            AuditAction.CALENDAR_EXPORT,
            calendar,
            {"appointments": len(visible), "busy": len(busy)},
        )
    return export_ics(visible, busy=busy, name=calendar.name)


# Expansion ----------------------------------------------------------------------------------


@dataclass
class Occurrence:
    """One occurrence of an appointment in a window (a series expanded)."""

    appointment: Appointment
    start: dt.datetime
    end: dt.datetime
    recurrence_id: dt.datetime | None = None
    busy_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def expand(
    series: list[Appointment], start: dt.datetime, end: dt.datetime, *, busy: set[int]
) -> list[Occurrence]:
    """The occurrences of ``series`` (masters with their overrides) in ``[start, end)``;
    ``busy`` names the appointments shown as busy time only.

    The same occurrences as :func:`expand_reference` (``recurring-ical-events``), computed from
    the rows without building VEVENTs: each series' rule is parsed once (``_rule``, cached by
    rule and first start) and asked only for the window; EXDATEs and overrides are matched by
    instant; an override counts for the series it belongs to (``master``). It follows the
    reference's choices: an EXDATE wins over an override, an override whose original start is
    no occurrence of the rule still shows, an all-day occurrence is in a window by its dates
    (read as UTC days). A rule ``dateutil`` refuses as written goes to the reference."""
    out: list[Occurrence] = []
    masters: dict[int, Appointment] = {}
    overrides: dict[int, list[Appointment]] = {}
    for appointment in series:
        if appointment.master_id is None and not appointment.rrule:
            # A single appointment needs no expansion (the fast path of every view).
            if appointment.start < end and (appointment.end > start or appointment.start >= start):
                out.append(
                    Occurrence(
                        appointment=appointment,
                        start=appointment.start,
                        end=appointment.end,
                        busy_only=appointment.pk in busy,
                    )
                )
        elif appointment.master_id is None:
            masters[appointment.pk] = appointment
        else:
            overrides.setdefault(appointment.master_id, []).append(appointment)
    for pk, master in masters.items():
        changed = overrides.get(pk, [])
        try:
            out.extend(_expand_series(master, changed, start, end, busy))
        except (ValueError, TypeError, OverflowError):
            out.extend(expand_reference([master, *changed], start, end, busy=busy))
    return sorted(out, key=lambda o: (o.start, o.appointment.pk))


@functools.lru_cache(maxsize=2048)
def _rule(text: str, first: dt.datetime) -> Any:
    """The parsed rule of a series from its first start (aware, in the series' zone). Cached:
    the views ask for the same series week after week; ``cache=True`` keeps the occurrences
    already computed."""
    return rrulestr(text, dtstart=first, cache=True)


def _window_day(moment: dt.datetime, window: dt.datetime) -> dt.datetime:
    """An all-day occurrence's local day as the reference compares it with a window: that
    date at midnight in the window's zone."""
    return dt.datetime.combine(moment.date(), dt.time.min, tzinfo=window.tzinfo)


def _in_window(
    first: dt.datetime, last: dt.datetime, all_day: bool, start: dt.datetime, end: dt.datetime
) -> bool:
    if all_day:
        first, last = _window_day(first, start), _window_day(last, start)
    if first == last:
        return start <= first < end
    return first < end and start < last


def _series_times(appointment: Appointment) -> tuple[dt.datetime, dt.datetime]:
    first, last = _local(appointment.start, appointment), _local(appointment.end, appointment)
    if appointment.all_day:
        tz = first.tzinfo
        first = dt.datetime.combine(first.date(), dt.time.min, tzinfo=tz)
        last = dt.datetime.combine(last.date(), dt.time.min, tzinfo=tz)
    return first, last


def _expand_series(
    master: Appointment,
    changed: list[Appointment],
    start: dt.datetime,
    end: dt.datetime,
    busy: set[int],
) -> list[Occurrence]:
    first, last = _series_times(master)
    # Same zone object on both sides: the difference is in wall-clock time, as the reference
    # adds it (an occurrence across a DST change keeps its clock length).
    duration = last - first
    rule = _rule(master.rrule, first)
    excluded = {_local(dt.datetime.fromisoformat(day), master) for day in master.exdates}
    by_original = {_local(o.recurrence_id, o): o for o in changed if o.recurrence_id is not None}
    margin = dt.timedelta(days=1)
    low, high = start - abs(duration) - margin, end + margin
    starts = set(rule.between(low, high, inc=True))
    until = getattr(rule, "_until", None)
    if low <= first <= high and (until is None or first <= until):
        starts.add(first)  # DTSTART is an occurrence even when the rule does not match it
    if master.all_day:
        # The reference asks the rule for [start - length, end] (inclusive) before it compares
        # days: in instants when the series has EXDATEs (then it reads its dates as midnights
        # in the series' zone), else in wall-clock times (dates and the window's wall time).
        if excluded:
            starts = {m for m in starts if start - duration <= m <= end}
        else:
            wall_low = (start - duration).replace(tzinfo=None)
            wall_high = end.replace(tzinfo=None)
            starts = {m for m in starts if wall_low <= m.replace(tzinfo=None) <= wall_high}
    out: list[Occurrence] = []
    for moment in starts:
        if moment in excluded or moment in by_original:
            continue
        finish = moment + duration
        if _in_window(moment, finish, master.all_day, start, end):
            out.append(
                Occurrence(
                    appointment=master,
                    start=moment,
                    end=finish,
                    recurrence_id=moment,
                    busy_only=master.pk in busy,
                )
            )
    for original, override in by_original.items():
        if original in excluded:
            continue  # an EXDATE wins over an override, as in the reference
        begin, finish = _series_times(override)
        if _in_window(begin, finish, override.all_day, start, end):
            out.append(
                Occurrence(
                    appointment=override,
                    start=begin,
                    end=finish,
                    recurrence_id=original,
                    busy_only=override.pk in busy,
                )
            )
    return out


def expand_reference(
    series: list[Appointment], start: dt.datetime, end: dt.datetime, *, busy: set[int]
) -> list[Occurrence]:
    """The occurrences of ``series`` in ``[start, end)`` as ``recurring-ical-events`` computes
    them from VEVENTs built from the rows: the reference :func:`expand` must agree with (tests
    compare them on random series; the benchmark times both), and its fallback for a series
    whose rule ``dateutil`` refuses as written."""
    out: list[Occurrence] = []
    series_uids = {a.ical_uid for a in series if a.rrule and a.master_id is None}
    cal = _calendar_component()
    rows: dict[int, Appointment] = {}
    for appointment in series:
        if appointment.master_id is None and not appointment.rrule:
            # A single appointment needs no expansion (the fast path of every view).
            if appointment.start < end and (appointment.end > start or appointment.start >= start):
                out.append(
                    Occurrence(
                        appointment=appointment,
                        start=appointment.start,
                        end=appointment.end,
                        busy_only=appointment.pk in busy,
                    )
                )
            continue
        if appointment.master_id is not None and appointment.ical_uid not in series_uids:
            continue  # an override whose series is not here (deleted): nothing to attach to
        cal.add_component(_expansion_event(appointment))
        rows[appointment.pk] = appointment
    if not rows:
        return sorted(out, key=lambda o: (o.start, o.appointment.pk))
    for event in recurring_ical_events.of(cal, skip_bad_series=True).between(start, end):
        row = rows[int(str(event["X-RUBRICA-ID"]))]
        first = _aware(event["DTSTART"].dt, row)
        last = _aware(event["DTEND"].dt, row) if "DTEND" in event else first
        rid = event.get("RECURRENCE-ID")
        out.append(
            Occurrence(
                appointment=row,
                start=first,
                end=last,
                recurrence_id=_aware(rid.dt, row) if rid is not None else None,
                busy_only=row.pk in busy,
            )
        )
    return sorted(out, key=lambda o: (o.start, o.appointment.pk))


def _expansion_event(appointment: Appointment) -> Any:
    """The least VEVENT that recurrence expansion needs (times, rule, exceptions, the row's id):
    a view expands hundreds of series, and every property added costs."""
    event = icalendar.Event()
    event.add("UID", appointment.ical_uid)
    first, last = _local(appointment.start, appointment), _local(appointment.end, appointment)
    if appointment.all_day:
        event.add("DTSTART", first.date())
        event.add("DTEND", last.date())
    else:
        event.add("DTSTART", first)
        event.add("DTEND", last)
    if appointment.recurrence_id is not None:
        event.add("RECURRENCE-ID", _local(appointment.recurrence_id, appointment))
    if appointment.rrule:
        event.add("RRULE", icalendar.vRecur.from_ical(appointment.rrule))
        for day in appointment.exdates:
            event.add("EXDATE", _local(dt.datetime.fromisoformat(day), appointment))
    event.add("X-RUBRICA-ID", str(appointment.pk))
    return event


def _aware(value: dt.date | dt.datetime, appointment: Appointment) -> dt.datetime:
    tz = _zone(appointment.time_zone)
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time.min, tzinfo=tz)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


# VEVENT -> appointment data -----------------------------------------------------------------


def _moment(prop: Any, tz: dt.tzinfo) -> tuple[dt.datetime, bool]:
    value = prop.dt
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time.min, tzinfo=tz), True
    if value.tzinfo is None:  # floating time: read in the calendar's zone
        value = value.replace(tzinfo=tz)
    return value, False


def _email(address: Any) -> str:
    text = str(address)
    return text[7:].strip() if text.lower().startswith("mailto:") else ""


def _kept_lines(event: Any) -> str:
    keep = icalendar.Event()
    for name, value in event.property_items(recursive=False):
        if name in ("BEGIN", "END") or name in KNOWN or name == KEEP_MARK:
            continue
        keep.add(name, value, encode=False)
    lines = keep.to_ical().decode().split("\r\n")
    return "".join(f"{line}\r\n" for line in lines[1:-2])


def event_data(event: Any, *, tz: dt.tzinfo, actor: User) -> dict[str, Any]:
    """The appointment service's input from one VEVENT (attendees matched to users and to the
    people the actor may see by e-mail; the others are kept as outside guests)."""
    data: dict[str, Any] = {
        "title": str(event.get("SUMMARY", "")).strip()[:300] or _("(no title)"),
        "description": str(event.get("DESCRIPTION", ""))[:20_000],
        "location": str(event.get("LOCATION", "")).strip()[:500],
        "ical_uid": str(event.get("UID", "")).strip()[:255],
        "ical_extra": _kept_lines(event),
        "sequence": int(event.get("SEQUENCE", 0) or 0),
        "private": str(event.get("CLASS", "")).upper() in ("PRIVATE", "CONFIDENTIAL"),
    }
    tzid = event["DTSTART"].params.get("TZID") if "DTSTART" in event else None
    if tzid and services.valid_zone(str(tzid)):
        data["time_zone"] = str(tzid)
    start, all_day = _moment(event["DTSTART"], tz)
    data["start"], data["all_day"] = start, all_day
    if "DTEND" in event:
        data["end"] = _moment(event["DTEND"], tz)[0]
    elif "DURATION" in event:
        data["end"] = start + event["DURATION"].dt
    else:
        data["end"] = start + (dt.timedelta(days=1) if all_day else dt.timedelta(0))
    if "RRULE" in event:
        data["rrule"] = event["RRULE"].to_ical().decode()
    exdates: list[dt.datetime] = []
    raw_ex = event.get("EXDATE")
    for group in raw_ex if isinstance(raw_ex, list) else [raw_ex] if raw_ex else []:
        for item in group.dts:
            exdates.append(_moment(item, tz)[0])
    if exdates:
        data["exdates"] = exdates
    organizer = event.get("ORGANIZER")
    if organizer is not None:
        data["organizer_email"] = _email(organizer)
    reminders = []
    for alarm in event.walk("VALARM"):
        trigger = alarm.get("TRIGGER")
        if trigger is not None and isinstance(trigger.dt, dt.timedelta):
            minutes = int(-trigger.dt.total_seconds() // 60)
            if 0 <= minutes <= 60 * 24 * 60:
                reminders.append(minutes)
    data["reminders"] = reminders[: services.MAX_REMINDERS]
    people, users, guests, rsvp = [], [], [], {}
    raw = event.get("ATTENDEE")
    visible = Contact.objects.restrict(actor, Action.VIEW)
    for address in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        email = _email(address)
        if not email:
            continue
        partstat = str(address.params.get("PARTSTAT", Rsvp.NEEDS_ACTION)).upper()
        partstat = partstat if partstat in Rsvp.values else Rsvp.NEEDS_ACTION
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        contact_id = (
            ContactEmail.objects.filter(value__iexact=email, contact__in=visible)
            .values_list("contact_id", flat=True)
            .first()
        )
        if user is not None:
            users.append(user.pk)
            rsvp[f"user:{user.pk}"] = partstat
        elif contact_id is not None:
            people.append(contact_id)
            rsvp[f"person:{contact_id}"] = partstat
        else:
            name = str(address.params.get("CN", ""))
            guests.append({"email": email, "name": name, "rsvp": partstat})
    data.update(people=people, users=users, guests=guests, rsvp=rsvp)
    return data


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _parse(ics: bytes) -> Any:
    if len(ics) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB.")})
    try:
        return icalendar.Calendar.from_ical(ics)
    except (ValueError, KeyError, IndexError) as exc:
        message = _("This is not an iCalendar file: %(e)s") % {"e": exc}
        raise ValidationError({"file": message}) from None


@transaction.atomic
def import_ics(*, actor: User, calendar: Calendar, ics: bytes) -> ImportResult:
    """Read VEVENTs into ``calendar``: a UID already there is updated, a new one created; a
    RECURRENCE-ID becomes an override of its series. All or nothing: an event the services
    refuse names its UID and nothing is written."""
    services.ensure_may_write(actor, calendar)
    cal = _parse(ics)
    tz = _zone(calendar.time_zone)
    result = ImportResult()
    events = list(cal.walk("VEVENT"))
    if len(events) > MAX_EVENTS:
        raise ValidationError({"file": _("At most %(n)d events.") % {"n": MAX_EVENTS}})
    events.sort(key=lambda e: "RECURRENCE-ID" in e)  # the series before their changes
    errors: dict[str, str] = {}
    for index, event in enumerate(events):
        if "DTSTART" not in event:
            result.skipped += 1
            continue
        try:
            with transaction.atomic():
                _import_event(actor, calendar, event, tz, result)
        except ValidationError as exc:
            uid = str(event.get("UID", index))
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            errors[f"events.{index}"] = f"{uid}: {detail}"
    if errors:
        raise ValidationError(errors)
    return result


def _import_event(
    actor: User, calendar: Calendar, event: Any, tz: dt.tzinfo, result: ImportResult
) -> None:
    # event_data builds the service's input from the VEVENT (its keys are AppointmentInput's).
    data = cast(AppointmentInput, event_data(event, tz=tz, actor=actor))
    uid = data["ical_uid"] or new_uid().removeprefix("urn:uuid:")
    data["ical_uid"] = uid
    masters = Appointment.objects.filter(calendar=calendar, master=None, ical_uid=uid)
    series = masters.first()
    if "RECURRENCE-ID" in event:
        if series is None:
            result.skipped += 1
            return
        rid = _moment(event["RECURRENCE-ID"], tz)[0]
        data.pop("rrule", None)
        data.pop("exdates", None)
        data.pop("ical_uid")
        existing = series.overrides.filter(recurrence_id=rid).first()
        if existing is not None:
            services.appointment_update(actor=actor, appointment=existing, data=data)
            result.updated += 1
        else:
            services.appointment_update(
                actor=actor, appointment=series, data=data, scope="this", occurrence=rid
            )
            result.created += 1
        return
    if series is not None:
        services.appointment_update(actor=actor, appointment=series, data=data)
        result.updated += 1
        return
    data["calendar"] = calendar.pk
    services.appointment_create(actor=actor, data=data)
    result.created += 1


# iTIP ---------------------------------------------------------------------------------------


def itip_request(appointment: Appointment) -> bytes:
    """The METHOD:REQUEST invitation of an appointment (with its changed occurrences)."""
    rows = [appointment, *appointment.overrides.filter(deleted_at__isnull=True)]
    return export_ics(rows, method="REQUEST")


def send_invitations(*, actor: User, appointment: Appointment, connection: Any = None) -> list[str]:
    """E-mail the invitation to the outside attendees (people and guests, not users: they see
    it in Rubrica) through Django's e-mail backend; returns the addresses written to. Attendees
    the consent rule refuses (an opt-out; no opt-in when the team requires one) are skipped."""
    from rubrica.core.services import ensure_can

    ensure_can(actor, appointment, Action.CHANGE)
    recipients = sorted(
        {
            a.email
            for a in appointment.attendees.select_related("contact")
            if a.email
            and a.user_id is None
            and a.rsvp == Rsvp.NEEDS_ACTION
            and not email_consent_refusal(a.contact.email_consent if a.contact else None)
        }
    )
    if not recipients:
        return []
    ics = itip_request(appointment)
    when = timezone.localtime(appointment.start, _zone(appointment.time_zone))
    subject = _("Invitation: %(title)s") % {"title": appointment.title}
    body = _("%(who)s invites you to %(title)s on %(when)s.") % {
        "who": actor.get_full_name() or actor.get_username(),
        "title": appointment.title,
        "when": when.strftime("%Y-%m-%d %H:%M %Z"),
    }
    sender = appointment.organizer_email or actor.email or settings.DEFAULT_FROM_EMAIL
    connection = connection or get_connection()
    for address in recipients:
        message = EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            reply_to=[sender],
            connection=connection,
        )
        message.attach_alternative(ics.decode(), 'text/calendar; method="REQUEST"')
        message.attach("invite.ics", ics, 'application/ics; name="invite.ics"')
        message.send()
    return recipients


@dataclass
class ReplyResult:
    """What a METHOD:REPLY changed: (appointment id, attendee e-mail, answer) per change."""

    applied: list[tuple[int, str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


@transaction.atomic
def apply_itip_reply(
    *,
    ics: bytes,
    sender: str | None = None,
    within: QuerySet[Appointment] | None = None,
) -> ReplyResult:
    """Apply a METHOD:REPLY: set the answer (PARTSTAT) of the attendee it names on the
    appointments with its UID (``within`` narrows where to look, e.g. the calendars of the
    mailbox's owner). With ``sender`` (the From of the message), only that attendee's answer is
    taken, so nobody answers for someone else. System write: no actor, history records it."""
    cal = _parse(ics)
    if str(cal.get("METHOD", "")).upper() != "REPLY":
        raise ValidationError({"method": _("This is not an iCalendar reply (METHOD:REPLY).")})
    base = within if within is not None else Appointment.objects.all()
    result = ReplyResult()
    for event in cal.walk("VEVENT"):
        uid = str(event.get("UID", "")).strip()
        raw = event.get("ATTENDEE")
        rid = event.get("RECURRENCE-ID")
        for address in raw if isinstance(raw, list) else [raw] if raw is not None else []:
            email = _email(address)
            partstat = str(address.params.get("PARTSTAT", "")).upper()
            if not email or partstat not in Rsvp.values:
                result.ignored.append(email or str(address))
                continue
            if sender and sender.strip().lower() != email.lower():
                result.ignored.append(email)
                continue
            targets = base.filter(ical_uid=uid)
            if rid is not None:
                moment = rid.dt
                overrides = targets.filter(recurrence_id=moment) if moment else targets.none()
                targets = overrides if overrides.exists() else targets.filter(master=None)
            else:
                targets = targets.filter(master=None)
            found = False
            for appointment in targets.select_for_update():
                attendee = Attendee.objects.filter(
                    appointment=appointment, email__iexact=email
                ).first()
                if attendee is None:
                    continue
                found = True
                services.record_rsvp(None, appointment, attendee, partstat)
                result.applied.append((appointment.pk, email, partstat))
            if not found:
                result.ignored.append(email)
    return result


def ensure_reads(user: User, calendar: Calendar) -> None:
    if not Calendar.objects.restrict(user, Action.VIEW).filter(pk=calendar.pk).exists():
        raise PermissionDenied
