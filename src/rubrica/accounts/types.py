"""The typed input of ``user_update`` (the user settings form builds it; mypy checks it)."""

from __future__ import annotations

from typing import TypedDict


class UserInput(TypedDict, total=False):
    first_name: str | None
    last_name: str | None
    email: str | None
    #: A ``Role`` value.
    role: str
    #: The keys of the roles the user holds (replaces them all; ``role`` of old maps onto one).
    roles: list[str]
    is_active: bool
