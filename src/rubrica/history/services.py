"""Writing history entries. Services call ``history_record`` inside their own transaction.

Moving a record to the Trash and back (``record_set_deleted``) and purging it for good
(``purge_trashed``) live here too: both are shared by every owned record and both write or delete
its history entries, which ``core`` (below every app) cannot do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.core.models import Action, OwnedRecord
from rubrica.core.policies import can
from rubrica.core.services import ensure_can, lock_and_check_version
from rubrica.history.models import HistoryAction, HistoryEntry

Snapshot = dict[str, Any]
RecordT = TypeVar("RecordT", bound=OwnedRecord)

#: Records purged per transaction: memory stays bounded and locks stay short.
PURGE_BATCH = 500


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
        changes=_sealed(instance, changes),
    )


def _sealed(instance: models.Model, changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``changes`` with the values of sealed-at-rest built-in fields marked sensitive sealed
    (ADR 0034): history keeps no clear copy of what the record's own column keeps sealed."""
    from rubrica.core.models import SealedTextField
    from rubrica.customfields.protection import seal_builtins

    entity = next(
        (
            field.seal_entity
            for field in instance._meta.concrete_fields
            if isinstance(field, SealedTextField)
        ),
        "",
    )
    if not entity:
        return changes
    sealed: dict[str, Any] = seal_builtins(entity, changes)
    return sealed


def record_set_deleted(actor: User, instance: RecordT, *, deleted: bool) -> RecordT:
    """Move a record to the Trash or back, with its history entry. Idempotent. Call inside the
    caller's transaction."""
    ensure_can(actor, instance, Action.DELETE)
    current = cast(RecordT, lock_and_check_version(type(instance), instance.pk, None))
    if (current.deleted_at is not None) == deleted:
        return current
    before = current.deleted_at.isoformat() if current.deleted_at else None
    current.deleted_at = timezone.now() if deleted else None
    current.deleted_by = actor if deleted else None
    current.version += 1
    current.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at"])
    after = current.deleted_at.isoformat() if current.deleted_at else None
    audit.record(
        actor, AuditAction.RECORD_DELETE if deleted else AuditAction.RECORD_RESTORE, current
    )
    history_record(
        actor=actor,
        instance=current,
        action=HistoryAction.DELETE if deleted else HistoryAction.RESTORE,
        changes={"deleted_at": {"before": before, "after": after}},
        version=current.version,
    )
    return current


def purge_trashed(
    model: type[OwnedRecord],
    *,
    cutoff: dt.datetime,
    before_delete: Callable[[list[int]], None] | None = None,
) -> int:
    """Delete for good the records of ``model`` moved to the Trash before ``cutoff``, with their
    history entries: a purge removes the personal data, not only the row. Works in batches, one
    transaction each, so memory stays bounded; ``before_delete`` sees each batch's ids inside its
    transaction (to clear what the rows point to, e.g. stored files). System task: no actor."""
    content_type = ContentType.objects.get_for_model(model)
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                model.trash.filter(deleted_at__lt=cutoff).values_list("pk", flat=True)[:PURGE_BATCH]
            )
            if not batch:
                break
            if before_delete is not None:
                before_delete(batch)
            HistoryEntry.objects.filter(content_type=content_type, object_id__in=batch).delete()
            model.all_objects.filter(pk__in=batch).delete()
            audit.record(
                None,
                AuditAction.RECORD_PURGE,
                details={"model": model._meta.label_lower, "ids": batch, "count": len(batch)},
            )
            total += len(batch)
    return total


def bulk_data(record: Any, action: str, value: Any) -> dict[str, Any]:
    """What one bulk ``action`` asks the record's update service to write: for ``tag`` and
    ``untag`` its tag names with ``value`` added or removed (by name, whatever the case), for any
    other action the field of that name set to ``value``."""
    if action not in ("tag", "untag"):
        return {action: value}
    names = {tag.name for tag in record.tags.all()}
    if action == "tag":
        names.add(str(value))
    else:
        names = {name for name in names if name.lower() != str(value).lower()}
    return {"tags": sorted(names)}


def bulk_apply(
    *,
    actor: User,
    entity: str,
    records: Sequence[Any],
    action: str,
    value: Any,
    actions: Sequence[str],
    update: Callable[[Any, dict[str, Any]], object],
    delete: Callable[[Any], object],
    refused: str,
    target: Callable[[int], audit.Target],
) -> int:
    """One bulk ``action`` (one of ``actions``) on many records of ``entity``: refused with
    ``refused`` unless the actor's roles grant "bulk edit" on it, then ``delete(record)`` or
    ``update(record, bulk_data(...))`` (calls of the record's own services: history, permissions
    and rules stay the single record's) on every record in one transaction, all or nothing, and
    one audit entry naming the action, its value and the ids. Returns how many were changed."""
    if not can(actor, entity, Action.BULK_EDIT):
        raise PermissionDenied(refused)
    if action not in actions:
        raise ValidationError({"action": _("Unknown bulk action.")})
    if action in ("tag", "untag", "owner") and not value:
        raise ValidationError({"value": _("Choose a value for this action.")})
    count = 0
    with transaction.atomic():
        for record in records:
            if action == "delete":
                delete(record)
            else:
                update(record, bulk_data(record, action, value))
            count += 1
        if count:
            audit.record(
                actor,
                AuditAction.BULK_EDIT,
                target(count),
                {
                    "action": action,
                    "value": getattr(value, "pk", value),
                    "ids": [record.pk for record in records],
                    "count": count,
                },
            )
    return count
