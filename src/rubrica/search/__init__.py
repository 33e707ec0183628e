"""Search over people and organizations: one interface, an SQLite FTS5 or a PostgreSQL pg_trgm
backend underneath (chosen by the database in use).

    index_contact(contact), index_organization(org), remove(record)
        called by the services at the end of every write, inside its transaction, so a rolled
        back change leaves the index as it was;
    query(user, text, *, kinds=("contact", "organization"), limit=20, narrow=None) -> list[Hit]
        only records ``user`` may view (``Model.objects.restrict(user, "view")``), best first;
        ``narrow`` maps a kind to a function narrowing its visible queryset (a list filter's
        ``apply``, see rubrica.search.filters), applied before matching;
    reindex(progress=callback) -> int
        rebuilds everything (``rubrica search reindex``).

The functions import the engine lazily: this package is a Django app, imported before models
are ready.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rubrica.contacts.models import Contact
    from rubrica.organizations.models import Organization
    from rubrica.search.engine import Hit


def index_contact(contact: Contact) -> None:
    from rubrica.search import engine

    engine.index_contact(contact)


def index_organization(org: Organization) -> None:
    from rubrica.search import engine

    engine.index_organization(org)


def remove(record: Contact | Organization) -> None:
    from rubrica.search import engine

    engine.remove(record)


def query(
    user: Any,
    text: str,
    *,
    kinds: Iterable[str] = ("contact", "organization"),
    limit: int = 20,
    narrow: Mapping[str, Callable[[Any], Any]] | None = None,
) -> list[Hit]:
    from rubrica.search import engine

    return engine.query(user, text, kinds=kinds, limit=limit, narrow=narrow)


def reindex(progress: Callable[[int, int], None] | None = None) -> int:
    from rubrica.search import engine

    return engine.reindex(progress)
