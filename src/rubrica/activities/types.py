"""The input of the activity services (every door passes this shape)."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict


class ActivityInput(TypedDict, total=False):
    kind: str
    direction: str
    occurred_at: dt.datetime | str
    duration_minutes: int | None
    outcome: int | str | None
    subject: str
    body: str
    private: bool
    people: list[int]
    organizations: list[int]
    users: list[int | str]
