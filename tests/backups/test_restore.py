"""`rubrica restore` from the command line: only into an empty instance, checksums first, and a
freshly migrated (but unused) instance counts as empty."""

from __future__ import annotations

import json

from tests.backups.instances import Instance, Instances


def test_restore_refuses_a_used_instance_or_a_damaged_archive_and_fills_an_empty_one(
    instance: Instance, instances: Instances
) -> None:
    photo = instance.var / "media" / "photos" / "ada.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8ada")
    taken = json.loads(instance.run("backup", "--json").stdout)
    archive = instance.backups / taken["file"]
    users_sql = "SELECT COUNT(*) FROM accounts_user"

    # Into the instance it came from (it has users): refused, nothing touched.
    refused = instance.run("restore", str(archive), check=False)
    assert refused.returncode == 4
    assert "This instance is not empty" in refused.stderr
    assert instance.scalar(users_sql) == 1 and photo.read_bytes() == b"\xff\xd8ada"

    # A damaged copy into an empty instance: refused before anything is put in place.
    damaged = instance.root / "damaged.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    empty = instances.empty()
    failed = empty.run("restore", str(damaged), check=False)
    assert failed.returncode == 4 and "error:" in failed.stderr
    assert "accounts_user" not in empty.tables()
    assert not (empty.var / "media").exists()

    # A migrated instance nobody has used yet: restored, files and all, and it verifies.
    fresh = instances.empty()
    fresh.run("migrate", "-v0")
    restored = fresh.run("restore", str(archive))
    assert "Database restored." in restored.stdout and "1 files restored." in restored.stdout
    assert fresh.query("SELECT username FROM accounts_user") == [("boss",)]
    assert (fresh.var / "media" / "photos" / "ada.jpg").read_bytes() == b"\xff\xd8ada"
    assert fresh.integrity() == ["ok"]
    assert (
        fresh.scalar("SELECT COUNT(*) FROM audit_auditentry WHERE action = 'backup.restore'") == 1
    )
    # The backup's own job, running in the snapshot, is finished in the restored database.
    assert fresh.scalar("SELECT status FROM jobs_job WHERE kind = 'backup'") == "succeeded"
    verified = fresh.run("backup", "verify", str(archive))
    assert "The archive is sound." in verified.stdout
