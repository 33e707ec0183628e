""" "My tasks" benchmark: the page of a user with N open and done tasks (20,000 by default).

``.venv/bin/python bench/tasks_bench.py [--tasks N] [--samples S]``. It seeds, into a database of
its own (``var/bench/tasks-N.sqlite3``, or the ``rubrica_tasks_bench`` PostgreSQL database when
``--engine postgresql``), N tasks assigned to one member (due dates spread over two years, a third
with a time, a tenth done, some linked to people) beside N tasks of other users, in bulk (the
services are bypassed on purpose), then times:

- ``selectors.my_tasks`` (the three buckets in the user's time zone: six indexed queries),
- the whole ``/tasks/`` page through Django's test client (logged in as that member),
- a naive version: every open task of the user loaded and sorted into buckets in Python.

It prints p50/p95 in milliseconds per measure and replaces its section of
``docs/benchmarks.md`` (between the ``bench:tasks-<engine>`` markers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

TARGET_MS = 100.0
DOCS_BEGIN = "<!-- bench:tasks:begin -->"
DOCS_END = "<!-- bench:tasks:end -->"


def timed(fn: Callable[[], object], samples: int) -> tuple[float, float]:
    fn()  # warm the caches once
    runs = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    p95 = runs[min(len(runs) - 1, round(0.95 * len(runs)) - 1)]
    return statistics.median(runs), p95


def seed(n: int) -> None:
    from django.db import transaction

    from rubrica.accounts.models import User
    from rubrica.contacts.models import Contact
    from rubrica.tasks.models import Task

    rng = random.Random(15)
    me = User.objects.create(username="bench", email="bench@example.org")
    others = [User.objects.create(username=f"other{i}") for i in range(5)]
    people = Contact.objects.bulk_create(
        [Contact(given_name=f"P{i}", owner=me, sort_name=f"p{i}") for i in range(200)]
    )
    now = dt.datetime.now(dt.UTC)
    links = Task.people.through
    for owner_set, count in (([me], n), (others, n)):
        batch: list[Task] = []
        for i in range(count):
            assignee = owner_set[i % len(owner_set)]
            offset = dt.timedelta(days=rng.randint(-365, 365), minutes=rng.randint(0, 1439))
            due_at = now + offset if i % 3 == 0 else None
            due_date = (now + offset).date()
            done = i % 10 == 0
            batch.append(
                Task(
                    title=f"Task {i}",
                    assignee=assignee,
                    owner=assignee,
                    due_date=due_date,
                    due_at=due_at,
                    time_zone="UTC",
                    status="done" if done else "open",
                    completed_at=now if done else None,
                    visibility="team",
                )
            )
        with transaction.atomic():
            created = Task.objects.bulk_create(batch, batch_size=2000)
            links.objects.bulk_create(
                [
                    links(task_id=t.pk, contact_id=people[k % len(people)].pk)
                    for k, t in enumerate(created)
                    if k % 4 == 0
                ],
                batch_size=2000,
            )


def naive(user: object) -> dict[str, int]:
    """What one might write first: every open task of the user, bucketed in Python."""
    from django.utils import timezone

    from rubrica.tasks.models import Task

    now = timezone.now()
    today = now.date()
    buckets = {"overdue": [], "today": [], "upcoming": []}  # type: dict[str, list[Task]]
    for task in Task.objects.filter(assignee=user, status="open", deleted_at__isnull=True):
        if task.due_date is None:
            continue
        if (task.due_at and task.due_at < now) or (not task.due_at and task.due_date < today):
            buckets["overdue"].append(task)
        elif task.due_date == today:
            buckets["today"].append(task)
        else:
            buckets["upcoming"].append(task)
    for rows in buckets.values():
        rows.sort(key=lambda t: (t.due_date, t.due_at or now, t.pk))
    return {key: len(rows) for key, rows in buckets.items()}


def write_docs(engine: str, n: int, rows: list[tuple[str, float, float]]) -> None:
    begin, end = (
        DOCS_BEGIN.replace("tasks", f"tasks-{engine}"),
        DOCS_END.replace("tasks", f"tasks-{engine}"),
    )
    docs = REPO / "docs" / "benchmarks.md"
    text = docs.read_text() if docs.exists() else "# Benchmarks\n"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        begin,
        f'## "My tasks" ({engine}, {n:,} tasks of the user beside {n:,} of others)',
        "",
        f"Target: p95 < {TARGET_MS:.0f} ms. `bench/tasks_bench.py --tasks {n}`, "
        f"{dt.datetime.now(dt.UTC).date().isoformat()}, load average {load} on a shared "
        "2-core machine.",
        "",
        "| measure | p50 ms | p95 ms |",
        "|---|---:|---:|",
        *[f"| {name} | {p50:.1f} | {p95:.1f} |" for name, p50, p95 in rows],
        end,
    ]
    block = "\n".join(lines)
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _old, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    docs.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    var_dir = REPO / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["RUBRICA_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-long-enough-for-django-0123456789abcdef")
    os.environ["DJANGO_SETTINGS_MODULE"] = "rubrica.settings"
    if args.engine == "postgresql":
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as db:
            db.execute("DROP DATABASE IF EXISTS rubrica_tasks_bench")
            db.execute("CREATE DATABASE rubrica_tasks_bench")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/rubrica_tasks_bench"
    else:
        path = var_dir / f"tasks-{args.tasks}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from rubrica.accounts.models import User
    from rubrica.tasks import selectors

    call_command("migrate", verbosity=0, interactive=False)
    if not User.objects.filter(username="bench").exists():
        started = time.perf_counter()
        seed(args.tasks)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seeded {2 * args.tasks:,} tasks in {time.perf_counter() - started:.1f} s")
    user = User.objects.get(username="bench")
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.STORAGES = {  # no collectstatic for a benchmark
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    client.force_login(user)

    def page() -> None:
        response = client.get("/tasks/")
        assert response.status_code == 200, response.status_code

    rows = [
        ("selectors.my_tasks", *timed(lambda: selectors.my_tasks(user), args.samples)),
        ("/tasks/ page", *timed(page, args.samples)),
        ("naive: all open tasks bucketed in Python", *timed(lambda: naive(user), args.samples)),
    ]
    print(f"{'measure':45} {'p50 ms':>8} {'p95 ms':>8}")
    for name, p50, p95 in rows:
        print(f"{name:45} {p50:8.1f} {p95:8.1f}")
    if not args.no_docs:
        write_docs(args.engine, args.tasks, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
