"""The audit log's hash chain: appending, verifying, the append-only triggers on both engines,
tampering detected by `rubrica audit verify`, and sign-ins recorded."""

from __future__ import annotations

import hashlib

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from rubrica.audit.models import GENESIS, AuditEntry
from rubrica.audit.services import AuditAction, canonical, head, record, verify
from rubrica.audit.triggers import CREATE, DROP
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _drop_triggers() -> None:
    with connection.cursor() as cursor:
        for sql in DROP[connection.vendor]:
            cursor.execute(sql)


def _create_triggers() -> None:
    with connection.cursor() as cursor:
        for sql in CREATE[connection.vendor]:
            cursor.execute(sql)


def _three(member) -> list[AuditEntry]:
    return [
        record(member, AuditAction.EXPORT_START, member, {"format": "csv", "count": 3}),
        record(None, AuditAction.SIGNIN_FAILURE, details={"username": "nobody"}),
        record(member, AuditAction.RECORD_DELETE, member, ip_address="10.0.0.9"),
    ]


def test_entries_chain_each_to_the_one_before(member):
    first, second, third = _three(member)

    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    stored = AuditEntry.objects.get(seq=2)
    assert stored.hash == hashlib.sha256(stored.prev_hash.encode() + canonical(stored)).hexdigest()
    assert stored.details == {"username": "nobody"}
    assert first.actor_name == "member"
    assert first.target_type == "accounts.user"
    assert first.target_id == str(member.pk)


def test_an_untouched_chain_verifies(member):
    _three(member)

    report = verify()

    assert report.ok
    assert report.count == 3
    assert report.head_seq == 3
    assert report.head_hash == head().hash


@pytest.mark.parametrize(
    ("sql", "broken_seq", "reason"),
    [
        ("UPDATE audit_auditentry SET actor_name = 'someone' WHERE seq = 2", 2, "contents"),
        ("DELETE FROM audit_auditentry WHERE seq = 2", 3, "sequence number 3 where 2"),
        ("UPDATE audit_auditentry SET seq = seq + 10 WHERE seq = 3", 13, "sequence number 13"),
        (
            "UPDATE audit_auditentry SET prev_hash = hash WHERE seq = 3",
            3,
            "previous hash",
        ),
    ],
)
def test_a_row_changed_by_raw_sql_is_found(member, sql, broken_seq, reason, rubrica):
    _three(member)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(sql)

    report = verify()
    code, out, err = rubrica("audit", "verify")

    assert not report.ok
    assert report.broken.seq == broken_seq
    assert reason in report.broken.reason
    assert code == 8
    assert out == ""
    assert err.startswith(f"error: audit entry {broken_seq} is broken: ")


def test_a_rewritten_table_is_caught_by_the_head_written_down(member, rubrica):
    _three(member)
    code, written_down, _ = rubrica("audit", "head")
    assert code == 0
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 3")
    _create_triggers()

    assert rubrica("audit", "verify")[0] == 0  # a consistent shorter chain on its own...
    code, _, err = rubrica("audit", "verify", "--expect", written_down.strip())
    assert code == 8  # ...but not the one written down
    assert "the log ends before it" in err


def test_head_and_verify_on_the_command_line(member, rubrica):
    assert rubrica("audit", "head")[0] == 1
    _three(member)

    code, out, _ = rubrica("audit", "head")
    assert code == 0
    assert out == f"3:{head().hash}\n"
    code, out, _ = rubrica("audit", "verify", "--expect", out.strip())
    assert code == 0
    assert out == f"The audit chain is whole: 3 entries, head 3:{head().hash}\n"
    assert rubrica("audit", "verify", "--expect", "3:nothex")[0] == 2


def test_the_triggers_refuse_update_and_delete(member):
    _three(member)
    before = list(AuditEntry.objects.order_by("seq").values_list("seq", "actor_name", "hash"))

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(actor_name="someone")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=2).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")

    after = list(AuditEntry.objects.order_by("seq").values_list("seq", "actor_name", "hash"))
    assert after == before
    assert verify().ok


def test_sign_ins_and_failures_are_recorded_without_telling_users_apart(client, member):
    client.post(
        reverse("login"), {"username": "member", "password": "wrong"}, REMOTE_ADDR="10.1.1.1"
    )
    client.post(reverse("login"), {"username": "ghost", "password": "wrong"})
    client.post(reverse("login"), {"username": "member", "password": PASSWORD})

    entries = list(AuditEntry.objects.order_by("seq"))
    assert [entry.action for entry in entries] == [
        AuditAction.SIGNIN_FAILURE,
        AuditAction.SIGNIN_FAILURE,
        AuditAction.SIGNIN_SUCCESS,
    ]
    assert entries[0].details == {"username": "member"}
    assert entries[0].actor_id is None
    assert entries[0].ip_address == "10.1.1.1"
    assert entries[1].details == {"username": "ghost"}
    assert entries[2].actor_id == member.pk
    assert "wrong" not in str([entry.details for entry in entries])
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_flush_between_transactional_tests_keeps_the_triggers(member):
    record(member, AuditAction.EXPORT_START)
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)

    assert AuditEntry.objects.count() == 0
    record(None, AuditAction.SIGNIN_FAILURE)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()


def _forge_after(seq: int) -> None:
    """Insert a well-formed entry after ``seq`` (chained to it, hash right), moving the later
    ones up by one: what inserting an entry into the log would take."""
    from django.utils import timezone

    from rubrica.audit.services import entry_hash

    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET seq = seq + 100 WHERE seq > %s", [seq])
        cursor.execute("UPDATE audit_auditentry SET seq = seq - 99 WHERE seq > %s", [seq + 99])
    before = AuditEntry.objects.get(seq=seq)
    forged = AuditEntry(
        seq=seq + 1,
        at=timezone.now(),
        actor_name="intruder",
        action=AuditAction.EXPORT_START,
        prev_hash=before.hash,
        details={},
    )
    forged.hash = entry_hash(forged)
    forged.save(force_insert=True)


def test_an_inserted_entry_is_found_after_it(member, rubrica):
    _three(member)
    _drop_triggers()
    _forge_after(1)

    report = verify()
    code, _out, err = rubrica("audit", "verify")

    assert AuditEntry.objects.get(seq=2).actor_name == "intruder"
    assert not report.ok
    assert report.broken.seq == 3  # the entry that followed no longer chains to it
    assert report.broken.reason == "its previous hash is not the hash of the entry before it"
    assert code == 8
    assert err.startswith("error: audit entry 3 is broken")


def test_two_swapped_entries_are_found(member, rubrica):
    _three(member)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET seq = 100 WHERE seq = 2")
        cursor.execute("UPDATE audit_auditentry SET seq = 2 WHERE seq = 3")
        cursor.execute("UPDATE audit_auditentry SET seq = 3 WHERE seq = 100")

    report = verify()

    assert not report.ok
    assert report.broken.seq == 2
    assert report.broken.reason == "its previous hash is not the hash of the entry before it"
    assert rubrica("audit", "verify")[0] == 8


def test_hashes_of_entries_without_a_source_are_unchanged(member):
    """Entries written before the door was recorded (source "") keep the hash they had."""
    entry = record(member, AuditAction.EXPORT_START)
    assert entry.source == "system"
    assert b'"source":"system"' in canonical(entry)
    entry.source = ""
    assert b'"source"' not in canonical(entry)
