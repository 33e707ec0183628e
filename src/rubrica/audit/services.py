"""The audit API the services call: ``record(actor, action, target, details)``; and the checks
of the chain: ``verify()`` and ``head()``.

Appending serialises on a lock (PostgreSQL: a transaction-level advisory lock; SQLite: the write
lock every Rubrica transaction takes at BEGIN IMMEDIATE), so two entries never chain to the same
predecessor. An entry is written in the caller's transaction: it exists if and only if what it
records was committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.audit.models import GENESIS, AuditEntry

if TYPE_CHECKING:
    from rubrica.accounts.models import User

#: pg_advisory_xact_lock key of the audit chain ("AUDT").
_LOCK_KEY = 0x41554454
_MAX_TEXT = 1000


class AuditAction(models.TextChoices):
    SIGNIN_SUCCESS = "signin.success", gettext_lazy("Signed in")
    SIGNIN_FAILURE = "signin.failure", gettext_lazy("Failed sign-in")
    SIGNIN_UNLOCK = "signin.unlock", gettext_lazy("Sign-in unlocked")
    PASSWORD_CHANGE = "user.password_change", gettext_lazy("Own password changed")
    USER_CREATE = "user.create", gettext_lazy("User created")
    USER_UPDATE = "user.update", gettext_lazy("User changed")
    USER_PASSWORD_RESET = "user.password_reset", gettext_lazy("Password reset")
    TEAM_CREATE = "team.create", gettext_lazy("Team created")
    TEAM_UPDATE = "team.update", gettext_lazy("Team changed")
    TOKEN_CREATE = "token.create", gettext_lazy("API token created")
    TOKEN_REVOKE = "token.revoke", gettext_lazy("API token revoked")
    EXPORT_START = "export.start", gettext_lazy("Export started")
    EXPORT_DOWNLOAD = "export.download", gettext_lazy("Export downloaded")
    DOCUMENT_DOWNLOAD = "document.download", gettext_lazy("Document downloaded")
    IMPORT_START = "import.start", gettext_lazy("Import started")
    IMPORT_REVERT = "import.revert", gettext_lazy("Import reverted")
    MERGE = "merge.create", gettext_lazy("People merged")
    MERGE_UNDO = "merge.undo", gettext_lazy("Merge undone")
    RECORD_DELETE = "record.delete", gettext_lazy("Moved to the Trash")
    RECORD_RESTORE = "record.restore", gettext_lazy("Restored from the Trash")
    RECORD_PURGE = "record.purge", gettext_lazy("Purged from the Trash")
    BACKUP_CREATE = "backup.create", gettext_lazy("Backup taken")
    BACKUP_VERIFY = "backup.verify", gettext_lazy("Backup verified")
    BACKUP_DOWNLOAD = "backup.download", gettext_lazy("Backup downloaded")
    BACKUP_RESTORE = "backup.restore", gettext_lazy("Backup restored")


def _clean(value: Any) -> Any:
    """JSON-safe, and exactly what the database gives back: strings without NUL and at most
    ``_MAX_TEXT`` characters, no floats, keys as strings."""
    if isinstance(value, Mapping):
        return {str(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_clean(item) for item in items]
    if value is None or isinstance(value, bool | int):
        return value
    return str(value).replace("\x00", "")[:_MAX_TEXT]


def _text(value: Any, max_length: int) -> str:
    return str(value or "").replace("\x00", "")[:max_length]


def canonical(entry: AuditEntry) -> bytes:
    """The bytes an entry's hash covers: every field but ``hash``, as sorted compact JSON."""
    at = entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    body = {
        "seq": entry.seq,
        "at": at,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_repr": entry.target_repr,
        "ip_address": entry.ip_address,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(entry.prev_hash.encode() + canonical(entry)).hexdigest()


def record(
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    details: Mapping[str, Any] | None = None,
    *,
    ip_address: str = "",
) -> AuditEntry:
    """Append an entry. ``actor`` None is the system (a job, the operator at the command line,
    an anonymous visitor); ``target`` the record acted on, if one."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
        entry = AuditEntry(
            seq=(last.seq + 1) if last else 1,
            at=timezone.now(),
            actor_id=actor.pk if actor is not None else None,
            actor_name=_text(actor.get_username() if actor is not None else "", 150),
            action=_text(action, 64),
            target_type=target._meta.label_lower if target is not None else "",
            target_id=_text(target.pk if target is not None else "", 64),
            target_repr=_text(target if target is not None else "", 300),
            ip_address=_text(ip_address, 45),
            details=_clean(dict(details or {})),
            prev_hash=last.hash if last else GENESIS,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class Broken:
    seq: int
    entry_id: int
    reason: str


@dataclass(frozen=True)
class Report:
    count: int
    head_seq: int
    head_hash: str
    broken: Broken | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(*, expect: tuple[int, str] | None = None) -> Report:
    """Walk the chain in ``seq`` order; the first entry that was changed, removed, inserted or
    moved is named. ``expect`` (a sequence number and the hash written down for it elsewhere)
    also catches a rewrite of the whole table."""
    previous_hash, expected_seq, count = GENESIS, 1, 0
    last_seq, broken = 0, None
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
    for entry in entries:
        if entry.seq != expected_seq:
            reason = _("sequence number %(found)d where %(expected)d was due") % {
                "found": entry.seq,
                "expected": expected_seq,
            }
        elif entry.prev_hash != previous_hash:
            reason = _("its previous hash is not the hash of the entry before it")
        elif entry_hash(entry) != entry.hash:
            reason = _("its contents do not match its hash")
        elif expect is not None and entry.seq == expect[0] and entry.hash != expect[1]:
            reason = _("its hash is not the one written down for it")
        else:
            previous_hash, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
            count += 1
            continue
        broken = Broken(seq=entry.seq, entry_id=entry.pk, reason=reason)
        break
    if broken is None and expect is not None and expect[0] > last_seq:
        broken = Broken(
            seq=expect[0],
            entry_id=0,
            reason=_("the entry written down is missing: the log ends before it"),
        )
    return Report(count=count, head_seq=last_seq, head_hash=previous_hash, broken=broken)


def head() -> AuditEntry | None:
    return AuditEntry.objects.order_by("-seq").first()
