"""Taking, verifying, listing, pruning and downloading backups in-process (the real database of
the test run: SQLite's backup API or pg_dump on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from rubrica.audit.models import AuditEntry
from rubrica.backups.archive import read_archive
from rubrica.backups.databases import RestoreError
from rubrica.backups.models import Backup
from rubrica.backups.services import (
    BACKUP_KIND,
    backup_start,
    backups_retain,
    restore_archive,
    scheduled_backup_tick,
    verify_archive,
)
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run
from tests.factories import make_contact


@pytest.fixture
def folders(settings, tmp_path: Path) -> dict[str, Path]:
    media, private = tmp_path / "media", tmp_path / "private"
    (media / "photos").mkdir(parents=True)
    (private / "documents").mkdir(parents=True)
    (media / "photos" / "ada.jpg").write_bytes(b"\xff\xd8photo of ada")
    (private / "documents" / "contract.pdf").write_bytes(b"%PDF-1.7 contract")
    settings.MEDIA_ROOT = media
    settings.RUBRICA_PRIVATE_ROOT = private
    settings.RUBRICA_BACKUP_DIR = private / "backups"
    settings.RUBRICA_BACKUP_PASSPHRASE = ""
    return {"media": media, "private": private, "backups": private / "backups"}


def _take(user) -> Backup:
    job = backup_start(actor=user, enqueue=False)
    job = job_run(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return Backup.objects.get(pk=job.result["backup"])


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_the_database_the_files_and_a_manifest_that_verifies(
    admin_user, folders
) -> None:
    for name in ("Ada", "Grace", "Edsger"):
        make_contact(admin_user, given_name=name)
    backup = _take(admin_user)

    assert backup.exists and backup.path.parent == folders["backups"]
    assert backup.path.stat().st_mode & 0o777 == 0o600
    manifest = read_archive(backup.path)
    names = set(manifest["members"])
    assert {"files/media/photos/ada.jpg", "files/private/documents/contract.pdf"} <= names
    assert not any("backups" in name for name in names)  # the archives are not archived
    assert manifest["counts"]["contacts_contact"] == 3
    assert "contacts.0001_initial" in manifest["schema"]
    assert manifest["app_version"] and manifest["created_at"]
    assert backup.files == 2
    report = verify_archive(backup.path)
    assert report.ok, report.lines
    entry = AuditEntry.objects.get(action="backup.create")
    assert entry.actor_id == admin_user.pk and entry.details["sha256"] == backup.sha256


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_needs_its_passphrase(admin_user, folders, settings) -> None:
    settings.RUBRICA_BACKUP_PASSPHRASE = "correct horse"
    backup = _take(admin_user)
    assert backup.encrypted and backup.file_name.endswith(".tar.gz.aes")
    assert b"photo of ada" not in backup.path.read_bytes()
    assert verify_archive(backup.path).ok
    wrong = verify_archive(backup.path, passphrase="wrong horse")
    assert not wrong.ok and "wrong passphrase" in wrong.text()
    missing = verify_archive(backup.path, passphrase="")
    assert not missing.ok and "RUBRICA_BACKUP_PASSPHRASE" in missing.text()


def _rewrite(source: Path, target: Path, change) -> None:
    """Copy an archive member by member, letting ``change(name, data)`` alter a member."""
    with gzip.open(source) as plain, tarfile.open(fileobj=plain, mode="r|") as tar:
        members = [(info, tar.extractfile(info).read()) for info in tar]  # type: ignore[union-attr]
    with gzip.open(target, "wb") as out, tarfile.open(fileobj=out, mode="w|") as tar:
        for info, data in members:
            data = change(info.name, data)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.django_db(transaction=True)
def test_verification_names_a_changed_member_and_a_lying_manifest(
    admin_user, folders, tmp_path
) -> None:
    backup = _take(admin_user)
    changed = tmp_path / "changed.tar.gz"
    _rewrite(
        backup.path,
        changed,
        lambda name, data: b"\xff\xd8someone else" if name.endswith("ada.jpg") else data,
    )
    report = verify_archive(changed)
    assert not report.ok
    assert "files/media/photos/ada.jpg does not match its checksum" in report.text()

    def lie(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["counts"]["contacts_contact"] += 1
        return json.dumps(manifest).encode()

    lying = tmp_path / "lying.tar.gz"
    _rewrite(backup.path, lying, lie)
    report = verify_archive(lying)
    assert not report.ok
    assert "Table contacts_contact: 0 rows, the manifest says 1." in report.text()

    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(backup.path.read_bytes()[:-200])
    assert not verify_archive(cut).ok


@pytest.mark.django_db
def test_only_administrators_take_backups_and_nothing_is_queued_otherwise(
    member, viewer, folders
) -> None:
    for user in (member, viewer):
        with pytest.raises(PermissionDenied):
            backup_start(actor=user, enqueue=False)
    assert not Job.objects.filter(kind=BACKUP_KIND).exists()


@pytest.mark.django_db
def test_restore_refuses_an_instance_that_has_users_and_changes_nothing(
    admin_user, folders, tmp_path
) -> None:
    archive = tmp_path / "any.tar.gz"
    archive.write_bytes(b"not even read")
    before = list(Backup.objects.values_list("pk", flat=True))
    with pytest.raises(RestoreError, match="not empty"):
        restore_archive(archive)
    assert archive.read_bytes() == b"not even read"
    assert list(Backup.objects.values_list("pk", flat=True)) == before
    assert (folders["media"] / "photos" / "ada.jpg").read_bytes() == b"\xff\xd8photo of ada"


def _fake(folders, when: dt.datetime, *, scheduled: bool = True) -> Backup:
    name = f"rubrica-backup-{when:%Y%m%dT%H%M%S}.tar.gz"
    folders["backups"].mkdir(parents=True, exist_ok=True)
    (folders["backups"] / name).write_bytes(b"x")
    return Backup.objects.create(
        file_name=name,
        created_at=when,
        size=1,
        sha256="0" * 64,
        scheduled=scheduled,
        database="sqlite",
    )


@pytest.mark.django_db
def test_retention_keeps_the_newest_of_each_recent_day_and_week_and_every_manual_one(
    folders, settings
) -> None:
    settings.RUBRICA_BACKUP_KEEP_DAILY = 3
    settings.RUBRICA_BACKUP_KEEP_WEEKLY = 2
    monday = dt.datetime(2026, 11, 30, 2, 30, tzinfo=timezone.get_current_timezone())
    made = {}
    for days_back in range(0, 21):  # three weeks of dailies, and a second one on day 0
        when = monday + dt.timedelta(days=6) - dt.timedelta(days=days_back)
        made[days_back] = _fake(folders, when)
    extra = _fake(folders, monday + dt.timedelta(days=6, hours=-1))
    manual = _fake(folders, monday - dt.timedelta(days=30), scheduled=False)

    deleted = backups_retain(now=monday + dt.timedelta(days=7))

    kept = set(Backup.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True))
    # Days: Sunday 6th, Saturday 5th, Friday 4th. Weeks: this one (Sunday's) and the one
    # before (its Sunday, 7 days back).
    assert kept == {made[0].pk, made[1].pk, made[2].pk, made[7].pk, manual.pk}
    assert extra.file_name in deleted and not extra.path.exists()
    assert manual.path.exists() and made[7].path.exists()
    assert len(deleted) == 22 - 4


@pytest.mark.django_db
def test_the_daily_tick_queues_one_backup_after_its_time_for_the_first_administrator(
    admin_user, member, folders, settings
) -> None:
    settings.RUBRICA_BACKUP_TIME = "02:30"
    day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    scheduled_backup_tick(day + dt.timedelta(hours=2, minutes=29))
    assert not Job.objects.filter(kind=BACKUP_KIND).exists()
    scheduled_backup_tick(day + dt.timedelta(hours=2, minutes=31))
    scheduled_backup_tick(day + dt.timedelta(hours=3))
    job = Job.objects.get(kind=BACKUP_KIND)
    assert job.owner == admin_user and job.params == {"scheduled": True}
    settings.RUBRICA_BACKUP_TIME = "off"
    Job.objects.all().delete()
    scheduled_backup_tick(day + dt.timedelta(hours=23))
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_page_lists_backups_for_administrators_and_downloads_are_audited(
    client, admin_user, member, folders
) -> None:
    backup = _take(admin_user)
    client.force_login(member)
    assert client.get(reverse("backups:list")).status_code == 403
    assert client.get(reverse("backups:download", args=[backup.pk])).status_code == 403
    assert client.post(reverse("backups:now")).status_code == 403
    assert not AuditEntry.objects.filter(action="backup.download").exists()
    assert Job.objects.filter(kind=BACKUP_KIND).count() == 1

    client.force_login(admin_user)
    page = client.get(reverse("backups:list"))
    assert page.status_code == 200
    assert backup.file_name in page.content.decode()
    download = client.get(reverse("backups:download", args=[backup.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == backup.path.read_bytes()  # type: ignore[attr-defined]
    assert AuditEntry.objects.filter(action="backup.download", actor_id=admin_user.pk).exists()
    assert client.get(reverse("backups:download", args=[backup.pk + 99])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_verify_job_records_its_result_on_the_backup_and_in_the_audit_log(
    client, admin_user, member, folders
) -> None:
    from rubrica.backups.services import VERIFY_KIND

    backup = _take(admin_user)
    client.force_login(member)
    assert client.post(reverse("backups:verify", args=[backup.pk])).status_code == 403
    assert not Job.objects.filter(kind=VERIFY_KIND).exists()

    client.force_login(admin_user)
    response = client.post(reverse("backups:verify", args=[backup.pk]))
    job = Job.objects.get(kind=VERIFY_KIND)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job = job_run(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    backup.refresh_from_db()
    assert backup.verified_ok is True
    expected = "integrity_check: ok." if backup.database == "sqlite" else "pg_restore"
    assert expected in backup.verify_report
    assert AuditEntry.objects.filter(action="backup.verify", details__ok=True).exists()

    backup.path.unlink()
    response = client.post(reverse("backups:verify", args=[backup.pk]), follow=True)
    assert "This archive is no longer on disk." in response.content.decode()
    assert Job.objects.filter(kind=VERIFY_KIND).count() == 1


@pytest.mark.django_db
def test_a_fresh_install_takes_its_first_backup_at_the_next_backup_time_not_at_once(
    admin_user, folders, settings
) -> None:
    settings.RUBRICA_BACKUP_TIME = "02:30"
    day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)

    # Installed at 10:00, after the day's time: the worker's first ticks queue nothing.
    scheduled_backup_tick(day + dt.timedelta(hours=10))
    scheduled_backup_tick(day + dt.timedelta(hours=23, minutes=59))
    assert not Job.objects.filter(kind=BACKUP_KIND).exists()

    # The next 02:30 is the first one.
    scheduled_backup_tick(day + dt.timedelta(days=1, hours=2, minutes=29))
    assert not Job.objects.filter(kind=BACKUP_KIND).exists()
    scheduled_backup_tick(day + dt.timedelta(days=1, hours=2, minutes=31))
    assert Job.objects.filter(kind=BACKUP_KIND, params__scheduled=True).count() == 1


@pytest.mark.django_db
def test_the_schedule_switched_on_later_counts_from_when_it_was_first_seen(
    admin_user, folders, settings
) -> None:
    day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    settings.RUBRICA_BACKUP_TIME = "off"
    scheduled_backup_tick(day + dt.timedelta(hours=1))
    settings.RUBRICA_BACKUP_TIME = "02:30"
    scheduled_backup_tick(day + dt.timedelta(hours=12))  # switched on at noon: first seen now
    assert not Job.objects.filter(kind=BACKUP_KIND).exists()
    scheduled_backup_tick(day + dt.timedelta(days=1, hours=3))
    assert Job.objects.filter(kind=BACKUP_KIND).count() == 1
