"""Scopes of the people list: a query parameter of the list that an app above contacts answers.

The people list (``GET /api/v1/contacts``) accepts ``?segment=<id>``, but segments sit above
contacts (ADR 0010), so contacts cannot import them. The app that owns such a parameter registers a
``ListScope`` here from its ``AppConfig.ready()`` (segments/apps.py), and the list asks this table
when the parameter is sent. A parameter that no app registered is a LookupError, never a filter
silently ignored (which would list everyone instead of the few people asked for).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from rubrica.core.pagination import Page

if TYPE_CHECKING:
    from rubrica.accounts.models import User
    from rubrica.contacts.models import Contact


@dataclass(frozen=True)
class ListScope:
    """A query parameter ``param`` of the people list, answered by the registering app.

    ``resolve(user, raw)`` turns the parameter's value into the scope the user may see, or
    answers ``(None, message)`` naming what is wrong (the list reports it under ``param``).
    ``page(user=, scope=, flt=, cursor=, size=)`` lists the people of that scope the user may
    see, with the list's own filters and sort applied on top (both must match)."""

    param: str
    resolve: Callable[[User, str | None], tuple[Any, str]]
    page: Callable[..., Page[Contact]]


_SCOPES: dict[str, ListScope] = {}


def register_list_scope(scope: ListScope) -> None:
    """Called once per parameter from the owning app's ``AppConfig.ready()``."""
    known = _SCOPES.get(scope.param)
    if known is not None and known != scope:
        raise ImproperlyConfigured(f"The people list parameter {scope.param!r} is taken.")
    _SCOPES[scope.param] = scope


def list_scope(param: str) -> ListScope:
    """The scope registered for ``param``; LookupError when no app registered it."""
    try:
        return _SCOPES[param]
    except KeyError:
        raise LookupError(f"No app registered the people list parameter {param!r}.") from None


def list_scopes() -> dict[str, ListScope]:
    """The whole table (for tests and introspection)."""
    return dict(_SCOPES)
