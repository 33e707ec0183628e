"""What apps above contacts keep about people's tags: a table their ``AppConfig.ready()`` fills in.

The activities app stores each person's effective keep-in-touch cadence, which may come from
their tags; when a write changes people's tags (``contacts.services``, the batched create of
imports) the contacts services call ``tags_changed`` inside the writing transaction, and each
registered hook refreshes what it keeps. Contacts cannot import the apps above it (ADR 0010), and
the house has no signals of its own: this table is the one explicit link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rubrica.core.registry import Registry


@dataclass(frozen=True)
class TagsHook:
    """``run(contact_ids)`` is called after those people's tags changed, in the transaction."""

    key: str
    run: Callable[[list[int]], None]


tags_hooks: Registry[TagsHook] = Registry(
    "people's tags hook", key=lambda hook: hook.key, hint="register it from AppConfig.ready()"
)


def register_tags_hook(hook: TagsHook) -> None:
    tags_hooks.register(hook)


def tags_changed(contact_ids: Iterable[int]) -> None:
    """Tell every registered app that these people's tags changed (no-op for none)."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    for hook in tags_hooks:
        hook.run(ids)
