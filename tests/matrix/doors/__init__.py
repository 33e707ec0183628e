"""The doors of the matrix: every way in, declared once, next to the others of its app.

Each module of this package (one per app: ``doors/contacts.py``...) calls ``web``, ``api``,
``cli`` or ``exempt`` for each of its app's doors. ``tests/matrix/test_declared.py`` walks every
URL pattern of ``rubrica.urls``, every operation of the NinjaAPI and every CLI action that acts as
a user, and fails on one that no module declares or exempts: a new door joins the matrix or the
build fails.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: ``build(world, case) -> value``: a path, data or arguments for the record of ``case``.
Build = Callable[[Any, str], Any]


@dataclass(frozen=True)
class Door:
    """One way in and how to knock on it.

    ``key`` is what the completeness test matches: ``"web GET contacts:detail"``,
    ``"api PATCH /contacts/{contact_id}"`` or ``"cli contacts edit"``.
    """

    key: str
    #: The rule of ``expect.EXPECT`` the door follows.
    rule: str
    #: The kind of record the door addresses (``world.records``), None for none.
    kind: str | None = None
    #: The cases asked: record cases of ``kind`` (``missing`` is a guessed id) or ``-``.
    cases: tuple[str, ...] = ("private", "team", "missing")
    #: ``path(world, case)``; for the web by default ``reverse(url name, args=[pk])``.
    path: Build | None = None
    #: ``data(world, case)``: the body (a form or JSON) or the CLI's arguments.
    data: Build | None = None
    #: The markers of records the role may not see must not be in the answer (lists, search).
    lists: bool = False
    #: Cases named ``private_trashed`` etc. are asked as the record of that name; the expected
    #: outcome is that of the part before ``_``.
    label: str = ""
    #: How the body is sent: "form", "json" or "multipart".
    body: str = "form"
    #: Other answers that count as a refusal here, always with nothing changed: a bulk action
    #: skips the ids one may not touch (200/302), an id inside a body is a field error (422), a
    #: form refuses with a message and a redirect (302).
    refusals: tuple[int, ...] = ()
    #: Known holes the matrix found and that are not fixed yet: ``{"case-role": reason}`` (the
    #: case is then an expected failure, strict: fixing the hole makes it pass and fail the run).
    known: dict[str, str] = field(default_factory=dict)
    #: Door-specific knobs (the CLI's ``ok_codes``).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def door(self) -> str:
        return self.key.split(" ", 1)[0]

    @property
    def method(self) -> str:
        return self.key.split(" ")[1] if self.door != "cli" else "RUN"

    @property
    def target(self) -> str:
        return self.key.split(" ", 2)[2] if self.door != "cli" else self.key.split(" ", 1)[1]

    def case_ids(self) -> list[str]:
        return [f"{self.label or self.key}|{case}" for case in self.cases]


DOORS: list[Door] = []
#: key -> why the door is not in the matrix.
EXEMPT: dict[str, str] = {}


def web(
    name: str, method: str = "GET", rule: str = "view", kind: str | None = None, **kw: Any
) -> None:
    """Declare the web view named ``name`` (``"contacts:edit"``) for ``method``."""
    if kind is None and "cases" not in kw:
        kw["cases"] = ("-",)
    DOORS.append(Door(key=f"web {method} {name}", rule=rule, kind=kind, **kw))


def api(method: str, route: str, rule: str = "view", kind: str | None = None, **kw: Any) -> None:
    """Declare the API operation ``method route`` (``route`` as mounted: ``/contacts/{id}``)."""
    if kind is None and "cases" not in kw:
        kw["cases"] = ("-",)
    kw.setdefault("body", "json")
    DOORS.append(Door(key=f"api {method} {route}", rule=rule, kind=kind, **kw))


def cli(command: str, rule: str = "view", kind: str | None = None, **kw: Any) -> None:
    """Declare the CLI action ``command`` (``"contacts edit"``), run ``--as`` each role."""
    if kind is None and "cases" not in kw:
        kw["cases"] = ("-",)
    DOORS.append(Door(key=f"cli {command}", rule=rule, kind=kind, **kw))


def exempt(key: str, reason: str) -> None:
    """A door that is not in the matrix, and why (public pages, the login itself...)."""
    EXEMPT[key] = reason


def load() -> list[Door]:
    """Import every declaring module of this package (once) and give the doors."""
    if not DOORS:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
    return DOORS
