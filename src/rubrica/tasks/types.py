"""The typed input of the task services (``task_create``/``task_update``'s ``data``).

Every door builds this shape: the task form's ``to_data()``, the API's ``TaskIn`` dump and the
``tasks add`` command; mypy checks each against the services, and a test keeps the API schema's
fields equal to these keys. ``total=False``: an update changes only the keys given. Values are
what a door may send (a form or a flag sends text); the service cleans every value and answers a
``ValidationError`` naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict


class TaskInput(TypedDict, total=False):
    title: str | None
    description: str | None
    #: A user id or username.
    assignee: int | str | None
    due_date: dt.date | str | None
    due_at: dt.datetime | str | None
    time_zone: str | None
    priority: str | None
    status: str | None
    remind_minutes_before: int | str | None
    recurrence: str | None
    people: list[int | str] | None
    organizations: list[int | str] | None
    #: The activity this task follows up (its id).
    activity: int | str | None
    visibility: str | None
    owner: int | str | None
    team: int | str | None
