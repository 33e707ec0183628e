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

from django.utils.functional import Promise

from rubrica.accounts.models import User
from rubrica.core.models import OwnedRecord
from rubrica.core.registry import Registry
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


#: The kinds with history pages by key; tests use ``HISTORY_KINDS.isolated()``.
HISTORY_KINDS: Registry[HistoryKind[Any]] = Registry(
    "history kind",
    key=lambda kind: kind.key,
    hint="its app registers it from AppConfig.ready() with register_history()",
    same_again=False,
)


#: Add a kind (from an ``AppConfig.ready()``); a key registered twice is refused.
register_history = HISTORY_KINDS.register
#: The kind registered under a key; NotRegistered (a LookupError) names the registered ones.
history_kind = HISTORY_KINDS.get


def history_kinds() -> list[HistoryKind[Any]]:
    """Every kind with history pages, in registration order (the order of INSTALLED_APPS)."""
    return list(HISTORY_KINDS)
