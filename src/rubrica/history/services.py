"""Writing history entries. Services call ``history_record`` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from rubrica.accounts.models import User
from rubrica.history.models import HistoryEntry

Snapshot = dict[str, Any]


def diff(before: Snapshot, after: Snapshot) -> dict[str, dict[str, Any]]:
    """Field-level before/after for every key whose value differs."""
    keys = list(dict.fromkeys([*before, *after]))
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in keys
        if before.get(key) != after.get(key)
    }


def history_record(
    *,
    actor: User | None,
    instance: models.Model,
    action: str,
    changes: dict[str, dict[str, Any]],
    version: int,
) -> HistoryEntry:
    return HistoryEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=instance.pk,
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        version=version,
        changes=changes,
    )
