"""The head written down outside the database (daily by the worker, or `rubrica audit
write-head`), which catches a rewrite of the whole table; retention behind a checkpoint, which
keeps the shortened chain verifiable; both registered with the worker's tick."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from rubrica.audit import anchor, retention
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction, entry_hash, record, verify
from rubrica.audit.triggers import CREATE, DROP
from rubrica.notifications import registry

pytestmark = pytest.mark.django_db


def _sql(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _five(member) -> list[AuditEntry]:
    return [record(member, AuditAction.EXPORT_START, details={"n": n}) for n in range(5)]


def _rewrite_whole_table(actor_name: str) -> None:
    """What an owner of the database could do: change entry 2, then recompute every hash after
    it so that the chain is consistent again (triggers dropped for it, and put back)."""
    _sql(DROP[connection.vendor])
    previous = None
    for entry in AuditEntry.objects.order_by("seq"):
        if entry.seq == 2:
            entry.actor_name = actor_name
        if previous is not None:
            entry.prev_hash = previous
        entry.hash = entry_hash(entry)
        AuditEntry.objects.filter(pk=entry.pk).update(
            actor_name=entry.actor_name, prev_hash=entry.prev_hash, hash=entry.hash
        )
        previous = entry.hash
    _sql(CREATE[connection.vendor])


# The head file -------------------------------------------------------------------------------


def test_the_head_is_appended_once_a_day_and_mailed(member, settings):
    settings.RUBRICA_AUDIT_HEAD_EMAILS = ["auditor@example.com"]
    path = anchor.head_file()
    now = timezone.now()
    assert anchor.write_head(now=now) is None  # an empty log has no head
    assert not path.exists()
    _five(member)

    assert anchor.head_tick(now) == 1
    assert anchor.head_tick(now + dt.timedelta(hours=22)) == 0
    record(member, AuditAction.EXPORT_START)
    assert anchor.head_tick(now + dt.timedelta(hours=24)) == 1

    lines = path.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["5", "6"]
    assert lines[1].split()[1] == AuditEntry.objects.get(seq=6).hash
    assert anchor.read_heads(path) == [
        (5, AuditEntry.objects.get(seq=5).hash),
        (6, AuditEntry.objects.get(seq=6).hash),
    ]
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["auditor@example.com"]
    assert lines[1] in mail.outbox[1].body


def test_verify_against_the_file_catches_a_rewrite_of_the_whole_table(member, rubrica):
    _five(member)
    code, out, _err = rubrica("audit", "write-head")
    assert code == 0
    assert out.startswith("Wrote 5:")
    path = anchor.head_file()
    original = AuditEntry.objects.get(seq=5).hash

    _rewrite_whole_table("someone-else")

    assert AuditEntry.objects.get(seq=2).actor_name == "someone-else"
    assert AuditEntry.objects.get(seq=5).hash != original
    assert verify().ok  # consistent on its own...
    assert rubrica("audit", "verify")[0] == 0
    report = verify(against=anchor.read_heads(path))
    assert report.broken is not None  # ...but not with the head written down
    assert report.broken.seq == 5
    code, out, err = rubrica("audit", "verify", "--against", str(path))
    assert code == 8
    assert out == ""
    assert err == ("error: audit entry 5 is broken: its hash is not the one written down for it\n")


def test_verify_against_an_untouched_chain(member, rubrica):
    _five(member)
    rubrica("audit", "write-head")
    record(member, AuditAction.EXPORT_START)

    code, out, _err = rubrica("audit", "verify", "--against", str(anchor.head_file()))

    assert code == 0
    assert out.splitlines()[1] == (
        "1 of 1 head written down matched (older ones were deleted by retention)."
    )


def test_verify_against_a_bad_or_missing_file(member, rubrica, tmp_path):
    _five(member)
    bad = tmp_path / "heads.txt"
    bad.write_text("# heads\n5 not-a-hash\n")

    code, _out, err = rubrica("audit", "verify", "--against", str(bad))
    assert code == 2
    assert "Line 2 of" in err
    code, _out, err = rubrica("audit", "verify", "--against", str(tmp_path / "none.txt"))
    assert code == 1
    assert "No file of heads" in err


# Retention -----------------------------------------------------------------------------------


def test_nothing_is_deleted_by_default(member, settings):
    assert settings.RUBRICA_AUDIT_RETENTION_DAYS == 0
    _five(member)

    assert retention.retention_tick(timezone.now() + dt.timedelta(days=3650)) == 0
    assert AuditEntry.objects.count() == 5


def test_retention_deletes_behind_a_checkpoint_and_the_chain_still_verifies(
    member, settings, rubrica
):
    settings.RUBRICA_AUDIT_RETENTION_DAYS = 30
    old = _five(member)
    rubrica("audit", "write-head")  # a head (5) that retention will delete
    later = timezone.now() + dt.timedelta(days=31)

    assert retention.retention_tick(later) == 5
    assert retention.retention_tick(later + dt.timedelta(hours=1)) == 0  # once a day

    kept = list(AuditEntry.objects.order_by("seq"))
    assert [entry.seq for entry in kept] == [6]
    checkpoint = kept[0]
    assert checkpoint.action == AuditAction.AUDIT_CHECKPOINT
    assert checkpoint.details["through_seq"] == 5
    assert checkpoint.details["through_hash"] == old[-1].hash
    assert checkpoint.details["deleted"] == 5
    record(member, AuditAction.EXPORT_START)
    report = verify(against=anchor.read_heads(anchor.head_file()))
    assert report.ok
    assert (report.first_seq, report.head_seq, report.count) == (6, 7, 2)
    assert report.heads_checked == 1  # head 5 is the checkpoint's, still checked
    assert rubrica("audit", "verify", "--against", str(anchor.head_file()))[0] == 0


def test_entries_removed_without_a_checkpoint_are_named(member, settings):
    settings.RUBRICA_AUDIT_RETENTION_DAYS = 30
    _five(member)
    retention.prune(now=timezone.now() + dt.timedelta(days=31))
    record(member, AuditAction.EXPORT_START)
    _sql(DROP[connection.vendor])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 6")  # the checkpoint itself
    _sql(CREATE[connection.vendor])

    report = verify()

    assert report.broken is not None
    assert report.broken.seq == 7
    assert report.broken.reason == "the entries before it were removed without a checkpoint"


def test_prune_at_the_command_line(member, rubrica):
    _five(member)

    code, out, _err = rubrica("audit", "prune", "--days", "0")
    assert code == 2
    code, out, _err = rubrica("audit", "prune", "--days", "30")
    assert (code, out) == (0, "Deleted 0 audit entries.\n")
    assert AuditEntry.objects.count() == 5


def test_the_worker_tick_runs_both_schedules():
    keys = {schedule.key for schedule in registry.schedules()}

    assert {"audit.head", "audit.retention"} <= keys
