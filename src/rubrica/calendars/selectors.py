"""Reads of calendars and appointments shared by the pages, the API, the CLI and the feed: the
calendars a person sees and writes, the occurrences in a window (series expanded, private
appointments of others as busy time), free/busy of colleagues."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from rubrica.accounts.models import User
from rubrica.calendars import ical
from rubrica.calendars.models import Appointment, Calendar
from rubrica.calendars.policies import AppointmentPolicy, CalendarPolicy
from rubrica.core.models import Action

#: Windows wider than this are refused by the doors (a view shows at most six weeks).
MAX_WINDOW = dt.timedelta(days=400)


def visible_calendars(user: User | Any) -> QuerySet[Calendar]:
    return Calendar.objects.restrict(user, Action.VIEW).select_related("owner", "team")


def writable_calendars(user: User | Any) -> QuerySet[Calendar]:
    return Calendar.objects.filter(CalendarPolicy("appointments").writable_q(user))


def _window_q(start: dt.datetime, end: dt.datetime) -> Q:
    """Appointments that may have an occurrence in ``[start, end)``: single ones and series
    begun before its end and not over before its start (``series_end``; expansion decides the
    rest), overrides whose original or new time is in it."""
    masters = Q(master__isnull=True, start__lt=end) & (
        Q(series_end__isnull=True) | Q(series_end__gt=start)
    )
    overrides = Q(master__isnull=False) & (
        Q(start__lt=end, end__gt=start) | Q(recurrence_id__lt=end, recurrence_id__gte=start)
    )
    return masters | overrides


#: The columns an occurrence needs (expansion, the views' events, the API and the CLI): a
#: window of a month reads hundreds of rows, and the long texts are not shown there.
OCCURRENCE_FIELDS = (
    "id",
    "calendar_id",
    "owner_id",
    "ical_uid",
    "title",
    "start",
    "end",
    "all_day",
    "time_zone",
    "rrule",
    "exdates",
    "master_id",
    "recurrence_id",
    "private",
    "version",
)


def _attach_calendars(rows: list[Appointment]) -> list[Appointment]:
    """Give each row its calendar from one query (a handful of calendars, not one per row)."""
    wanted = {row.calendar_id for row in rows}
    by_pk = {c.pk: c for c in Calendar.all_objects.filter(pk__in=wanted)} if wanted else {}
    for row in rows:
        row.calendar = by_pk[row.calendar_id]
    return rows


def occurrences(
    *,
    user: User | Any,
    start: dt.datetime,
    end: dt.datetime,
    calendars: list[int] | None = None,
) -> list[ical.Occurrence]:
    """The occurrences in ``[start, end)`` of the calendars ``user`` sees (or of those named),
    series expanded; private appointments of others come as busy time only."""
    base = Appointment.objects.filter(calendar__deleted_at__isnull=True)
    cal_ids = visible_calendars(user).values("pk")
    if calendars:
        cal_ids = cal_ids.filter(pk__in=calendars)
    base = base.filter(calendar_id__in=cal_ids).filter(_window_q(start, end))
    policy = AppointmentPolicy("appointments")

    def read(qs: QuerySet[Appointment]) -> QuerySet[Appointment]:
        # What the reader may read and what shows as busy time, in one query each (the policy
        # decides, also for the masters and overrides read to complete a series).
        return policy.shown_queryset(user, qs).only(*OCCURRENCE_FIELDS)

    rows = _attach_calendars(_with_series(list(read(base)), read=read))
    busy = {a.pk for a in rows if getattr(a, "busy_only", False)}
    return ical.expand(rows, start, end, busy=busy)


def _all_with_calendar(qs: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return qs.select_related("calendar")


def _with_series(
    rows: list[Appointment],
    *,
    read: Callable[[QuerySet[Appointment]], QuerySet[Appointment]] = _all_with_calendar,
) -> list[Appointment]:
    """Overrides need their master in the expansion (and masters their overrides): one query
    for the masters missing, one for the overrides of the series, each through ``read``."""
    by_pk = {a.pk: a for a in rows}
    masters = {a.master_id for a in rows if a.master_id and a.master_id not in by_pk}
    if masters:
        for row in read(Appointment.objects.filter(pk__in=masters)):
            by_pk[row.pk] = row
    series = [a.pk for a in by_pk.values() if a.rrule]
    if series:
        for row in read(Appointment.objects.filter(master_id__in=series)):
            by_pk.setdefault(row.pk, row)
    return list(by_pk.values())


def occurrence_starts(series: Appointment, start: dt.datetime, end: dt.datetime) -> list[Any]:
    """The original starts of the occurrences of ``series`` in ``[start, end)`` (overrides and
    EXDATEs ignored): what "this occurrence" may name."""
    plain = Appointment(
        pk=series.pk,
        ical_uid=series.ical_uid,
        start=series.start,
        end=series.end,
        all_day=series.all_day,
        time_zone=series.time_zone,
        rrule=series.rrule,
        exdates=[],
        title="",
    )
    return [o.start for o in ical.expand([plain], start, end, busy=set())]


def free_busy(
    *, users: list[User], start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Busy times of ``users`` in ``[start, end)``: every appointment of the calendars they own
    or are invited to, whatever its calendar's sharing (times only, never what it is)."""
    out: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for person in users:
        rows = Appointment.objects.filter(calendar__deleted_at__isnull=True).filter(
            Q(calendar__owner=person) | Q(attendees__user=person)
        )
        rows = rows.filter(_window_q(start, end)).distinct()
        found = ical.expand(_with_series(list(rows)), start, end, busy=set())
        out[person.pk] = [(o.start, o.end) for o in found]
    return out


def reminder_occurrences(
    *, now: dt.datetime, grace: dt.timedelta
) -> list[tuple[ical.Occurrence, int]]:
    """(occurrence, minutes) for each reminder that fell due in ``(now - grace, now]`` (system
    read for the notifications tick: no user, every calendar not in the Trash)."""
    from rubrica.calendars.services import MAX_REMIND_MINUTES

    horizon = now + dt.timedelta(minutes=MAX_REMIND_MINUTES)
    rows = Appointment.objects.filter(calendar__deleted_at__isnull=True).exclude(reminders=[])
    rows = rows.filter(_window_q(now - grace, horizon)).select_related("calendar", "owner")
    out: list[tuple[ical.Occurrence, int]] = []
    for occurrence in ical.expand(_with_series(list(rows)), now - grace, horizon, busy=set()):
        for minutes in occurrence.appointment.reminders:
            due = occurrence.start - dt.timedelta(minutes=minutes)
            if now - grace < due <= now:
                out.append((occurrence, minutes))
    return out
