"""`rubrica serve`: the gunicorn and worker command lines, and one real start and stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rubrica.cli.management.commands.serve import (
    bind_address,
    default_workers,
    gunicorn_command,
    worker_command,
)


def test_sqlite_gets_one_worker_process_and_postgres_scales_with_cores():
    assert default_workers("sqlite", cores=8) == 1
    assert default_workers("postgresql", cores=2) == 5
    assert default_workers("postgresql", cores=32) == 12


def test_gunicorn_command_line():
    argv = gunicorn_command(host="127.0.0.1", port=8123, workers=1, threads=4)

    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert argv[-1] == "rubrica.wsgi:application"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert argv[argv.index("--workers") + 1] == "1"
    assert argv[argv.index("--threads") + 1] == "4"
    assert bind_address("::1", 80) == "[::1]:80"


def test_worker_command_runs_django_tasks_db_worker_with_recovery():
    argv = worker_command()

    assert argv[:4] == [sys.executable, "-m", "rubrica.cli.main", "jobs_worker"]
    assert "--no-reload" in argv


def test_serve_refuses_several_processes_on_sqlite(db, rubrica):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the one-writer rule is SQLite's")

    code, _, err = rubrica("serve", "--workers", "3")

    assert code == 2
    assert err == (
        "error: workers: SQLite allows one writer: use one worker process and more --threads.\n"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.serve
def test_serve_answers_http_and_stops_with_its_children_on_sigterm(tmp_path):
    script = str(Path(sys.executable).parent / "rubrica")
    # SQLite in tmp_path, and the settings module chosen by `rubrica` itself.
    environ = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    environ["RUBRICA_VAR_DIR"] = str(tmp_path / "var")
    setup = subprocess.run(
        [script, "setup"], env=environ, capture_output=True, text=True, timeout=60
    )
    assert setup.returncode == 0, setup.stderr
    port = _free_port()
    server = subprocess.Popen(
        [script, "serve", "--port", str(port)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status = None
        deadline = time.monotonic() + 60  # a loaded machine boots gunicorn slowly
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2
                ) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                time.sleep(0.3)
        assert status is not None and status < 500
        children = _children_of(server.pid)
        assert len(children) == 3  # gunicorn and two workers
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=20)
    output = server.stdout.read().decode()
    assert code == 0, output
    assert f"Rubrica is starting at http://127.0.0.1:{port}" in output
    assert "Starting worker" in output
    assert all(not Path(f"/proc/{pid}").exists() for pid in children)


def test_the_embedded_setup_runs_a_second_worker_for_short_interactive_jobs():
    from rubrica.cli.management.commands.serve import worker_commands
    from rubrica.jobs.tasks import INTERACTIVE_QUEUE

    commands = worker_commands()
    assert set(commands) == {"tasks", "tasks-interactive"}
    main, interactive = commands["tasks"], commands["tasks-interactive"]
    assert main[3] == interactive[3] == "jobs_worker"
    assert main[main.index("--queue-name") + 1] == "*"
    assert interactive[interactive.index("--queue-name") + 1] == INTERACTIVE_QUEUE
    # Only the main worker recovers stuck jobs, every minute.
    assert "--recover-every" in main and "--recover-every" not in interactive


def test_setup_creates_var_for_its_owner_only(tmp_path):
    """`var/` is created 0700 and the database 0600, whatever the umask."""
    import stat

    script = str(Path(sys.executable).parent / "rubrica")
    environ = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    var = tmp_path / "var"
    environ["RUBRICA_VAR_DIR"] = str(var)
    setup = subprocess.run(
        [script, "setup"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert setup.returncode == 0, setup.stderr
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    database = var / "rubrica.sqlite3"
    for path in (database,):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for path in var.glob("rubrica.sqlite3-*"):  # WAL and shared memory follow the database
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
