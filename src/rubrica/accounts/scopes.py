"""What an API token may reach (ADR 0036): scopes per area of the API, read or write.

A scope is ``<area>:read`` or ``<area>:write`` for one area of the API, ``admin`` for the
administration area (team settings; users, roles, teams and audit when they get API operations),
or one of the two scopes of every token made before areas existed: ``read`` and ``write``, which
keep meaning *every* area (no data migration: they are read that way). A token's effective
rights are its user's grants intersected with its scopes: a scope never grants anything the user
lacks. ``<area>:write`` does not imply ``<area>:read``, like ``write`` never implied ``read``.

Which area an API operation belongs to is decided where its router is mounted
(``rubrica.api.api.mount``), never per operation; the areas are listed here so that the services,
forms and CLI can check and show them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: Every token scope of the days before areas: read (GET, HEAD, OPTIONS) or write (the rest)
#: anywhere.
ALL_READ = "read"
ALL_WRITE = "write"
#: The administration area: one scope for reading and changing.
ADMIN = "admin"

#: The areas of the API, in the order the token form lists them.
AREAS: dict[str, Promise] = {
    "contacts": _("People, their duplicates and merges"),
    "organizations": _("Organizations and affiliations"),
    "activities": _("Activities"),
    "tasks": _("Tasks"),
    "calendars": _("Calendars and appointments"),
    "mail": _("Mail"),
    "documents": _("Documents"),
    "segments": _("Segments"),
    "imports": _("Imports"),
    "exports": _("Exports"),
    "jobs": _("Background jobs"),
    "quality": _("Data quality"),
    "search": _("Search"),
    "tags": _("Tags, stages and organization kinds"),
    "custom-fields": _("Custom fields"),
    "sharing": _("Record sharing"),
    "notifications": _("Notifications"),
    "account": _("Own settings"),
}

READ = "read"
WRITE = "write"


def area_scope(area: str, write: bool) -> str:
    """The one scope that opens ``area`` for reading (or writing)."""
    if area == ADMIN:
        return ADMIN
    return f"{area}:{WRITE if write else READ}"


def fine_scopes() -> list[str]:
    """Every per-area scope, in the order of AREAS, ``admin`` last."""
    return [f"{area}:{mode}" for area in AREAS for mode in (READ, WRITE)] + [ADMIN]


def known_scopes() -> list[str]:
    """Every scope a token may carry, in the order they are stored."""
    return [ALL_READ, ALL_WRITE, *fine_scopes()]


def expand(scope: str) -> list[str]:
    """``contacts:*`` stands for ``contacts:read`` and ``contacts:write``."""
    if scope.endswith(":*"):
        area = scope[:-2]
        return [f"{area}:{READ}", f"{area}:{WRITE}"] if area in AREAS else [scope]
    return [scope]


def allows(scopes: Iterable[str], area: str, *, write: bool) -> bool:
    """Whether a token carrying ``scopes`` may read (or write) in ``area``."""
    held = set(scopes)
    return (ALL_WRITE if write else ALL_READ) in held or area_scope(area, write) in held


def is_every_area(scopes: Iterable[str]) -> bool:
    """A token of the days before areas (only ``read``/``write``)."""
    return set(scopes) <= {ALL_READ, ALL_WRITE}
