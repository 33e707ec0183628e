"""Crash safety (issue 17, item 10): the worker (`rubrica jobs_worker`, as `rubrica serve` runs
it) or the command doing the work is killed with SIGKILL in the middle of a big CSV import, a
duplicate scan, a backup and a merge. Each time the database is sound afterwards (``PRAGMA
integrity_check`` on SQLite; every table readable on PostgreSQL), nothing is half-written (an
import batch, a merge: all or nothing), and the work resumes or can be reverted.

"In the middle" is found by watching the database, never by sleeping: a job's committed
progress (``done``, its checkpoint), the archive file growing, or an open write transaction
(SQLite's write lock; PostgreSQL's ``backend_xid``).

A dead worker's job stays "running" until its heartbeat is older than ``STALE_AFTER`` (two
minutes); the tests move the heartbeat back by that much instead of waiting, then run the same
recovery the worker runs every minute (`rubrica jobs recover`).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

import pysqlite3.dbapi2 as sqlite3

from tests.backups.instances import Instance, wait_for

ROWS = 5000


def _job(instance: Instance, kind: str) -> dict[str, Any]:
    row = instance.query(
        "SELECT id, status, done, total, checkpoint, error FROM jobs_job WHERE kind = ? "
        "ORDER BY id DESC LIMIT 1",
        (kind,),
    )[0]
    checkpoint = row[4] if isinstance(row[4], dict) else json.loads(row[4] or "{}")
    return {
        "id": row[0],
        "status": row[1],
        "done": row[2],
        "total": row[3],
        "checkpoint": checkpoint,
        "error": row[5],
    }


def _age_heartbeat(instance: Instance, job_id: int) -> None:
    """Move the job's heartbeat back past ``STALE_AFTER``, as two minutes of waiting would."""
    if instance.database is None:
        instance.query(
            "UPDATE jobs_job SET heartbeat_at = datetime('now', '-5 minutes') WHERE id = ?",
            (job_id,),
        )
    else:
        instance.query(
            "UPDATE jobs_job SET heartbeat_at = now() - interval '5 minutes' WHERE id = ?",
            (job_id,),
        )


def _recover(instance: Instance, job_id: int) -> None:
    """What the worker's recovery does two minutes after the crash: `rubrica jobs recover`
    marks the job failed, resumable."""
    _age_heartbeat(instance, job_id)
    done = instance.run("jobs", "recover")
    assert "1 interrupted job" in done.stdout
    job = _job_by_id(instance, job_id)
    assert job[0] == "failed" and "Interrupted" in job[1]


def _job_by_id(instance: Instance, job_id: int) -> tuple[str, str]:
    return instance.query("SELECT status, error FROM jobs_job WHERE id = ?", (job_id,))[0]


def _kill_worker_when(instance: Instance, condition: Any, what: str) -> None:
    worker = instance.worker()
    try:
        wait_for(condition, timeout=180, what=what)
    finally:
        instance.kill(worker)
    assert worker.returncode == -9


def test_an_import_killed_mid_way_keeps_whole_batches_and_resumes_to_the_end(
    instance: Instance, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    with people.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First name", "Last name", "Email"])
        for n in range(ROWS):
            writer.writerow([f"Given{n}", f"Family{n}", f"person{n}@example.com"])
    instance.run("import", str(people), "--on-duplicate", "create", "--background")

    def mid_way() -> bool:
        job = _job(instance, "import")
        return job["status"] == "running" and 0 < job["done"] < ROWS

    _kill_worker_when(instance, mid_way, "an import with committed batches")

    assert instance.integrity() == ["ok"]
    job = _job(instance, "import")
    assert job["status"] == "running" and 0 < job["done"] < ROWS
    # Whole batches: exactly the people the checkpoint counts, each with their e-mail, and
    # each with the report row of their line.
    count = instance.scalar("SELECT COUNT(*) FROM contacts_contact")
    assert count == job["done"]
    assert instance.scalar("SELECT COUNT(*) FROM contacts_contactemail") == count
    assert instance.scalar("SELECT COUNT(*) FROM dataio_importrow") == count

    _recover(instance, job["id"])
    instance.run("jobs", "resume", str(job["id"]))
    assert _job_by_id(instance, job["id"])[0] == "succeeded"
    assert instance.scalar("SELECT COUNT(*) FROM contacts_contact") == ROWS
    assert instance.scalar("SELECT COUNT(DISTINCT value) FROM contacts_contactemail") == ROWS
    assert instance.integrity() == ["ok"]


def test_a_duplicate_scan_killed_mid_way_resumes_from_its_checkpoint(instance: Instance) -> None:
    instance.run("demo", "--people", "150", "--seed", "3")
    instance.run("dedup", "scan", "--background")

    def mid_way() -> bool:
        job = _job(instance, "dedup_scan")
        return job["status"] == "running" and bool(job["checkpoint"]) and job["done"] > 0

    _kill_worker_when(instance, mid_way, "a scan with a committed checkpoint")

    assert instance.integrity() == ["ok"]
    job = _job(instance, "dedup_scan")
    assert job["status"] == "running" and job["done"] < job["total"]
    at_kill = job["checkpoint"]

    _recover(instance, job["id"])
    resumed = instance.run("jobs", "--json", "resume", str(job["id"]))
    result = json.loads(resumed.stdout)
    assert result["status"] == "succeeded" and result["done"] == result["total"]
    # It went on from where it stopped: the checkpoint it resumed from was the one committed.
    assert (at_kill["kind"], at_kill["bucket"]) > (0, 0)
    pairs_sql = "SELECT contact_a_id, contact_b_id, tier FROM dedup_duplicatepair"
    pairs = set(instance.query(pairs_sql))
    assert result["result"]["open_pairs"] == len(pairs) > 0
    # A full, uninterrupted scan after it finds exactly the same pairs: none was missed.
    again = json.loads(instance.run("dedup", "scan", "--json").stdout)
    assert again["status"] == "succeeded"
    assert set(instance.query(pairs_sql)) == pairs


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs (a killed child not yet reaped is a zombie: not running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_server_killed_mid_backup_leaves_no_archive_and_recovers_at_restart(
    instance: Instance,
) -> None:
    """`rubrica serve` (web server and both workers) is killed at once, every process, while
    its worker writes a backup; the restarted server marks the job interrupted, and the
    resumed backup makes a sound archive and removes the half-written one."""
    photos = instance.var / "media" / "photos"
    photos.mkdir(parents=True)
    for n in range(120):
        (photos / f"p{n}.jpg").write_bytes(os.urandom(512 * 1024))
    server = instance.start("serve", "--port", str(_free_port()))
    instance.run("backup", "--background")

    def writing() -> bool:
        partial = list(instance.backups.glob("*.partial")) if instance.backups.is_dir() else []
        return bool(partial) and partial[0].stat().st_size > 4 * 1024 * 1024

    try:
        wait_for(writing, timeout=180, what="a half-written archive")
    finally:
        killed = instance.kill_tree(server)
    assert len(killed) >= 4  # serve, gunicorn's master (and its worker), the two job workers
    wait_for(lambda: not any(_running(pid) for pid in killed), timeout=20, what="the kill")

    assert instance.integrity() == ["ok"]
    job = _job(instance, "backup")
    assert job["status"] == "running"
    assert instance.scalar("SELECT COUNT(*) FROM backups_backup") == 0
    assert not [p for p in instance.backups.iterdir() if p.name.endswith((".gz", ".aes"))]

    # Restarted once the job's heartbeat is two minutes old, the server marks it interrupted.
    _age_heartbeat(instance, job["id"])
    server = instance.start("serve", "--port", str(_free_port()))
    try:
        wait_for(lambda: _job_by_id(instance, job["id"])[0] == "failed", what="the recovery")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert "Interrupted" in _job_by_id(instance, job["id"])[1]

    instance.run("jobs", "resume", str(job["id"]))
    assert _job_by_id(instance, job["id"])[0] == "succeeded"
    archives = [p for p in instance.backups.iterdir() if not p.name.startswith(".")]
    assert len(archives) == 1 and archives[0].name.endswith(".tar.gz")  # no leftover
    verified = instance.run("backup", "verify", str(archives[0]))
    assert "The archive is sound." in verified.stdout


MERGE_SETUP = """
import django
django.setup()
from rubrica.accounts.models import User
from rubrica.contacts.services import contact_create
from rubrica.activities.services import activity_create
boss = User.objects.get(username="boss")
def person(n):
    return contact_create(actor=boss, data={
        "given_name": "Ada", "family_name": "Lovelace", "notes": f"record {n}",
        "emails": [{"value": f"ada{n}@example.com"}], "tags": [f"tag{n}"],
        "phones": [{"value": f"+120255501{n}0"}],
    })
a, b = person(1), person(2)
for i in range(200):
    activity_create(actor=boss, data={"kind": "note", "body": f"note {i}", "people": [b.pk]})
print(a.pk, b.pk)
"""


def _writer_busy(instance: Instance) -> bool:
    """Whether another connection holds an open write transaction right now."""
    if instance.database is not None:
        return bool(
            instance.scalar(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )
        )
    db = sqlite3.connect(str(instance.sqlite_path), timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        db.close()


def _everything(instance: Instance) -> dict[str, set[tuple[Any, ...]]]:
    return {table: instance.rows(table) for table in instance.tables()}


def test_a_merge_killed_mid_transaction_is_all_or_nothing_and_can_be_undone(
    instance: Instance,
) -> None:
    made = instance.python(MERGE_SETUP)
    assert made.wait(timeout=120) == 0, made.stderr.read() if made.stderr else ""
    ids = [row[0] for row in instance.query("SELECT id FROM contacts_contact ORDER BY id")]
    survivor, merged = ids
    before = _everything(instance)

    merge = instance.start("dedup", "merge", str(survivor), str(merged))
    deadline = time.monotonic() + 120
    while not _writer_busy(instance):
        assert merge.poll() is None, "the merge ended before it was seen writing"
        assert time.monotonic() < deadline, "the merge was never seen writing"
    instance.kill(merge)
    assert merge.returncode == -9

    assert instance.integrity() == ["ok"]
    merges = instance.scalar("SELECT COUNT(*) FROM merges_merge")
    if merges == 0:
        # Nothing of it stayed: every row of every table is as before.
        after = _everything(instance)
        changed = [t for t in before if before[t] != after.get(t) and t != "django_session"]
        assert changed == []
        # The merge can simply be run again.
        instance.run("dedup", "merge", str(survivor), str(merged))
    # Or all of it: the merged person is in the Trash, their notes and e-mail moved.
    assert instance.scalar(
        "SELECT deleted_at IS NOT NULL FROM contacts_contact WHERE id = ?", (merged,)
    )
    assert (
        instance.scalar(
            "SELECT COUNT(*) FROM contacts_contactemail WHERE contact_id = ?", (survivor,)
        )
        == 2
    )
    assert (
        instance.scalar(
            "SELECT COUNT(*) FROM activities_activityperson WHERE contact_id = ?", (survivor,)
        )
        == 200
    )
    # And it can be reverted exactly.
    instance.run("dedup", "undo")
    assert not instance.scalar(
        "SELECT deleted_at IS NOT NULL FROM contacts_contact WHERE id = ?", (merged,)
    )
