"""The searchable kinds: what the search engine knows of each kind of record, filled in by the
domains.

The engine knows no domain. Each domain app registers its kind from its ``AppConfig.ready()``
(people in ``rubrica.contacts.apps``, organizations in ``rubrica.organizations.apps``), one
``register(SearchKind(...))`` call per kind; the engine, its views, its API filters and its
command read this table only. A kind is looked up by its key (the ``SearchDocument.kind`` value,
one of ``rubrica.search.models.Kind`` for the kinds of this project): a kind nobody registered is
a programming error and fails loudly (``ImproperlyConfigured``) rather than silently leaving
records out of the results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.forms import Form
from django.utils.functional import Promise

from rubrica.core.filters import Params
from rubrica.core.registry import Registry
from rubrica.search.models import Kind

if TYPE_CHECKING:
    from rubrica.accounts.models import User
    from rubrica.core.models import OwnedRecord


@dataclass(frozen=True)
class Narrowing:
    """One kind's search filters as parsed from the request: how they narrow a queryset of that
    kind, and which of the filter parameters were given a value that narrows (so that the
    search knows when it is filtered, and which kinds a filter they lack rules out)."""

    apply: Callable[[QuerySet[Any]], QuerySet[Any]]
    used: frozenset[str]


@dataclass(frozen=True)
class SearchKind:
    """What the search engine needs to index, find, filter and link one kind of record.

    ``model``: an ``OwnedRecord``; the engine reads its live records (``objects``, narrowed by
    ``restrict(user, "view")`` for every query), and ``all_objects`` for a record that may be in
    the Trash (whose document is dropped) and for the names shown in the results.
    ``display_field``: the field a hit shows as its name.
    ``document``: the record's normalised text per field group (``rubrica.search.models.FIELDS``),
    reading only what ``prefetch`` prefetches.
    ``filter_keys``: the search filter parameters this kind has; a filter in use that a kind
    lacks leaves none of its records (a lifecycle stage leaves no organizations).
    ``parse_filters``: parses those parameters (the kind's own list filter, for the same names,
    checks and messages) into a ``Narrowing`` and ``{parameter: message}`` errors.
    ``label``, ``detail_url``: the results page's name for the kind ("People") and the URL name of
    a record's page (reversed with its pk).
    ``dependents``: when a record's names change, the records of other kinds whose documents
    carry them (an organization's people), as ``(kind, queryset)`` pairs to rewrite.
    ``filter_form``: the filter panel the search page shows, built from the request's query and
    the active users (the owner choices); the page shows that of the first kind that has one.
    """

    kind: str
    model: type[OwnedRecord]
    display_field: str
    document: Callable[[Any], dict[str, str]]
    prefetch: tuple[str, ...]
    filter_keys: tuple[str, ...]
    parse_filters: Callable[[Params], tuple[Narrowing, dict[str, str]]]
    label: str | Promise
    detail_url: str
    dependents: Callable[[Any], Iterable[tuple[str, QuerySet[Any]]]] | None = None
    filter_form: Callable[[Params, Sequence[User]], Form] | None = None


#: The searchable kinds by key; tests use ``SEARCH_KINDS.isolated()`` for a table of their own.
SEARCH_KINDS: Registry[SearchKind] = Registry(
    "search kind",
    key=lambda entry: entry.kind,
    hint="its app registers it from AppConfig.ready() with rubrica.search.registry.register()",
)


def register(entry: SearchKind) -> None:
    """Make a kind searchable; called once per kind by its domain's ``AppConfig.ready()``.
    Registering the same entry again is harmless (``ready()`` may run twice); a different entry
    under a key already taken is refused, so that two apps cannot silently fight over a kind."""
    SEARCH_KINDS.register(entry)


def get(kind: str) -> SearchKind:
    """The registered kind ``kind``; ImproperlyConfigured when no app registered it."""
    return SEARCH_KINDS.get(kind)


def _position(entry: SearchKind) -> tuple[int, str]:
    order = list(Kind.values)
    return (order.index(entry.kind), "") if entry.kind in order else (len(order), entry.kind)


def kinds() -> tuple[SearchKind, ...]:
    """Every registered kind, in the order of ``Kind`` (people first), then any other by key:
    the order the engine indexes them in, the results page lists them in, and filter errors
    are reported in, whatever the order the apps started in."""
    return tuple(sorted(SEARCH_KINDS, key=_position))


def keys() -> tuple[str, ...]:
    """The registered kinds' keys, in the order of ``kinds()``."""
    return tuple(entry.kind for entry in kinds())


def of(record: Model) -> SearchKind:
    """The kind ``record`` belongs to (by its model); ImproperlyConfigured when its model is
    not searchable."""
    for entry in kinds():
        if isinstance(record, entry.model):
            return entry
    raise ImproperlyConfigured(f"No search kind is registered for {type(record).__name__}.")


def filter_form() -> Callable[[Params, Sequence[User]], Form]:
    """The search page's filter panel: that of the first kind that gives one."""
    for entry in kinds():
        if entry.filter_form is not None:
            return entry.filter_form
    raise ImproperlyConfigured("No search kind gives the search page's filter panel.")
