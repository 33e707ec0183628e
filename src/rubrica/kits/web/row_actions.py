"""Actions that other apps add to each row of a list of records: a typed table filled in at
start-up, like the record panels (``panels.py``).

A list's app knows none of them. An app registers its actions from its ``AppConfig.ready()``
(``register_row_action(RowAction(...))``); the list renders ``{% row_actions record %}`` in a last
cell of each row (``kits/web/templatetags/rubrica_web.py``). The template receives ``record`` and
``request``; it must not read more than the row already holds (it renders once per row) and
offers writes only through its own app's views (with CSRF).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class RowAction:
    """One action on each row of the lists of one model."""

    #: Unique per model, e.g. "quick-log".
    key: str
    #: The model whose list rows show the action.
    model: type[models.Model]
    #: The template rendered with ``record`` and ``request``.
    template: str
    #: Lower comes first.
    order: int = 100


_ACTIONS: dict[tuple[type[models.Model], str], RowAction] = {}


def register_row_action(action: RowAction) -> None:
    """Add a row action; registering another under the same key for one model is an error."""
    slot = (action.model, action.key)
    if slot in _ACTIONS and _ACTIONS[slot] != action:
        raise ValueError(f"row action {action.key!r} is already registered")
    _ACTIONS[slot] = action


def row_actions_for(model: type[models.Model]) -> list[RowAction]:
    found = [action for (owner, _key), action in _ACTIONS.items() if owner is model]
    return sorted(found, key=lambda action: (action.order, action.key))
