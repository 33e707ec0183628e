"""The input of the activity services (every door passes this shape: the web forms, the API
schema and the ``log`` command build it, so mypy checks each against the services). Values
are what a door may send (a form sends text); the services clean them."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict


class ActivityInput(TypedDict, total=False):
    kind: str
    direction: str
    occurred_at: dt.datetime | str
    duration_minutes: int | str | None
    outcome: int | str | None
    subject: str
    body: str
    private: bool
    people: list[int | str]
    organizations: list[int | str]
    users: list[int | str]
