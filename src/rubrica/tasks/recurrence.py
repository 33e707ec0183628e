"""Recurring tasks: an RRULE (RFC 5545, read by python-dateutil) counted from the series' start,
in the task's time zone, so a weekly 09:00 task stays at 09:00 across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from dateutil.rrule import rrulestr
from django.conf import settings
from django.utils.translation import gettext as _

#: Frequencies a task may repeat at; finer ones (hourly, by the minute) are not tasks.
ALLOWED = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_LENGTH = 500


def zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def clean_rule(raw: str) -> str:
    """The rule as stored (``FREQ=...;...``, no ``RRULE:`` prefix), or ValueError saying why."""
    text = raw.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:].strip()
    if not text:
        return ""
    if len(text) > MAX_LENGTH or "\n" in text or "DTSTART" in text.upper():
        raise ValueError(_("Enter one RRULE such as FREQ=WEEKLY;BYDAY=MO."))
    parts = dict(part.split("=", 1) for part in text.upper().split(";") if "=" in part)
    if parts.get("FREQ") not in ALLOWED:
        raise ValueError(_("Repeat daily, weekly, monthly or yearly (FREQ=...)."))
    try:
        rrulestr(text, dtstart=dt.datetime(2000, 1, 1))  # noqa: DTZ001 (the rule's wall time)
    except (ValueError, TypeError) as exc:
        raise ValueError(_("This is not a valid RRULE: %(e)s") % {"e": exc}) from None
    return text


def next_due(
    *,
    rule: str,
    start: dt.datetime,
    due_date: dt.date,
    due_at: dt.datetime | None,
    time_zone: str,
) -> tuple[dt.date, dt.datetime | None] | None:
    """The due day (and moment, for a timed task) of the occurrence after the current one, or
    None when the series has ended (COUNT or UNTIL reached)."""
    tz = zone(time_zone)
    first = start.astimezone(tz).replace(tzinfo=None)
    if due_at is not None:
        current = due_at.astimezone(tz).replace(tzinfo=None)
    else:
        current = dt.datetime.combine(due_date, first.time())
    following = rrulestr(rule, dtstart=first).after(current)
    if following is None:
        return None
    if due_at is None:
        return following.date(), None
    return following.date(), following.replace(tzinfo=tz)
