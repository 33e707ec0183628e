"""Real Rubrica instances in subprocesses for the backup and crash tests.

An instance is a folder (``RUBRICA_VAR_DIR``: media, private files, backups) and a database: an
SQLite file in the folder, or, when the tests run on PostgreSQL (``DATABASE_URL``), a database of
its own on that server. Instances are copied from a template migrated once per test session (an
SQLite file copy; ``CREATE DATABASE ... TEMPLATE``), so each test starts in well under a second.
Every command runs as ``rubrica ...`` in a child process, as an operator would run it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pysqlite3.dbapi2 as sqlite3

RUBRICA = str(Path(sys.executable).parent / "rubrica")
PASSWORD = "correct-horse-battery-9"
_DROP_LATER: list[str] = []


def server_url() -> str | None:
    """The PostgreSQL server the tests run on, or None for SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(statement: str) -> None:
    import psycopg

    url = server_url()
    assert url is not None
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


@dataclass
class Instance:
    root: Path
    database: str | None = None  # PostgreSQL database name; None on SQLite
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def var(self) -> Path:
        return self.root / "var"

    @property
    def sqlite_path(self) -> Path:
        return self.var / "rubrica.sqlite3"

    @property
    def backups(self) -> Path:
        return self.var / "private" / "backups"

    def environ(self, **extra: str) -> dict[str, str]:
        environ = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
            and not k.startswith(("RUBRICA_", "PYTEST"))
        }
        environ["RUBRICA_VAR_DIR"] = str(self.var)
        environ["RUBRICA_BACKUP_TIME"] = "off"
        environ.setdefault(
            "SECRET_KEY", "test-secret-key-that-is-long-enough-for-django-0123456789"
        )
        environ["DEFAULT_PHONE_REGION"] = "US"
        if self.database is not None:
            url = server_url()
            assert url is not None
            environ["DATABASE_URL"] = _with_database(url, self.database)
        environ.update(extra)
        return environ

    def run(
        self,
        *args: str,
        check: bool = True,
        timeout: float = 300,
        stdin: str | None = None,
        **extra: str,
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [RUBRICA, *args],
            env=self.environ(**extra),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    def start(self, *args: str, **extra: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [RUBRICA, *args],
            env=self.environ(**extra),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            process_group=0,
        )
        self.processes.append(process)
        return process

    def python(self, code: str, *args: str, **extra: str) -> subprocess.Popen[bytes]:
        """A Django process of this instance running ``code`` (a writer beside a backup)."""
        environ = self.environ(**extra)
        environ["DJANGO_SETTINGS_MODULE"] = "rubrica.settings"
        process = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            process_group=0,
        )
        self.processes.append(process)
        return process

    def worker(self) -> subprocess.Popen[bytes]:
        """The embedded worker exactly as `rubrica serve` starts it (every queue)."""
        return self.start(
            "jobs_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.2",
            "--no-reload",
            "--no-startup-delay",
        )

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process and everything it started (its process group)."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def kill_tree(self, process: subprocess.Popen[bytes]) -> list[int]:
        """SIGKILL the process and every descendant at once (a power cut, as far as the
        processes can tell: `rubrica serve` starts its children in process groups of their
        own, and would otherwise stop them gracefully). Returns the pids killed."""
        pids = [process.pid, *_descendants(process.pid)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)
        for pid in pids[1:]:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)  # reaped by their parent, which is gone: nothing to do
        return pids

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill_tree(process)

    # Reading the database directly, as the tests' own eyes ----------------------------------

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.database is None:
            db = sqlite3.connect(str(self.sqlite_path), timeout=30, isolation_level=None)
            try:
                return [tuple(row) for row in db.execute(sql, params).fetchall()]
            finally:
                db.close()
        import psycopg

        url = server_url()
        assert url is not None
        with psycopg.connect(_with_database(url, self.database), autocommit=True) as conn:
            cursor = conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            if cursor.description is None:  # UPDATE, DELETE
                return []
            return [tuple(row) for row in cursor]

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def integrity(self) -> list[str]:
        """SQLite: ``PRAGMA integrity_check``. PostgreSQL (which has no such pragma): every
        table and index can be read whole (a sequential scan of each table)."""
        if self.database is None:
            return [str(row[0]) for row in self.query("PRAGMA integrity_check")]
        for (name,) in self.query(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        ):
            self.query(f'SELECT COUNT(*) FROM "{name}"')  # noqa: S608
        return ["ok"]

    def tables(self) -> list[str]:
        if self.database is None:
            return [
                row[0]
                for row in self.query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
        return [
            row[0]
            for row in self.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]

    def rows(self, table: str) -> set[tuple[Any, ...]]:
        """Every row of ``table``, JSON values as canonical text (so rows can be compared)."""

        def cell(value: Any) -> Any:
            if isinstance(value, dict | list):
                return json.dumps(value, sort_keys=True)
            return value

        rows = self.query(f'SELECT * FROM "{table}"')  # noqa: S608
        return {tuple(cell(value) for value in row) for row in rows}


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def wait_for(condition: Callable[[], Any], *, timeout: float = 120, what: str = "") -> Any:
    """Poll ``condition`` (a look at the database) until it is truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or condition}")


class Instances:
    """Makes instances for one test session: a migrated template with an administrator
    ``boss``, copied for each test."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.count = 0
        self.template: Instance | None = None

    def _new(self, database: str | None) -> Instance:
        self.count += 1
        return Instance(self.base / f"i{self.count}", database)

    def empty(self) -> Instance:
        """A new instance with nothing: no database tables, no files."""
        database = None
        if server_url() is not None:
            database = f"h_bk_{os.getpid()}_{self.count + 1}"
            _pg_admin(f'DROP DATABASE IF EXISTS "{database}"')
            _pg_admin(f'CREATE DATABASE "{database}"')
            _DROP_LATER.append(database)
        instance = self._new(database)
        instance.var.mkdir(parents=True)
        return instance

    def _template(self) -> Instance:
        if self.template is None:
            template = self.empty()
            template.run("migrate", "-v0")
            template.run(
                "createuser", "--role", "admin", "--password-stdin", "boss", stdin=PASSWORD
            )
            self.template = template
        return self.template

    def ready(self) -> Instance:
        """A migrated instance with the administrator ``boss``."""
        template = self._template()
        database = None
        if template.database is not None:
            database = f"h_bk_{os.getpid()}_{self.count + 1}"
            _pg_admin(f'DROP DATABASE IF EXISTS "{database}"')
            _pg_admin(f'CREATE DATABASE "{database}" TEMPLATE "{template.database}"')
            _DROP_LATER.append(database)
        instance = self._new(database)
        shutil.copytree(template.var, instance.var)
        return instance


def drop_databases() -> None:
    while _DROP_LATER:
        name = _DROP_LATER.pop()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
