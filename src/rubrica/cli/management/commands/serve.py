"""`rubrica serve`: the production web server (gunicorn) plus two background task workers.

On SQLite there is exactly one gunicorn worker process with threads: SQLite allows one writer at a
time and the database opens write transactions with BEGIN IMMEDIATE, so one process with a busy
timeout never sees "database is locked". On PostgreSQL there are as many processes as the cores
allow. The task workers are django-tasks-db's `db_worker` (as `jobs_worker`), run as child
processes: one for every queue, which also recovers stuck jobs every minute, and one for short
interactive jobs only (exports, reports). All children are stopped together on Ctrl-C or
SIGTERM, and if one dies the others are stopped too, so a service manager sees the failure and
can restart them.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rubrica.kits.cli.base import EXIT_NOT_FOUND, CliError, RubricaCommand, invalid

MAX_WORKERS = 12
SQLITE_THREADS = 4
STOP_TIMEOUT = 15.0


def default_workers(vendor: str, cores: int | None = None) -> int:
    """One process on SQLite (one writer); 2 x cores + 1 on PostgreSQL, capped."""
    if vendor == "sqlite":
        return 1
    cores = cores or os.cpu_count() or 1
    return min(2 * cores + 1, MAX_WORKERS)


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def child_environment() -> dict[str, str]:
    """The children see the same settings, and can import rubrica even from a bare checkout."""
    environ = dict(os.environ)
    environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
    import rubrica

    source_root = str(Path(rubrica.__file__).resolve().parent.parent)
    paths = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if source_root not in paths:
        environ["PYTHONPATH"] = os.pathsep.join([source_root, *paths])
    environ["PYTHONUNBUFFERED"] = "1"
    return environ


def gunicorn_command(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:rubrica.cli.gunicorn_conf",
        "--bind",
        bind_address(host, port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--name",
        "rubrica",
        "rubrica.wsgi:application",
    ]


def worker_command(queue: str = "*", *, recover: bool = True) -> list[str]:
    """A background worker (``jobs_worker``: django-tasks-db's ``db_worker`` that also recovers
    stuck jobs every minute when ``recover``) for ``queue`` ("*": every queue)."""
    from rubrica.jobs.worker import RECOVER_EVERY

    argv = [
        sys.executable,
        "-m",
        "rubrica.cli.main",
        "jobs_worker",
        "--queue-name",
        queue,
        "--interval",
        "1",
        "--no-reload",
        "--no-startup-delay",
    ]
    if recover:
        argv += ["--recover-every", str(int(RECOVER_EVERY))]
    return argv


def worker_commands() -> dict[str, list[str]]:
    """The embedded setup's two workers: one for every queue, which also recovers stuck jobs,
    and one for short interactive jobs only (exports, reports: ``JobKind.interactive``), so
    those never wait behind a long import, revert or scan."""
    from rubrica.jobs.tasks import INTERACTIVE_QUEUE

    return {
        "tasks": worker_command(),
        "tasks-interactive": worker_command(INTERACTIVE_QUEUE, recover=False),
    }


class Command(RubricaCommand):
    help = gettext_lazy(
        "Run Rubrica: gunicorn serving the web UI and API, and a background task worker. "
        "Stop with Ctrl-C."
    )
    requires_system_checks = "__all__"  # type: ignore[assignment]

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help=gettext_lazy("Default: 127.0.0.1"))
        parser.add_argument("--port", type=int, default=8000, help=gettext_lazy("Default: 8000"))
        parser.add_argument(
            "--workers",
            type=int,
            help=gettext_lazy("Web worker processes. Default: 1 on SQLite, 2 x cores + 1 else."),
        )
        parser.add_argument(
            "--threads",
            type=int,
            help=gettext_lazy("Threads per web worker. Default: 4 on SQLite, 1 else."),
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help=gettext_lazy("Do not start the background worker (run one elsewhere)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        vendor = connection.vendor
        workers = options["workers"] or default_workers(vendor)
        threads = options["threads"] or (SQLITE_THREADS if vendor == "sqlite" else 1)
        if not 1 <= options["port"] <= 65535:
            raise invalid("port", _("Choose a port from 1 to 65535."))
        if workers < 1 or threads < 1:
            raise invalid("workers", _("Use at least one worker and one thread."))
        if vendor == "sqlite" and workers > 1:
            raise invalid(
                "workers",
                _("SQLite allows one writer: use one worker process and more --threads."),
            )
        self.check_migrations_applied()
        call_command("collectstatic", interactive=False, verbosity=0)

        environ = child_environment()
        commands = {
            "web": gunicorn_command(
                host=options["host"], port=options["port"], workers=workers, threads=threads
            )
        }
        start_worker = not options["no_worker"] and "django_tasks_db" in str(
            settings.TASKS.get("default", {}).get("BACKEND", "")
        )
        if start_worker:
            from rubrica.jobs.services import files_purge, jobs_recover

            commands.update(worker_commands())
            recovered = jobs_recover()
            files_purge(older_than=dt.timedelta(days=settings.RUBRICA_JOB_FILES_DAYS))
            from rubrica.notifications.scheduling import schedule_ensure

            schedule_ensure()  # the worker then runs the scheduler's tick every minute
            if recovered:
                self.out(
                    ngettext(
                        "%(n)d job interrupted by the last stop can be resumed from /jobs/.",
                        "%(n)d jobs interrupted by the last stop can be resumed from /jobs/.",
                        recovered,
                    )
                    % {"n": recovered}
                )

        url = f"http://{bind_address(options['host'], options['port'])}"
        message = (
            _(
                "Rubrica is starting at %(url)s (%(workers)d x %(threads)d threads on %(db)s, "
                "with a background worker)."
            )
            if start_worker
            else _("Rubrica is starting at %(url)s (%(workers)d x %(threads)d threads on %(db)s).")
        )
        self.out(
            message
            % {
                "url": url,
                "workers": workers,
                "threads": threads,
                "db": "SQLite" if vendor == "sqlite" else vendor,
            }
        )
        if options["host"] not in ("127.0.0.1", "localhost", "::1"):
            self.out(_("Listening beyond this machine: set ALLOWED_HOSTS to the names people use."))
        self.out(_("Press Ctrl-C to stop."))
        code = run_together(commands, environ, self.stderr)
        if code:
            sys.exit(code)

    def check_migrations_applied(self) -> None:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise CliError(
                _("The database needs %(n)d migrations: run `rubrica setup` first.")
                % {"n": len(plan)},
                EXIT_NOT_FOUND,
            )


def run_together(commands: dict[str, list[str]], environ: dict[str, str], stderr: Any) -> int:
    """Start every command, wait until a signal or until one exits, then stop the others.

    Children get their own process group, so a terminal's Ctrl-C reaches only this process,
    which then asks each child once to stop (a second signal makes db_worker abandon its task).
    Returns 0 after a requested stop, else the exit code of the child that ended first.
    """
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        received.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, argv in commands.items():
            processes[name] = subprocess.Popen(  # noqa: S603 (argument list, no shell)
                argv, env=environ, process_group=0, preexec_fn=_die_with_parent
            )
        failed: tuple[str, int] | None = None
        while not stop.is_set() and failed is None:
            for name, process in processes.items():
                code = process.poll()
                if code is not None:
                    failed = (name, code)
                    break
            else:
                stop.wait(0.5)
        if failed is not None:
            stderr.write(
                _("error: the %(name)s process ended (exit code %(code)d); stopping Rubrica.")
                % {"name": failed[0], "code": failed[1]}
            )
    finally:
        stop_all(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed is not None:
        return failed[1] or 1
    return 0


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM if `rubrica serve` itself is killed
    (even with SIGKILL), so that no orphaned server keeps the port or the database."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in processes.values():
        remaining = max(0.1, deadline - time.monotonic())
        try:
            process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
