"""What an app does with a MIME part of a captured e-mail: a table filled in by ``ready()``.

Mail capture (``rubrica.mail``) walks every part of every message it files and hands the parts of
a registered content type to the handlers registered for it, so an app above or beside mail (the
calendars' iMIP replies, ``text/calendar``) receives them without mail knowing that app, and that
app without importing mail. A handler is ``fn(part, context)``: ``part`` is the
``email.message.EmailMessage`` of the part, ``context`` an :class:`InboundContext` (who captured
the message, its Message-ID, sender and the people it was filed on). It runs inside the capture's
transaction: an exception undoes the filing of that message, which is then reported as failed.

    register_part_handler("text/calendar", calendar_reply)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any


@dataclass(frozen=True)
class InboundContext:
    """What a part handler knows of the message around the part."""

    #: The user whose mail it is (the capturing user); a handler acts as them.
    actor: Any
    message_id: str
    sender: str
    subject: str
    #: Ids of the people (contacts) the message was filed on.
    contact_ids: tuple[int, ...] = field(default_factory=tuple)
    #: The whole message, for handlers that need its other parts or headers.
    message: EmailMessage | None = None


PartHandler = Callable[[EmailMessage, InboundContext], None]

_HANDLERS: dict[str, list[PartHandler]] = {}


def register_part_handler(content_type: str, handler: PartHandler) -> None:
    """Receive every captured part of ``content_type`` (``"text/calendar"``); registering the same
    handler twice is harmless (``ready()`` may run twice)."""
    handlers = _HANDLERS.setdefault(content_type.strip().lower(), [])
    if handler not in handlers:
        handlers.append(handler)


def unregister_part_handler(content_type: str, handler: PartHandler) -> None:
    """Remove a handler (tests)."""
    handlers = _HANDLERS.get(content_type.strip().lower(), [])
    if handler in handlers:
        handlers.remove(handler)


def part_handlers(content_type: str) -> tuple[PartHandler, ...]:
    """The handlers of ``content_type``, in registration order."""
    return tuple(_HANDLERS.get(content_type.strip().lower(), ()))
