"""Take, verify, restore, list and prune backups; the scheduled backup of the worker's tick.

A backup is a job (``BACKUP_KIND``): ``backup_start`` queues it (or the CLI runs it in the
foreground); ``run_backup`` snapshots the database (``databases.snapshot``), streams it and the
uploaded files into one archive (``archive.write_archive``), then records a ``Backup`` row and an
audit entry in one transaction. A killed run leaves at most a ``*.partial`` file and no row: the
resumed job starts again from the beginning (a snapshot is one moment, it cannot continue), and
the sweeper removes leftovers. Verification reads every member against the manifest, restores the
database into a scratch one (a temporary SQLite file; a new PostgreSQL database) and compares its
rows per table and ``PRAGMA integrity_check``. A restore goes only into an empty instance.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.backups import databases
from rubrica.backups.archive import ArchiveError, FileRoot, move_tree, read_archive, write_archive
from rubrica.backups.databases import RestoreError
from rubrica.backups.models import Backup, BackupSchedule
from rubrica.backups.policies import is_backup_administrator
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.running import Progress
from rubrica.jobs.services import job_create

BACKUP_KIND = "backup"
VERIFY_KIND = "backup_verify"
PREFIX = "rubrica-backup-"

Report = Callable[[str], None]


def app_version() -> str:
    try:
        return version("rubrica")
    except PackageNotFoundError:
        return "unknown"


def backup_dir() -> Path:
    path = Path(settings.RUBRICA_BACKUP_DIR)
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)
    return path


def file_roots() -> list[FileRoot]:
    """The uploaded files: MEDIA_ROOT (photos) and the private root (documents, uploads of
    imports, export files), without the backups folder."""
    exclude = (Path(settings.RUBRICA_BACKUP_DIR),)
    return [
        FileRoot("files/media", Path(settings.MEDIA_ROOT), exclude),
        FileRoot("files/private", Path(settings.RUBRICA_PRIVATE_ROOT), exclude),
    ]


def ensure_backup_administrator(actor: User | None) -> User:
    """``actor``, if an administrator (who alone may see, take, verify or download backups)."""
    if actor is None or not is_backup_administrator(actor):
        raise PermissionDenied(_("Only administrators can take, verify or download backups."))
    return actor


def backup_start(*, actor: User, scheduled: bool = False, enqueue: bool = True) -> Job:
    """Queue a backup job for ``actor`` (an administrator)."""
    ensure_backup_administrator(actor)
    title = _("Scheduled backup") if scheduled else _("Backup")
    return job_create(
        actor=actor,
        kind=BACKUP_KIND,
        title=title,
        params={"scheduled": scheduled},
        enqueue=enqueue,
    )


def verify_start(*, actor: User, backup: Backup, enqueue: bool = True) -> Job:
    """Queue the verification of ``backup`` for ``actor`` (an administrator)."""
    ensure_backup_administrator(actor)
    if not backup.exists:
        raise ValidationError({"backup": _("This archive is no longer on disk.")})
    return job_create(
        actor=actor,
        kind=VERIFY_KIND,
        title=_("Verify backup %(name)s") % {"name": backup.file_name},
        params={"backup": backup.pk},
        enqueue=enqueue,
    )


def _discard_leftovers(job_id: int) -> None:
    for leftover in backup_dir().glob(f".job{job_id}-*"):
        leftover.unlink(missing_ok=True)
    for leftover in backup_dir().glob(f"{PREFIX}*-job{job_id}.*.partial"):
        leftover.unlink(missing_ok=True)


#: Seconds between two heartbeats of a backup's long steps (a job is stale after two minutes).
HEARTBEAT_EVERY = 20.0


@contextlib.contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """Keep the job's heartbeat fresh while one long step runs (a snapshot or the archive of a
    big instance takes minutes with no batch to report): without it, the worker's recovery
    would take a running backup for a dead one. A thread with its own connection."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_EVERY):
                Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"backup-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT_EVERY + 5)


def run_backup(job: Job, progress: Progress) -> dict[str, Any]:
    """The runner of ``BACKUP_KIND``. Starts over on a resume (a snapshot is one moment)."""
    actor = ensure_backup_administrator(job.owner)
    _discard_leftovers(job.pk)
    now = timezone.now()
    passphrase = settings.RUBRICA_BACKUP_PASSPHRASE
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".tar.gz.aes" if passphrase else ".tar.gz"
    name = f"{PREFIX}{stamp}-job{job.pk}{suffix}"
    roots = file_roots()
    listed = sum(1 for root in roots for _item in root.files())
    progress.set_total(listed + 1)
    snapshot = backup_dir() / f".job{job.pk}-{databases.database_member().rsplit('/', 1)[1]}"
    try:
        with _heartbeat(job.pk):
            counts, migrations = databases.snapshot(snapshot)
            manifest = {
                "app_version": app_version(),
                "created_at": now.isoformat(),
                "database": databases.vendor(),
                "schema": migrations,
                "counts": counts,
                "job": job.pk,
                "encrypted": bool(passphrase),
            }
            written = write_archive(
                backup_dir() / name,
                database=(databases.database_member(), snapshot),
                roots=roots,
                manifest=manifest,
                passphrase=passphrase,
                on_member=lambda count: progress.set_done(min(count, listed + 1)),
            )
    finally:
        snapshot.unlink(missing_ok=True)
    files = len(written.manifest["members"]) - 1
    with transaction.atomic():
        backup = Backup.objects.create(
            file_name=name,
            created_at=now,
            size=written.size,
            sha256=written.sha256,
            encrypted=bool(passphrase),
            scheduled=bool(job.params.get("scheduled")),
            database=databases.vendor(),
            rows=sum(counts.values()),
            files=files,
            job=job,
        )
        audit.record(
            actor,
            AuditAction.BACKUP_CREATE,
            backup,
            {"file": name, "size": written.size, "sha256": written.sha256, "files": files},
        )
    pruned = backups_retain() if backup.scheduled else []
    return {
        "backup": backup.pk,
        "file": name,
        "size": written.size,
        "sha256": written.sha256,
        "rows": backup.rows,
        "files": files,
        "pruned": pruned,
    }


@dataclass
class VerifyReport:
    """What a verification found: ``ok`` when every check passed; ``lines`` say each one."""

    ok: bool = True
    lines: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    def fail(self, line: str) -> None:
        self.ok = False
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines)


def verify_archive(
    path: Path, *, passphrase: str | None = None, on_member: Callable[[int], None] | None = None
) -> VerifyReport:
    """Check ``path`` end to end: every member against the manifest's checksums, the database
    restored into a scratch one, its integrity and its rows per table against the manifest."""
    report = VerifyReport()
    secret = settings.RUBRICA_BACKUP_PASSPHRASE if passphrase is None else passphrase
    with tempfile.TemporaryDirectory(prefix="rubrica-verify-") as scratch:
        stage = Path(scratch)
        try:
            manifest = read_archive(path, passphrase=secret, stage=stage, on_member=on_member)
        except ArchiveError as exc:
            report.fail(str(exc))
            return report
        report.manifest = manifest
        report.lines.append(
            _("Checksums: %(n)d members match the manifest.") % {"n": len(manifest["members"])}
        )
        vendor = manifest.get("database")
        members = [name for name in manifest["members"] if name.startswith("database/")]
        if len(members) != 1:
            report.fail(_("The archive holds no database."))
            return report
        dump = stage / members[0]
        try:
            if vendor == "sqlite":
                integrity = databases.sqlite_integrity(dump)
                if integrity != ["ok"]:
                    report.fail(
                        _("integrity_check: %(result)s") % {"result": "; ".join(integrity[:5])}
                    )
                else:
                    report.lines.append(_("integrity_check: ok."))
                counts = databases.sqlite_counts(dump)
            elif vendor == "postgresql" and databases.vendor() == "postgresql":
                with databases.pg_scratch_database() as name:
                    databases.pg_restore(dump, name)
                    report.lines.append(_("pg_restore into a scratch database: ok."))
                    counts = databases.pg_counts(name)
            else:
                report.fail(
                    _("A %(vendor)s archive is verified on an instance that uses %(vendor)s.")
                    % {"vendor": vendor}
                )
                return report
        except (RestoreError, OSError) as exc:
            report.fail(str(exc))
            return report
        except Exception as exc:  # a damaged database file: sqlite3.DatabaseError and kin
            report.fail(_("The database cannot be read: %(error)s") % {"error": exc})
            return report
    expected = {str(k): int(v) for k, v in manifest["counts"].items()}
    differing = sorted(
        name for name in set(expected) | set(counts) if expected.get(name) != counts.get(name)
    )
    for name in differing[:20]:
        report.fail(
            _("Table %(table)s: %(found)s rows, the manifest says %(expected)s.")
            % {"table": name, "found": counts.get(name, "—"), "expected": expected.get(name, "—")}
        )
    if not differing:
        report.lines.append(
            _("Rows: %(tables)d tables, %(rows)d rows, as in the manifest.")
            % {"tables": len(counts), "rows": sum(counts.values())}
        )
    return report


def run_verify(job: Job, progress: Progress) -> dict[str, Any]:
    """The runner of ``VERIFY_KIND``: verify the archive of one ``Backup`` and keep the result."""
    actor = ensure_backup_administrator(job.owner)
    backup = Backup.objects.get(pk=job.params["backup"])
    if not backup.exists:
        raise ValidationError({"backup": _("This archive is no longer on disk.")})
    progress.set_total(None)
    report = verify_archive(backup.path, on_member=lambda count: progress.set_done(count))
    now = timezone.now()
    with transaction.atomic():
        Backup.objects.filter(pk=backup.pk).update(
            verified_at=now, verified_ok=report.ok, verify_report=report.text()
        )
        audit.record(
            actor, AuditAction.BACKUP_VERIFY, backup, {"ok": report.ok, "report": report.text()}
        )
    if not report.ok:
        raise ValidationError(report.lines)
    return {"backup": backup.pk, "ok": True, "report": report.lines}


def archive_open(*, actor: User, backup: Backup) -> Any:
    """The archive opened for download by an administrator; recorded in the audit log."""
    ensure_backup_administrator(actor)
    if not backup.exists:
        raise ValidationError({"backup": _("This archive is no longer on disk.")})
    handle = open(backup.path, "rb")  # noqa: SIM115 (the response closes it)
    audit.record(actor, AuditAction.BACKUP_DOWNLOAD, backup, {"file": backup.file_name})
    return handle


def restore_archive(
    path: Path, *, passphrase: str | None = None, report: Report | None = None
) -> dict[str, Any]:
    """Restore ``path`` into this instance, which must be empty (no user account): the
    checksums are checked and everything is staged first; only then are the database and the
    files put in place, then migrations newer than the archive applied. Returns the manifest."""
    say = report or (lambda line: None)
    if not databases.instance_is_empty():
        raise RestoreError(
            _(
                "This instance is not empty (it has user accounts): restore only into a new, "
                "empty instance (a new database, MEDIA_ROOT and private root)."
            )
        )
    secret = settings.RUBRICA_BACKUP_PASSPHRASE if passphrase is None else passphrase
    media, private = Path(settings.MEDIA_ROOT), Path(settings.RUBRICA_PRIVATE_ROOT)
    for root in file_roots():
        if any(True for _item in root.files()):
            raise RestoreError(
                _("%(folder)s already holds files: restore only into an empty instance.")
                % {"folder": root.root}
            )
    private.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=private) as scratch:
        stage = Path(scratch)
        try:
            manifest = read_archive(path, passphrase=secret, stage=stage)
        except ArchiveError as exc:
            raise RestoreError(str(exc)) from exc
        say(_("Checksums of %(n)d members: ok.") % {"n": len(manifest["members"])})
        if manifest.get("database") != databases.vendor():
            raise RestoreError(
                _("This archive holds a %(archive)s database; this instance uses %(here)s.")
                % {"archive": manifest.get("database"), "here": databases.vendor()}
            )
        unknown = sorted(set(manifest.get("schema", [])) - databases.known_migrations())
        if unknown:
            raise RestoreError(
                _(
                    "The archive comes from a newer Rubrica (unknown migration %(name)s): "
                    "upgrade first."
                )
                % {"name": unknown[0]}
            )
        dump = stage / databases.database_member()
        if not dump.is_file():
            raise RestoreError(_("The archive holds no database."))
        databases.replace_database(dump)
        say(_("Database restored."))
        moved = move_tree(stage / "files" / "media", media)
        moved += move_tree(stage / "files" / "private", private)
        say(_("%(n)d files restored.") % {"n": moved})
    _after_restore(manifest, path)
    return manifest


def _after_restore(manifest: dict[str, Any], path: Path) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    # The backup job was running when its snapshot was taken: in the restored database it
    # finished (this is its archive); other running jobs were interrupted by the backup's moment.
    job = Job.objects.filter(pk=int(manifest.get("job") or 0), kind=BACKUP_KIND).first()
    if job is not None and job.status == JobStatus.RUNNING:
        from rubrica.jobs.running import finish

        finish(job, JobStatus.SUCCEEDED, result={"file": path.name, "restored": True})
    from rubrica.jobs.services import jobs_recover

    jobs_recover(now=timezone.now() + dt.timedelta(days=1))
    audit.record(
        None,
        AuditAction.BACKUP_RESTORE,
        None,
        {"file": path.name, "created_at": manifest.get("created_at")},
    )


def backups_retain(*, now: dt.datetime | None = None) -> list[str]:
    """Delete scheduled archives beyond the retention: keep the newest of each of the last
    ``RUBRICA_BACKUP_KEEP_DAILY`` days that have one, and of each of the last
    ``RUBRICA_BACKUP_KEEP_WEEKLY`` ISO weeks. Manual archives are never deleted. Returns the
    names deleted (their rows stay, marked deleted, so the history of backups remains)."""
    moment = now or timezone.now()
    candidates = list(
        Backup.objects.filter(scheduled=True, deleted_at__isnull=True).order_by("-created_at")
    )
    keep: set[int] = set()
    days: list[dt.date] = []
    weeks: list[tuple[int, int]] = []
    for backup in candidates:
        local = timezone.localtime(backup.created_at)
        day = local.date()
        week = local.isocalendar()[:2]
        if day not in days and len(days) < settings.RUBRICA_BACKUP_KEEP_DAILY:
            days.append(day)
            keep.add(backup.pk)
        if week not in weeks and len(weeks) < settings.RUBRICA_BACKUP_KEEP_WEEKLY:
            weeks.append((week[0], week[1]))
            keep.add(backup.pk)
    deleted = []
    for backup in candidates:
        if backup.pk in keep:
            continue
        backup.path.unlink(missing_ok=True)
        Backup.objects.filter(pk=backup.pk).update(deleted_at=moment)
        deleted.append(backup.file_name)
    return deleted


def _due_today(now: dt.datetime) -> dt.datetime | None:
    """The moment today's scheduled backup is due (server time zone), or None when off."""
    if settings.RUBRICA_BACKUP_TIME == "off":
        return None
    hour, minute = (int(part) for part in settings.RUBRICA_BACKUP_TIME.split(":"))
    local = timezone.localtime(now)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _schedule_since(now: dt.datetime) -> dt.datetime:
    """When the schedule was first seen switched on: remembered at the first tick that sees it
    (an instance upgraded with scheduled backups already taken counts from the oldest one)."""
    state = BackupSchedule.objects.filter(pk=1).first()
    if state is None:
        oldest = (
            Backup.objects.filter(scheduled=True)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        since = min(now, oldest) if oldest is not None else now
        state, _created = BackupSchedule.objects.get_or_create(pk=1, defaults={"since": since})
    return state.since


def scheduled_backup_tick(now: dt.datetime) -> int:
    """The worker's tick: once the day's time has come, queue a backup unless one was taken or
    queued since then (a backup is taken once a day, late rather than never after a stop).
    The first one is due at the first backup time after the schedule was first seen, not at
    the one already past on the day of installation (ADR 0036). Owned by the first active
    administrator. Returns 0 (no notification is sent)."""
    due = _due_today(now)
    if due is None:
        return 0
    since = _schedule_since(now)  # at every tick, so a first tick before the time counts
    if now < due or due <= since:
        return 0
    taken = Backup.objects.filter(scheduled=True, created_at__gte=due).exists()
    scheduled = Job.objects.filter(kind=BACKUP_KIND, params__scheduled=True)
    busy = scheduled.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists()
    if taken or busy:
        return 0
    if (
        Job.objects.filter(
            kind=BACKUP_KIND, params__scheduled=True, created_at__gte=due, status=JobStatus.FAILED
        ).count()
        >= 3
    ):
        return 0  # failed three times today: the page shows why; no endless retries
    owner = next(
        (
            user
            for user in User.objects.filter(is_active=True).order_by("pk")
            if is_backup_administrator(user)
        ),
        None,
    )
    if owner is not None:
        backup_start(actor=owner, scheduled=True)
    return 0


def leftovers_sweep(*, older_than: dt.timedelta) -> int:
    """Remove ``*.partial`` archives and snapshot files that killed backups left, a day old or
    more (a running backup's are younger)."""
    folder = Path(settings.RUBRICA_BACKUP_DIR)
    if not folder.is_dir():
        return 0
    cutoff = timezone.now() - max(older_than, dt.timedelta(days=1))
    count = 0
    for path in [*folder.glob("*.partial"), *folder.glob(".job*-*")]:
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if modified < cutoff:
            path.unlink(missing_ok=True)
            count += 1
    return count


def backups_list() -> list[Backup]:
    return list(Backup.objects.all()[:200])


def cleanup_stage(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
