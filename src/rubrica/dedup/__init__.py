"""Duplicate detection for people: match keys, scoring, warnings before saving, background scans.

    index_contact(contact), remove(contact)
        called by the contact services inside their transaction (beside the search index);
    reindex(progress=callback) -> int
        rebuilds every key (``rubrica dedup reindex``);
    find_duplicates(user=..., data=..., exclude_id=None, limit=5) -> list[Candidate]
        people ``user`` may view who look like the person described by ``data``
        (see ``rubrica.dedup.selectors``).

The engine knows no domain: the records it matches, and how they are read and shown, are
registered by their domain (``rubrica.dedup.registry``). Merging is ``rubrica.merges``, which
registers what it adds; this app only finds and remembers candidate pairs. The functions import
lazily: this package is a Django app, imported before models are ready.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

    from rubrica.accounts.models import User
    from rubrica.dedup.selectors import Candidate


def index_contact(contact: Model) -> None:
    from rubrica.dedup import index

    index.index_contact(contact)


def remove(contact: Model) -> None:
    from rubrica.dedup import index

    index.remove(contact)


def reindex(progress: Callable[[int, int], None] | None = None) -> int:
    from rubrica.dedup import index

    return index.reindex(progress)


def find_duplicates(
    *, user: User, data: Mapping[str, Any], exclude_id: int | None = None, limit: int = 5
) -> list[Candidate]:
    from rubrica.dedup import selectors

    return selectors.find_duplicates(user=user, data=data, exclude_id=exclude_id, limit=limit)
