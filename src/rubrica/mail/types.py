"""The typed inputs of the mail services (mailboxes and templates); every door (forms, API
schemas, CLI) builds them and mypy checks each against the services. ``total=False``: an update
changes only the keys given; the services clean every value and name the field of a bad one."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict


class MailboxInput(TypedDict, total=False):
    name: str | None
    host: str | None
    port: int | str | None
    #: "ssl", "starttls" or "none".
    security: str | None
    username: str | None
    #: Stored encrypted; never read back.
    password: str | None
    folders: list[str] | str | None
    fetch_since: dt.date | str | None
    active: bool | str | None
    poll_minutes: int | str | None
    use_idle: bool | str
    #: A team id or name (a team's mailbox); none: the owner's own.
    team: int | str | None


class MailTemplateInput(TypedDict, total=False):
    name: str | None
    subject: str | None
    body: str | None
