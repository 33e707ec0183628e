"""What apps above taxonomy keep about a tag: a table their ``AppConfig.ready()`` fills in.

``tag_delete`` calls each registered hook with the tag inside its transaction, before the row (and
its links to people) goes, so an app that stored something derived from the tag (the activities'
keep-in-touch cadences taken from a tag's cadence) can store it again without it. No signals:
this table is the one explicit link (ADR 0010).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rubrica.core.registry import Registry

if TYPE_CHECKING:
    from rubrica.taxonomy.models import Tag


@dataclass(frozen=True)
class TagDeleteHook:
    """``run(tag)`` is called before ``tag`` is deleted, in the deleting transaction."""

    key: str
    run: Callable[[Tag], None]


tag_delete_hooks: Registry[TagDeleteHook] = Registry(
    "tag delete hook", key=lambda hook: hook.key, hint="register it from AppConfig.ready()"
)


def register_tag_delete_hook(hook: TagDeleteHook) -> None:
    tag_delete_hooks.register(hook)
