"""The typed inputs of the calendar services (``calendar_create``/``calendar_update`` and
``appointment_create``/``appointment_update``'s ``data``).

Every door builds these shapes: the forms, the API's schemas, the CLI and the iCalendar import;
mypy checks each against the services. ``total=False``: an update changes only the keys given.
Values are what a door may send (a form or a flag sends text); the services clean every value and
answer a ``ValidationError`` naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict


class CalendarInput(TypedDict, total=False):
    name: str | None
    description: str | None
    #: ``#rrggbb``.
    color: str | None
    time_zone: str | None
    visibility: str | None
    #: A team id or name.
    team: int | str | None


class AppointmentInput(TypedDict, total=False):
    title: str | None
    description: str | None
    location: str | None
    #: A calendar id (none: the actor's own calendar).
    calendar: int | str | None
    start: dt.datetime | dt.date | str | None
    end: dt.datetime | dt.date | str | None
    all_day: bool | str | None
    time_zone: str | None
    rrule: str | None
    exdates: list[Any] | None
    #: Minutes before the start.
    reminders: list[int | str] | None
    private: bool | str | None
    #: People (contact ids), users (ids or usernames), outside guests ({"email", "name"}).
    people: list[int | str] | None
    users: list[int | str] | None
    guests: list[dict[str, str] | str] | None
    organizations: list[int | str] | None
    # Written by the iCalendar import and the iTIP services only.
    ical_uid: str | None
    ical_extra: str | None
    sequence: int | None
    organizer_email: str | None
    rsvp: dict[str, str] | None
