"""Where the work of the moment comes from: the door (web, api, cli, worker) and the caller's
address, for the audit log.

Each door says it once at its entrance (the audit middleware for web and API requests,
``kits.cli.base.RubricaCommand`` for the command line, the worker's tasks), so that the services
need no extra argument: ``audit.services.record`` reads ``current()``. A context variable, so
threads and nested calls each see their own.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

WEB = "web"
API = "api"
CLI = "cli"
WORKER = "worker"
#: Nothing said where the work comes from (tests calling services, a shell).
SYSTEM = "system"
SOURCES = (WEB, API, CLI, WORKER, SYSTEM)


@dataclass(frozen=True)
class Origin:
    source: str = SYSTEM
    ip_address: str = ""


_NOWHERE = Origin()
_CURRENT: contextvars.ContextVar[Origin | None] = contextvars.ContextVar(
    "rubrica_origin", default=None
)


def current() -> Origin:
    return _CURRENT.get() or _NOWHERE


@contextmanager
def using(source: str, ip_address: str = "") -> Iterator[Origin]:
    """Work inside the block comes from ``source`` (one of ``SOURCES``) at ``ip_address``."""
    origin = Origin(source=source, ip_address=ip_address)
    token = _CURRENT.set(origin)
    try:
        yield origin
    finally:
        _CURRENT.reset(token)
