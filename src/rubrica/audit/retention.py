"""Retention: entries older than ``RUBRICA_AUDIT_RETENTION_DAYS`` are deleted, when it is set
(0, the default, keeps every entry for ever). ADR 0030.

The chain stays verifiable: before deleting entries 1..N, a checkpoint entry is appended (at
the end of the chain, so itself chained and covered by the heads written down after it) that
records N and the hash of entry N. ``services.verify`` then starts at entry N+1, whose
``prev_hash`` must be that hash. Deleting is the only write that ever touches old rows: the
append-only triggers are dropped and created again inside the same transaction, so no other
transaction ever sees the table without them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from rubrica.audit.models import AuditEntry
from rubrica.audit.services import (
    CHECKPOINT_THROUGH_HASH,
    CHECKPOINT_THROUGH_SEQ,
    AuditAction,
    Target,
    record,
)
from rubrica.audit.triggers import CREATE, DROP

#: One pruning a day at most: each writes a checkpoint entry.
PRUNE_EVERY = dt.timedelta(hours=23)
RUN_AT = "run_at"


def _run_at(checkpoint: AuditEntry) -> dt.datetime:
    """When the pruning that wrote ``checkpoint`` ran (its ``now``; the entry's time if not
    said)."""
    raw = checkpoint.details.get(RUN_AT)
    try:
        return dt.datetime.fromisoformat(raw) if isinstance(raw, str) else checkpoint.at
    except ValueError:
        return checkpoint.at


def prune(*, now: dt.datetime | None = None, days: int | None = None, force: bool = False) -> int:
    """Delete the entries older than ``days`` (default: the setting; 0 deletes nothing) behind a
    checkpoint; returns how many were deleted. Skipped when a checkpoint was written in the last
    23 hours, unless ``force``."""
    keep_days = settings.RUBRICA_AUDIT_RETENTION_DAYS if days is None else days
    if keep_days <= 0:
        return 0
    moment = now or timezone.now()
    cutoff = moment - dt.timedelta(days=keep_days)
    with transaction.atomic():
        last_check = (
            AuditEntry.objects.filter(action=AuditAction.AUDIT_CHECKPOINT).order_by("-seq").first()
        )
        if not force and last_check is not None and moment - _run_at(last_check) < PRUNE_EVERY:
            return 0
        last_old = AuditEntry.objects.filter(at__lt=cutoff).order_by("-seq").first()
        if last_old is None:
            return 0
        count = AuditEntry.objects.filter(seq__lte=last_old.seq).count()
        record(
            None,
            AuditAction.AUDIT_CHECKPOINT,
            Target("audit.auditentry", last_old.seq, f"1–{last_old.seq}"),
            {
                CHECKPOINT_THROUGH_SEQ: last_old.seq,
                CHECKPOINT_THROUGH_HASH: last_old.hash,
                "through_at": last_old.at.astimezone(dt.UTC).isoformat(),
                "deleted": count,
                "retention_days": keep_days,
                RUN_AT: moment.astimezone(dt.UTC).isoformat(),
            },
        )
        vendor = connection.vendor
        with connection.cursor() as cursor:
            for sql in DROP[vendor]:
                cursor.execute(sql)
            cursor.execute(
                f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq <= %s",  # noqa: S608
                [last_old.seq],
            )
            for sql in CREATE[vendor]:
                cursor.execute(sql)
    return count


def retention_tick(now: dt.datetime) -> int:
    """The worker's schedule (``notifications.registry.Schedule``): prunes at most daily."""
    return prune(now=now)
