"""The typed input of the share service, built alike by the web form, the API and the CLI."""

from __future__ import annotations

from typing import TypedDict


class ShareInput(TypedDict, total=False):
    """Exactly one grantee (a user's or a team's id) and a level ("read" or "write")."""

    user: int | None
    team: int | None
    level: str
