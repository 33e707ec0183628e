"""A backup taken while another process writes holds exactly one moment, and a restore brings
back every row of that moment unchanged (SQLite's online backup API; pg_dump's snapshot)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.backups.instances import Instance, Instances, wait_for

#: A second process adding people one transaction at a time until told to stop.
WRITER = """
import pathlib, sys
import django
django.setup()
from rubrica.accounts.models import User
from rubrica.contacts.services import contact_create
boss = User.objects.get(username="boss")
stop = pathlib.Path(sys.argv[1])
n = 0
while not stop.exists():
    n += 1
    contact_create(actor=boss, data={
        "given_name": f"Writer{n}", "family_name": "Concurrent", "tags": ["load"],
        "emails": [{"value": f"writer{n}@example.com"}],
        "phones": [{"value": f"+1202555{n % 10000:04d}"}],
    })
"""

#: Written by the backup and the restore themselves (the backup job's progress, its audit
#: entry and Backup row; the restore's audit entry and recovered jobs), or Django's sessions.
BOOKKEEPING = {
    "jobs_job",
    "django_tasks_database_dbtaskresult",
    "audit_auditentry",
    "backups_backup",
    "django_session",
}


def _fts_shadow_tables(instance: Instance) -> set[str]:
    """SQLite full-text index internals (rewritten as the index merges segments); the
    full-text tables themselves are compared."""
    if instance.database is not None:
        return set()
    virtual = [
        row[0]
        for row in instance.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        )
    ]
    suffixes = ("_data", "_idx", "_content", "_docsize", "_config")
    return {f"{name}{suffix}" for name in virtual for suffix in suffixes}


def test_a_backup_taken_while_another_process_writes_restores_every_row_of_its_moment(
    instance: Instance, instances: Instances, tmp_path: Path
) -> None:
    people = "SELECT COUNT(*) FROM contacts_contact"
    stop = tmp_path / "stop"
    writer = instance.python(WRITER, str(stop))
    wait_for(lambda: instance.scalar(people) >= 30, what="the writer's first people")
    before = instance.scalar(people)
    taken = instance.run("backup", "--json")
    at_end = instance.scalar(people)
    # The backup never held the writer back: it goes on after the backup (waited for, since
    # the writer may be between two transactions when the backup returns).
    wait_for(lambda: instance.scalar(people) > at_end, what="the writer's people after the backup")
    stop.touch()
    assert writer.wait(timeout=60) == 0, writer.stderr.read() if writer.stderr else ""
    result = json.loads(taken.stdout)
    archive = instance.backups / result["file"]

    target = instances.empty()
    restored = target.run("restore", str(archive))
    assert "Checksums" in restored.stdout

    # The archive is one moment between the backup's start and end, and the writer went on.
    snapshot_people = target.scalar(people)
    assert before <= snapshot_people <= at_end < instance.scalar(people)
    assert at_end > before, "the writer wrote nothing while the backup ran"
    # That moment is a prefix of the writer's work: the people with the smallest ids, all of
    # them, each with their email, phone, tag and history entry.
    ids = [row[0] for row in target.query("SELECT id FROM contacts_contact ORDER BY id")]
    live_ids = [row[0] for row in instance.query("SELECT id FROM contacts_contact ORDER BY id")]
    assert ids == live_ids[: len(ids)]
    for child in ("contacts_contactemail", "contacts_contactphone", "contacts_contact_tags"):
        orphans = target.scalar(
            f"SELECT COUNT(*) FROM contacts_contact c WHERE NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {child} x WHERE x.contact_id = c.id)"
        )
        assert orphans == 0, child

    # Record by record: every row of every table of the snapshot is in the live database,
    # equal in every column.
    skipped = BOOKKEEPING | _fts_shadow_tables(target)
    compared = 0
    for table in target.tables():
        if table in skipped:
            continue
        missing = target.rows(table) - instance.rows(table)
        assert not missing, (table, sorted(missing, key=str)[:3])
        compared += 1
    assert compared > 40
    assert target.integrity() == ["ok"]
