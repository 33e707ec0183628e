"""Records shared one by one: how the owned-record policy learns of explicit shares.

Core knows no app, yet ``OwnedRecordPolicy`` must let a person read (and, with a write share,
change) a record that was shared with them or with one of their teams. The app that keeps the
shares (``rubrica.sharing``) registers one function here from its ``AppConfig.ready()``; the
policy ORs what it answers into its own filter (``with_shares``). With nothing registered,
nothing is shared and the policy is exactly the owner/team/visibility rule.

A filter function answers ``(user, action, model) -> Q | None``: the records of ``model`` that
shares let ``user`` do ``action`` on (a ``pk__in`` subquery, so it composes with any queryset),
or None when shares grant nothing (a model nobody shares, an action shares never grant).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from rubrica.core.policies import AnyUser

ShareFilter: TypeAlias = "Callable[[AnyUser, str, type[models.Model]], Q | None]"

_FILTERS: list[ShareFilter] = []


def register_share_filter(share_filter: ShareFilter) -> None:
    """Add the function that answers which records shares open to a person (once per app;
    registering the same function again is harmless, as ``ready()`` may run twice)."""
    if share_filter not in _FILTERS:
        _FILTERS.append(share_filter)


def shared_q(user: AnyUser, action: str, model: type[models.Model]) -> Q | None:
    """The records of ``model`` that shares let ``user`` ``action``; None when they grant none."""
    found: Q | None = None
    for share_filter in _FILTERS:
        q = share_filter(user, action, model)
        if q is not None:
            found = q if found is None else found | q
    return found


def with_shares(q: Q | None, user: AnyUser, action: str, model: type[models.Model]) -> Q | None:
    """``q`` (a policy's own filter; None: no restriction) widened by what shares grant."""
    if q is None:
        return None
    shared = shared_q(user, action, model)
    return q if shared is None else q | shared
