"""Which records have history pages: a typed table the domains fill in at start-up.

The history engine knows no domain. Each domain registers its kinds from its
``AppConfig.ready()`` (one ``register_history`` call per kind, e.g. ``contacts/apps.py``):
the model, where its pages mount, how a value is put back, which custom fields label its
entries. ``history/urls.py`` mounts two pages per registered kind; the views look the kind up by
its key and fail loudly when nobody registered it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

from rubrica.accounts.models import User
from rubrica.core.models import OwnedRecord
from rubrica.history.models import HistoryEntry

RecordT = TypeVar("RecordT", bound=OwnedRecord)


@dataclass(frozen=True)
class HistoryKind(Generic[RecordT]):
    """One kind of record with a history page and "Restore this value"."""

    #: The kind's name: its URL names are ``history:<key>`` and ``history:<key>_revert``.
    key: str
    #: The model; the page reads the record through ``model.objects.restrict()``.
    model: type[RecordT]
    #: Where the pages mount under history/: ``<url_prefix>/<pk>/`` and ``.../restore/``.
    url_prefix: str
    #: The breadcrumb back to the list: its URL name and its text ("People").
    list_url_name: str
    list_label: str | Promise
    #: The custom-field entity whose labels name the keys of a ``custom_fields`` change.
    custom_field_entity: str
    #: Fields whose earlier value may be put back one at a time.
    revertable: frozenset[str]
    #: The revert service: (actor, record, entry, field) -> the record; it checks and records.
    revert: Callable[[User, RecordT, HistoryEntry, str], object]
    #: The field that names a record of this kind where another record's history refers to it
    #: by id (an affiliation row names its organization).
    name_field: str


_KINDS: dict[str, HistoryKind[Any]] = {}


def register_history(kind: HistoryKind[Any]) -> None:
    """Add a kind (from an ``AppConfig.ready()``). A key registered twice is refused: two apps
    would fight over the same URL names."""
    if kind.key in _KINDS:
        raise ImproperlyConfigured(f"The history kind {kind.key!r} is already registered.")
    _KINDS[kind.key] = kind


def history_kinds() -> list[HistoryKind[Any]]:
    """Every kind with history pages, in registration order (the order of INSTALLED_APPS)."""
    return list(_KINDS.values())


def history_kind(key: str) -> HistoryKind[Any]:
    """The kind registered as ``key``; LookupError names the registered ones when it is missing."""
    try:
        return _KINDS[key]
    except KeyError:
        known = ", ".join(_KINDS) or "none"
        raise LookupError(f"No history kind {key!r} is registered (registered: {known}).") from None
