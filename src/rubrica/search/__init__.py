"""Search over the searchable kinds of record (people and organizations): one interface, an
SQLite FTS5 or a PostgreSQL pg_trgm backend underneath (chosen by the database in use). The
engine knows no domain: each kind is registered by its app (``rubrica.search.registry``).

    index(record), remove(record)
        called by the services at the end of every write, inside its transaction, so a rolled
        back change leaves the index as it was; the record's kind is found by its model;
    query(user, text, *, kinds=None, limit=20, narrow=None) -> list[Hit]
        only records ``user`` may view (``Model.objects.restrict(user, "view")``), best first,
        of ``kinds`` (default: every registered kind); ``narrow`` maps a kind to a function
        narrowing its visible queryset (a list filter's ``apply``, see rubrica.search.filters),
        applied before matching;
    reindex(progress=callback) -> int
        rebuilds everything (``rubrica search reindex``).

The functions import the engine lazily: this package is a Django app, imported before models
are ready.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

    from rubrica.accounts.models import User
    from rubrica.search.engine import Hit


def index(record: Model) -> None:
    from rubrica.search import engine

    engine.index(record)


def remove(record: Model) -> None:
    from rubrica.search import engine

    engine.remove(record)


def forget(record: Model) -> None:
    """Remove a record and the words only its name bore (an erasure, ADR 0032)."""
    from rubrica.search import engine

    engine.forget(record)


def query(
    user: User,
    text: str,
    *,
    kinds: Iterable[str] | None = None,
    limit: int = 20,
    narrow: Mapping[str, Callable[[Any], Any]] | None = None,
) -> list[Hit]:
    from rubrica.search import engine

    return engine.query(user, text, kinds=kinds, limit=limit, narrow=narrow)


def reindex(progress: Callable[[int, int], None] | None = None) -> int:
    from rubrica.search import engine

    return engine.reindex(progress)
