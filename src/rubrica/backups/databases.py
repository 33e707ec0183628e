"""The database half of a backup: a consistent snapshot, row counts, a restore, a scratch copy.

SQLite: the online backup API (``Connection.backup`` in one step: one read transaction, so the
copy is the database as of one moment, while writers go on under WAL). PostgreSQL: ``pg_dump
--format=custom`` run on a snapshot exported by a REPEATABLE READ transaction, in which the row
counts of the manifest are taken too, so counts and dump describe the same moment. Both knows no
domain: tables are whatever the database holds.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pysqlite3.dbapi2 as sqlite3
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.utils.translation import gettext as _


class RestoreError(Exception):
    """A restore or verification that cannot go on; the message says why, for a person."""


def vendor() -> str:
    return str(connection.vendor)


def database_member() -> str:
    """The archive member that holds the database."""
    return "database/rubrica.sqlite3" if vendor() == "sqlite" else "database/rubrica.pgdump"


def _quoted(name: str) -> str:
    """An identifier read from the database's own catalogue, quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


# SQLite ---------------------------------------------------------------------------------------


def _sqlite_tables(db: Any) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [str(row[0]) for row in rows]


def sqlite_counts(path: Path) -> dict[str, int]:
    """Rows per table of the SQLite database file ``path``."""
    db = sqlite3.connect(str(path))
    try:
        return {
            name: int(db.execute(f"SELECT COUNT(*) FROM {_quoted(name)}").fetchone()[0])  # noqa: S608
            for name in _sqlite_tables(db)
        }
    finally:
        db.close()


def sqlite_integrity(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` of the file ``path``: ["ok"] when sound."""
    db = sqlite3.connect(str(path))
    try:
        return [str(row[0]) for row in db.execute("PRAGMA integrity_check").fetchall()]
    finally:
        db.close()


def _sqlite_snapshot(target: Path) -> None:
    connection.ensure_connection()
    source = connection.connection
    dest = sqlite3.connect(str(target))
    try:
        # One step: the whole copy is read in one transaction (a consistent moment); with WAL,
        # writers are not blocked meanwhile. Stepwise copies restart on every foreign write.
        source.backup(dest, pages=-1)
    finally:
        dest.close()


# PostgreSQL -----------------------------------------------------------------------------------


def pg_environment(name: str | None = None) -> dict[str, str]:
    """libpq's variables for the default database (or database ``name`` on the same server)."""
    config = settings.DATABASES["default"]
    environ = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if config.get(key):
            environ[variable] = str(config[key])
    environ["PGDATABASE"] = name or str(config["NAME"])
    return environ


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    return [str(row[0]) for row in cursor.fetchall()]


def _pg_counts(cursor: Any) -> dict[str, int]:
    counts = {}
    for name in _pg_tables(cursor):
        cursor.execute(f"SELECT COUNT(*) FROM {_quoted(name)}")  # noqa: S608
        counts[name] = int(cursor.fetchone()[0])
    return counts


def _run(argv: list[str], environ: dict[str, str]) -> None:
    try:
        done = subprocess.run(  # noqa: S603 (argument list, no shell)
            argv, env=environ, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise RestoreError(
            _("%(tool)s is not installed: install the PostgreSQL client (postgresql-client).")
            % {"tool": argv[0]}
        ) from exc
    if done.returncode != 0:
        raise RestoreError(
            _("%(tool)s failed: %(error)s")
            % {"tool": argv[0], "error": done.stderr.strip()[-2000:]}
        )


def _migrations(cursor: Any) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations")
    return sorted(f"{app}.{name}" for app, name in cursor.fetchall())


def _pg_snapshot(target: Path) -> tuple[dict[str, int], list[str]]:
    params = connection.get_connection_params()
    raw = connection.get_new_connection(params)
    try:
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = str(cursor.fetchone()[0])
            counts = _pg_counts(cursor)
            migrations = _migrations(cursor)
            # pg_dump reads the very moment the counts were taken in (the snapshot lives while
            # this transaction stays open).
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                pg_environment(),
            )
        raw.rollback()
    finally:
        raw.close()
    return counts, migrations


def pg_counts(name: str) -> dict[str, int]:
    """Rows per table of the database ``name`` on the default server."""
    params = connection.get_connection_params()
    params["dbname"] = name
    raw = connection.get_new_connection(params)
    try:
        with raw.cursor() as cursor:
            return _pg_counts(cursor)
    finally:
        raw.close()


def _pg_admin(statement: str) -> None:
    """Run ``statement`` outside any transaction (CREATE/DROP DATABASE)."""
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    raw = connection.get_new_connection(params)
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute(statement)
    finally:
        raw.close()


def pg_restore(dump: Path, name: str) -> None:
    """Load a custom-format dump into the empty database ``name``, all or nothing."""
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={name}",
            str(dump),
        ],
        pg_environment(name),
    )


@contextlib.contextmanager
def pg_scratch_database() -> Iterator[str]:
    """A new, empty database on the default server, dropped on exit."""
    name = f"{settings.DATABASES['default']['NAME']}_verify_{secrets.token_hex(4)}"[:63]
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Both -----------------------------------------------------------------------------------------


def snapshot(target: Path) -> tuple[dict[str, int], list[str]]:
    """Write the database as of one moment to ``target``; return its rows per table and the
    migrations applied in it (``app.name``: its schema version), both of that same moment."""
    if vendor() == "sqlite":
        _sqlite_snapshot(target)
        db = sqlite3.connect(str(target))
        try:
            migrations = _migrations(db.cursor())
        finally:
            db.close()
        return sqlite_counts(target), migrations
    if vendor() == "postgresql":
        return _pg_snapshot(target)
    raise RestoreError(_("Backups support SQLite and PostgreSQL only."))


def known_migrations() -> set[str]:
    """Every migration this version of Rubrica knows (``app.name``)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def instance_is_empty() -> bool:
    """True when the instance holds nobody's data: no tables yet, or no user account (setup
    creates the first administrator; nothing can be entered without one). Tables that
    ``migrate`` fills by itself (content types, lifecycle stages...) do not count."""
    tables = set(connection.introspection.table_names())
    users = get_user_model()._meta.db_table
    if users not in tables:
        return True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {_quoted(users)} LIMIT 1")  # noqa: S608
        return cursor.fetchone() is None


def replace_database(dump: Path) -> None:
    """Put the archived database in place of the (empty) instance's."""
    if vendor() == "sqlite":
        target = Path(str(settings.DATABASES["default"]["NAME"]))
        connections.close_all()
        staged = target.with_name(target.name + ".restoring")
        shutil.copyfile(dump, staged)
        os.chmod(staged, 0o600)
        for suffix in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(str(target) + suffix)
        os.replace(staged, target)
        return
    name = str(settings.DATABASES["default"]["NAME"])
    tables = connection.introspection.table_names()
    if tables:
        # Only reached on an instance with no user (checked before): the tables migrate made.
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connections.close_all()
    pg_restore(dump, name)
