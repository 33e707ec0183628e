"""The audit API the services call: ``record(actor, action, target, details)``; and the checks
of the chain: ``verify()`` and ``head()``.

How to record (for every app that changes or hands out something that matters):

- Call ``record(actor, action, target, details)`` **inside the transaction of the change**
  (``with transaction.atomic(): ...change...; record(...)``), so that an entry exists if and only
  if the change was committed. ``actor`` is the acting ``User`` (None: the system, an anonymous
  visitor). ``action`` a dotted key, preferably one of ``AuditAction`` (a new key is fine: the
  page shows it as it is until it gets a label here). ``target`` the model instance acted on, or
  a ``Target(type, id, label)`` for what is no row (a file, a setting, a set of records).
  ``details`` a small JSON-able mapping: ids, counts, field *names*, old and new *roles or
  levels* — **never the value of a sensitive field, a password or a secret**.
- The door (web, api, cli, worker) and the caller's address are filled in from
  ``core.origin.current()``, which each door sets at its entrance; pass ``ip_address=`` only to
  override it.
- Reads of sensitive fields: ``record_sensitive_read(actor, target, field_names)``.

Appending serialises on a lock (PostgreSQL: a transaction-level advisory lock; SQLite: the write
lock every Rubrica transaction takes at BEGIN IMMEDIATE), so two entries never chain to the same
predecessor. An entry is written in the caller's transaction: it exists if and only if what it
records was committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.audit import labels
from rubrica.audit.models import GENESIS, AuditEntry
from rubrica.core import origin

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
    ROLE_CREATE = "role.create", gettext_lazy("Role created")
    ROLE_UPDATE = "role.update", gettext_lazy("Role changed")
    ROLE_DELETE = "role.delete", gettext_lazy("Role deleted")
    GRANT_CHANGE = "role.grants", gettext_lazy("Role grants changed")
    USER_ROLES = "user.roles", gettext_lazy("User roles changed")
    TOKEN_CREATE = "token.create", gettext_lazy("API token created")
    TOKEN_REVOKE = "token.revoke", gettext_lazy("API token revoked")
    TOKEN_USE = "token.use", gettext_lazy("API token used")
    APP_PASSWORD_CREATE = "app_password.create", gettext_lazy("App password created")
    APP_PASSWORD_REVOKE = "app_password.revoke", gettext_lazy("App password revoked")
    APP_PASSWORD_USE = "app_password.use", gettext_lazy("App password used")
    TWO_FACTOR_ADD = "two_factor.add", gettext_lazy("Second factor added")
    TWO_FACTOR_REMOVE = "two_factor.remove", gettext_lazy("Second factor removed")
    TWO_FACTOR_RESET = "two_factor.reset", gettext_lazy("Second factor reset")
    TWO_FACTOR_RECOVERY_CODES = "two_factor.recovery_codes", gettext_lazy("Recovery codes renewed")
    TWO_FACTOR_VERIFY = "two_factor.verify", gettext_lazy("Second factor passed")
    TWO_FACTOR_FAILURE = "two_factor.failure", gettext_lazy("Second factor failed")
    TWO_FACTOR_POLICY = "two_factor.policy", gettext_lazy("Two-factor roles changed")
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
    RECORD_DESTROY = "record.destroy", gettext_lazy("Deleted for good")
    SIGNOUT = "signin.signout", gettext_lazy("Signed out")
    SHARE_ADD = "share.add", gettext_lazy("Record shared")
    SHARE_REMOVE = "share.remove", gettext_lazy("Record unshared")
    FIELD_PROTECTION = "field.protection", gettext_lazy("Field protection changed")
    SENSITIVE_READ = "field.sensitive_read", gettext_lazy("Sensitive fields read")
    CALENDAR_EXPORT = "calendar.export", gettext_lazy("Calendar exported")
    APPOINTMENT_EXPORT = "appointment.export", gettext_lazy("Appointment downloaded (.ics)")
    CALENDAR_FEED = "calendar.feed", gettext_lazy("Calendar feed fetched")
    LIST_EXPORT = "export.list", gettext_lazy("List exported")
    BACKUP_CREATE = "backup.create", gettext_lazy("Backup written")
    BACKUP_RESTORE = "backup.restore", gettext_lazy("Backup restored")
    BACKUP_VERIFY = "backup.verify", gettext_lazy("Backup verified")
    BACKUP_DOWNLOAD = "backup.download", gettext_lazy("Backup downloaded")
    BULK_EDIT = "record.bulk_edit", gettext_lazy("Records changed in bulk")
    SETTINGS_CHANGE = "settings.change", gettext_lazy("Settings changed")
    USER_SETTINGS_CHANGE = "user.settings_change", gettext_lazy("User settings changed")
    CUSTOMFIELD_CREATE = "customfield.create", gettext_lazy("Custom field created")
    CUSTOMFIELD_UPDATE = "customfield.update", gettext_lazy("Custom field changed")
    CUSTOMFIELD_DELETE = "customfield.delete", gettext_lazy("Custom field deleted")
    TAXONOMY_CREATE = "taxonomy.create", gettext_lazy("Tag or list value created")
    TAXONOMY_UPDATE = "taxonomy.update", gettext_lazy("Tag or list value changed")
    TAXONOMY_DELETE = "taxonomy.delete", gettext_lazy("Tag or list value deleted")
    AUDIT_EXPORT = "audit.export", gettext_lazy("Audit trail exported")
    AUDIT_CHECKPOINT = "audit.checkpoint", gettext_lazy("Old audit entries deleted (checkpoint)")
    KEYS_ROTATE = "keys.rotate", gettext_lazy("Field keys rotation started")


@dataclass(frozen=True)
class Target:
    """What an entry is about when it is no model instance: ``type`` (e.g. ``"settings.team"``,
    ``"backup.archive"``), ``id`` and a human ``label``."""

    type: str
    id: str | int = ""
    label: str = ""


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
    if entry.source:  # entries written before the door was recorded keep their hash
        body["source"] = entry.source
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(entry.prev_hash.encode() + canonical(entry)).hexdigest()


def _target(target: models.Model | Target | None) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, Target):
        return _text(target.type, 100), _text(target.id, 64), _text(target.label, 300)
    kind = target._meta.label_lower
    if labels.by_id_only(kind):  # people, organizations: no name outlives an erasure
        return kind, _text(target.pk, 64), ""
    return kind, _text(target.pk, 64), _text(target, 300)


def record(
    actor: User | None,
    action: str,
    target: models.Model | Target | None = None,
    details: Mapping[str, Any] | None = None,
    *,
    ip_address: str = "",
) -> AuditEntry:
    """Append an entry, in the caller's transaction. ``actor`` None is the system (a job, the
    operator at the command line, an anonymous visitor); ``target`` the record acted on (a model
    instance or a ``Target``), if one; ``details`` never holds a sensitive value. The door and
    the address come from ``core.origin.current()`` (``ip_address`` overrides the address)."""
    here = origin.current()
    target_type, target_id, target_repr = _target(target)
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
            target_type=target_type,
            target_id=target_id,
            target_repr=target_repr,
            ip_address=_text(ip_address or here.ip_address, 45),
            source=_text(here.source, 16),
            details=_clean(dict(details or {})),
            prev_hash=last.hash if last else GENESIS,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


def record_at_most_every(
    seconds: int,
    actor: User | None,
    action: str,
    target: models.Model | Target,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry | None:
    """Like ``record``, but nothing when an entry of the same action about the same target was
    written in the last ``seconds`` (a public feed fetched every few minutes by every
    subscriber would otherwise fill the chain). Two requests at the same instant may both write
    one: the check is not under the chain's lock, an entry too many is harmless."""
    target_type, target_id, _repr = _target(target)
    since = timezone.now() - dt.timedelta(seconds=seconds)
    # The first entry of the window (index on at, seq), then this action from there on (index
    # on action, seq): a short range, however long the chain.
    first = AuditEntry.objects.filter(at__gte=since).order_by("at", "seq").values("seq").first()
    if (
        first is not None
        and AuditEntry.objects.filter(
            action=action, seq__gte=first["seq"], target_type=target_type, target_id=target_id
        ).exists()
    ):
        return None
    return record(actor, action, target, details)


def record_sensitive_read(
    actor: User | None, target: models.Model | Target, field_names: Iterable[str]
) -> AuditEntry | None:
    """The hook for protected fields: ``actor`` was shown the sensitive fields ``field_names``
    of ``target``. Only the names are kept, never the values; nothing is written when no field
    was shown."""
    names = sorted({str(name) for name in field_names})
    if not names:
        return None
    return record(actor, AuditAction.SENSITIVE_READ, target, {"fields": names})


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
    #: Where the kept chain starts: 1, or the entry after the last one deleted by retention.
    first_seq: int = 1
    #: Heads written down (``--against``) compared with the chain; older ones were deleted.
    heads_checked: int = 0

    @property
    def ok(self) -> bool:
        return self.broken is None


CHECKPOINT_THROUGH_SEQ = "through_seq"
CHECKPOINT_THROUGH_HASH = "through_hash"


def _vouched(checkpoints: list[AuditEntry], seq: int, hash_: str) -> bool:
    return any(
        entry.details.get(CHECKPOINT_THROUGH_SEQ) == seq
        and entry.details.get(CHECKPOINT_THROUGH_HASH) == hash_
        for entry in checkpoints
    )


def verify(
    *, expect: tuple[int, str] | None = None, against: Iterable[tuple[int, str]] = ()
) -> Report:
    """Walk the chain in ``seq`` order; the first entry that was changed, removed, inserted or
    moved is named. ``expect`` and ``against`` (sequence numbers and the hashes written down for
    them outside the database: ``anchor.read_heads``) also catch a rewrite of the whole table.

    A chain whose oldest entries were deleted by retention (``retention.prune``) starts at the
    entry after them: its ``prev_hash`` must be the hash a checkpoint entry further on recorded
    for the last entry deleted; written-down heads older than that can no longer be checked."""
    heads: dict[int, str] = dict(against)
    if expect is not None:
        heads[expect[0]] = expect[1]
    previous_hash, expected_seq, count = GENESIS, 1, 0
    last_seq, broken, checked = 0, None, 0
    first: AuditEntry | None = None
    checkpoints: list[AuditEntry] = []
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
    for entry in entries:
        if first is None:
            first = entry
            if entry.seq > 1:  # pruned: vouched for by a checkpoint, checked below
                previous_hash, expected_seq = entry.prev_hash, entry.seq
                last_seq = entry.seq - 1
        if entry.seq != expected_seq:
            reason = _("sequence number %(found)d where %(expected)d was due") % {
                "found": entry.seq,
                "expected": expected_seq,
            }
        elif entry.prev_hash != previous_hash:
            reason = _("its previous hash is not the hash of the entry before it")
        elif entry_hash(entry) != entry.hash:
            reason = _("its contents do not match its hash")
        elif entry.seq in heads and entry.hash != heads[entry.seq]:
            reason = _("its hash is not the one written down for it")
        else:
            if entry.action == AuditAction.AUDIT_CHECKPOINT:
                checkpoints.append(entry)
            checked += entry.seq in heads
            previous_hash, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
            count += 1
            continue
        broken = Broken(seq=entry.seq, entry_id=entry.pk, reason=reason)
        break
    first_seq = first.seq if first is not None else 1
    pruned = first is not None and first.seq > 1
    if (
        first is not None
        and pruned
        and broken is None
        and not _vouched(checkpoints, first.seq - 1, first.prev_hash)
    ):
        broken = Broken(
            seq=first.seq,
            entry_id=first.pk,
            reason=_("the entries before it were removed without a checkpoint"),
        )
    if broken is None and first is not None and first.seq > 1:
        kept_from = first.seq - 1  # the last deleted entry: its hash is in the checkpoint
        if kept_from in heads:
            if heads[kept_from] != first.prev_hash:
                broken = Broken(
                    seq=first.seq,
                    entry_id=first.pk,
                    reason=_("the entry before it was not the one written down"),
                )
            else:
                checked += 1
    if broken is None:
        beyond = sorted(seq for seq in heads if seq > last_seq)
        if beyond:
            broken = Broken(
                seq=beyond[0],
                entry_id=0,
                reason=_("the entry written down is missing: the log ends before it"),
            )
    return Report(
        count=count,
        head_seq=last_seq,
        head_hash=previous_hash,
        broken=broken,
        first_seq=first_seq,
        heads_checked=checked,
    )


def head() -> AuditEntry | None:
    return AuditEntry.objects.order_by("-seq").first()
