"""Scopes other apps add to a record list page: a typed table filled in at start-up.

A list page (the people list) is narrowed by its own filters; an app above the list's app can
add a *scope*, named by one query parameter, that narrows it further and adds to the page: the
people list narrowed to a saved segment (``?segment=<id>``), with the segment's banner and its
bulk actions ("Add to segment…"). The list's app knows none of them: it asks this table for the
scopes of its model. An app registers a scope from its ``AppConfig.ready()``
(``register_list_scope(ListScope(...))``, ``rubrica.segments.apps``).

The list page:

- resolves each scope's parameter (``resolve(user, raw)`` gives the scope's value, or None, and an
  error message shown under the parameter's name: a value the user may not see is reported like
  one that does not exist, and then the page lists no one rather than everyone);
- lists the page of the first scope given a value (``page(user, value, flt, cursor, size)``), or
  its own page when none is;
- adds each scope's ``context(user, value)`` (which must run no query without a value: list pages
  have a query budget) and includes its templates (``banner_template`` above the results,
  ``bulk_options_template`` among the bulk actions' choices, ``bulk_fields_template`` in the bulk
  bar);
- hands a bulk action the scope names (``bulk_actions``) to the scope's ``bulk(request, ids,
  next_url)``.

The API's list of the same records answers the same parameter from this table too
(``list_scope(model, param)``: ``GET /api/v1/contacts?segment=<id>``), with the same ``resolve``
and ``page``; there is no second table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.http import HttpResponse

from rubrica.core.pagination import Page
from rubrica.core.registry import Registry
from rubrica.kits.web.access import AuthedRequest

if TYPE_CHECKING:
    from rubrica.accounts.models import User


@dataclass(frozen=True)
class ListScope:
    """One scope of the list page of ``model``, named by the query parameter ``param``."""

    model: type[Model]
    param: str
    #: ``(user, raw parameter or None) -> (value or None, error message or "")``.
    resolve: Callable[[User, str | None], tuple[Any, str]]
    #: ``(user, value, list filter, cursor, size) -> page`` of the list narrowed to ``value``.
    page: Callable[[User, Any, Any, str | None, int], Page[Any]]
    #: ``(user, value or None) -> context`` for the list's templates.
    context: Callable[[User, Any], Mapping[str, Any]]
    banner_template: str = ""
    bulk_options_template: str = ""
    bulk_fields_template: str = ""
    bulk_actions: tuple[str, ...] = ()
    bulk: Callable[[AuthedRequest, list[int], str], HttpResponse] | None = None


#: The scopes by (model, parameter); tests use ``LIST_SCOPES.isolated()``.
LIST_SCOPES: Registry[ListScope] = Registry(
    "list scope",
    key=lambda scope: (scope.model._meta.label, scope.param),
    hint="its app registers it from AppConfig.ready() with register_list_scope()",
)

#: Add a scope (from an ``AppConfig.ready()``); another scope under a taken key is refused.
register_list_scope = LIST_SCOPES.register


def list_scope(model: type[Model], param: str) -> ListScope:
    """The scope of ``model``'s list answering ``param``; ``NotRegistered`` (a LookupError) when
    no app registered it: a parameter is never silently ignored (that would list everyone
    instead of the few asked for)."""
    return LIST_SCOPES.get((model._meta.label, param))


def scopes_for(model: type[Model]) -> list[ListScope]:
    """The scopes of ``model``'s list page, in registration order."""
    return [scope for scope in LIST_SCOPES if scope.model is model]


@dataclass(frozen=True)
class Scoped:
    """The scopes of one request to a list page, resolved."""

    scopes: list[ListScope]
    #: The scope given a value, and that value (the first one, when several are).
    active: tuple[ListScope, Any] | None
    #: ``{parameter: message}`` for the parameters naming nothing the user may see.
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> bool:
        """A scope was asked for and is not there: the page lists no one."""
        return bool(self.errors)

    def page(
        self, user: User, flt: Any, cursor: str | None, size: int, own: Callable[[], Page[Any]]
    ) -> Page[Any]:
        """The page to list: none when a scope is missing, the active scope's, else ``own()``."""
        if self.missing:
            return Page(items=[], next_cursor=None, prev_cursor=None)
        if self.active is None:
            return own()
        scope, value = self.active
        return scope.page(user, value, flt, cursor, size)

    def context(self, user: User) -> dict[str, Any]:
        """Every scope's context, and the scopes themselves (``list_scopes``, for the templates'
        includes) with the parameters to keep in the filter form (``scope_params``)."""
        context: dict[str, Any] = {"list_scopes": self.scopes, "scope_params": []}
        active = self.active[1] if self.active else None
        for scope in self.scopes:
            value = active if self.active and self.active[0] is scope else None
            context.update(scope.context(user, value))
        if self.active is not None:
            scope, value = self.active
            context["scope_params"] = [(scope.param, getattr(value, "pk", value))]
        return context


def resolve_scopes(user: User, model: type[Model], params: Mapping[str, Any]) -> Scoped:
    """Resolve the scopes of ``model``'s list page from the request's query."""
    found = scopes_for(model)
    active: tuple[ListScope, Any] | None = None
    errors: dict[str, str] = {}
    for scope in found:
        value, error = scope.resolve(user, params.get(scope.param))
        if error:
            errors[scope.param] = error
        elif value is not None and active is None:
            active = (scope, value)
    return Scoped(scopes=found, active=active, errors=errors)


def scope_bulk(
    model: type[Model], action: str
) -> Callable[[AuthedRequest, list[int], str], HttpResponse] | None:
    """What runs bulk ``action`` of ``model``'s list page for a scope, or None when no scope
    handles it."""
    for scope in scopes_for(model):
        if action in scope.bulk_actions and scope.bulk is not None:
            return scope.bulk
    return None
