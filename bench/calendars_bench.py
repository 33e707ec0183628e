"""Calendar views benchmark (issue 16): the week of a team calendar with N appointments (5,000 by
default, one in ten a weekly series) and the month of 20 users' calendars, as the calendar page's
``events.json`` answers them (server time, through Django's test client).

``.venv/bin/python bench/calendars_bench.py [--appointments N] [--samples S]``. It seeds, into a
database of its own (``var/bench/calendars-N.sqlite3``, or ``rubrica_calendars_bench`` on
PostgreSQL with ``--engine postgresql``, or ``--database``), the appointments in bulk (the
services are bypassed on purpose), shares every calendar with the user who reads them, then
times:

- the week view of the team calendar (``/calendar/events.json``, one week),
- the month view of the 20 users' calendars (six weeks, as the month grid asks),
- the same two views through the selector as it was before ADR 0037 ("before": two policy
  queries, whole rows with their calendar and organizer, expansion by ``recurring-ical-events``
  over VEVENTs built from the rows), swapped in for the run,
- a naive baseline: every appointment of the team calendar expanded for the week, no window
  filter in the database.

Each sample records wall time and this process's CPU time (SQLite runs in the process; on a
machine shared by other sessions the CPU time is the steadier figure, the wall time includes
waiting for a core). It prints p50/p95 in milliseconds and replaces its section of
``docs/benchmarks.md`` (between the ``bench:calendars-<engine>`` markers). Target: p95 < 150 ms.
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
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

TARGET_MS = 150.0
DOCS_BEGIN = "<!-- bench:calendars-{engine}:begin -->"
DOCS_END = "<!-- bench:calendars-{engine}:end -->"
WEEK = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


Row = tuple[str, float, float, float, float]


def _p95(runs: list[float]) -> float:
    runs = sorted(runs)
    return runs[min(len(runs) - 1, round(0.95 * len(runs)) - 1)]


def timed(name: str, fn: Callable[[], object], samples: int) -> Row:
    """(name, wall p50, wall p95, CPU p50, CPU p95) in milliseconds."""
    fn()
    wall, cpu = [], []
    for _ in range(samples):
        start, used = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return name, statistics.median(wall), _p95(wall), statistics.median(cpu), _p95(cpu)


def before_occurrences(
    *, user: Any, start: dt.datetime, end: dt.datetime, calendars: list[int] | None = None
) -> list[Any]:
    """The window's occurrences as the selector read them before ADR 0037 (kept here to be
    timed beside the present one in the same run)."""
    from rubrica.calendars import ical, selectors
    from rubrica.calendars.models import Appointment
    from rubrica.calendars.policies import AppointmentPolicy
    from rubrica.core.models import Action

    base = Appointment.objects.filter(calendar__deleted_at__isnull=True)
    cal_ids = selectors.visible_calendars(user).values("pk")
    if calendars:
        cal_ids = cal_ids.filter(pk__in=calendars)
    base = base.filter(calendar_id__in=cal_ids).filter(selectors._window_q(start, end))
    readable = list(base.restrict(user, Action.VIEW).select_related("calendar", "organizer"))
    busy = list(
        AppointmentPolicy("appointments").busy_queryset(user, base).select_related("calendar")
    )
    by_pk = {a.pk: a for a in readable + busy}
    masters = {a.master_id for a in by_pk.values() if a.master_id and a.master_id not in by_pk}
    for row in Appointment.objects.filter(pk__in=masters).select_related("calendar"):
        by_pk[row.pk] = row
    series = [a.pk for a in by_pk.values() if a.rrule]
    overrides = Appointment.objects.filter(master_id__in=series).exclude(pk__in=list(by_pk))
    for row in overrides.select_related("calendar"):
        by_pk[row.pk] = row
    return ical.expand_reference(list(by_pk.values()), start, end, busy={a.pk for a in busy})


def seed(n: int) -> None:
    from django.db import transaction

    from rubrica.accounts.models import LEGACY_ROLE_KEYS, Role, User
    from rubrica.accounts.services import shipped_role
    from rubrica.calendars.models import Appointment, Calendar, CalendarShare
    from rubrica.calendars.services import series_end_of

    rng = random.Random(16)
    reader = User.objects.create(username="bench", email="bench@example.org")
    # The roles decide what a person sees (issue 17): the reader holds the shipped role a member
    # gets, as ``user_create`` gives it (without it the views answer nothing).
    reader.roles.set([shipped_role(LEGACY_ROLE_KEYS[Role.MEMBER])])
    users = [User.objects.create(username=f"user{i}") for i in range(20)]
    team = Calendar.objects.create(name="Team", owner=users[0], visibility="everyone")
    year = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def rows(calendar: Calendar, owner: User, count: int, prefix: str) -> list[Appointment]:
        out = []
        for i in range(count):
            start = year + dt.timedelta(
                days=rng.randint(0, 364), hours=rng.randint(7, 18), minutes=rng.choice([0, 30])
            )
            out.append(
                Appointment(
                    calendar=calendar,
                    owner=owner,
                    organizer=owner,
                    ical_uid=f"{prefix}-{i}@bench",
                    title=f"{prefix} {i}",
                    start=start,
                    end=start + dt.timedelta(minutes=rng.choice([30, 60, 90])),
                    time_zone="UTC",
                    rrule="FREQ=WEEKLY;COUNT=20" if i % 10 == 0 else "",
                    private=i % 25 == 0,
                )
            )
        for row in out:
            row.series_end = series_end_of(row)
        return out

    with transaction.atomic():
        Appointment.objects.bulk_create(rows(team, users[0], n, "team"), batch_size=2000)
        for user in users:
            own = Calendar.objects.create(name=f"{user.username}", owner=user)
            CalendarShare.objects.create(calendar=own, user=reader, access="read")
            Appointment.objects.bulk_create(rows(own, user, 250, user.username), batch_size=2000)


def naive(calendar_id: int) -> int:
    from rubrica.calendars import ical
    from rubrica.calendars.models import Appointment

    everything = list(Appointment.objects.filter(calendar_id=calendar_id))
    return len(ical.expand_reference(everything, WEEK, WEEK + dt.timedelta(days=7), busy=set()))


def write_docs(engine: str, n: int, rows: list[Row], counts: str, load: str) -> None:
    begin, end = DOCS_BEGIN.format(engine=engine), DOCS_END.format(engine=engine)
    docs = REPO / "docs" / "benchmarks.md"
    text = docs.read_text() if docs.exists() else "# Benchmarks\n"
    lines = [
        begin,
        f"## Calendar views ({engine}, a team calendar of {n:,} appointments, 20 users' calendars)",
        "",
        f"Target: p95 < {TARGET_MS:.0f} ms server time. `bench/calendars_bench.py "
        f"--appointments {n}`, {dt.datetime.now(dt.UTC).date().isoformat()}, load average {load} "
        "(at the start / at the end of the timings) on a 2-core machine: wall times include "
        "waiting for a core, CPU times are this "
        "process's (SQLite runs in it; "
        f"PostgreSQL's own work is not in them). {counts}",
        "",
        "| measure | wall p50 ms | wall p95 ms | CPU p50 ms | CPU p95 ms |",
        "|---|---:|---:|---:|---:|",
        *[
            f"| {name} | {w50:.1f} | {w95:.1f} | {c50:.1f} | {c95:.1f} |"
            for name, w50, w95, c50, c95 in rows
        ],
        "",
        *ratios(rows),
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


def ratios(rows: list[Row]) -> list[str]:
    """Before / after, by p95 (wall and CPU), for each view."""
    by_name = {row[0]: row for row in rows}
    out = []
    for view in ("week", "month"):
        now = next(r for n, r in by_name.items() if n.startswith(view))
        then = next(r for n, r in by_name.items() if n.startswith(f"before: {view}"))
        out.append(
            f"- {view}: p95 before / after = {then[2] / now[2]:.1f}× wall, "
            f"{then[4] / now[4]:.1f}× CPU."
        )
    for view in ("week", "month"):
        now = next(r for n, r in by_name.items() if n.startswith(view))
        default = by_name.get(f"Python's default collector: {view}")
        if default:
            out.append(
                f"- {view}: p95 with Python's default collector / as the server runs "
                f"(rubrica.wsgi.tune_gc) = {default[2] / now[2]:.1f}× wall, "
                f"{default[4] / now[4]:.1f}× CPU."
            )
    naive = by_name["naive: the team calendar expanded whole for the week"]
    week = next(r for n, r in by_name.items() if n.startswith("week"))
    out.append(
        f"- naive / week after, p95: {naive[2] / week[2]:.1f}× wall, {naive[4] / week[4]:.1f}× CPU."
    )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--appointments", type=int, default=5_000)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--database",
        default="rubrica_calendars_bench",
        help="the PostgreSQL database to (re)create for the run",
    )
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
            db.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
            db.execute(f'CREATE DATABASE "{args.database}"')
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    else:
        path = var_dir / f"calendars-{args.appointments}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from rubrica.accounts.models import User
    from rubrica.calendars.models import Calendar

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    seed(args.appointments)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    user = User.objects.get(username="bench")
    team = Calendar.objects.get(name="Team")
    others = list(Calendar.objects.exclude(pk=team.pk).values_list("pk", flat=True))
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    client.force_login(user)
    week = {"start": "2026-06-01T00:00:00", "end": "2026-06-08T00:00:00", "calendars": team.pk}
    month = {
        "start": "2026-06-01T00:00:00",
        "end": "2026-07-13T00:00:00",
        "calendars": ",".join(str(pk) for pk in others),
    }
    sizes = {}

    def fetch(params: dict[str, object], name: str) -> Callable[[], None]:
        def run() -> None:
            response = client.get("/calendar/events.json", params)
            assert response.status_code == 200, response.status_code
            sizes[name] = len(response.json())

        return run

    from rubrica.calendars import selectors

    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    import gc

    # First with Python's own collector (defaults, nothing frozen), then as a server process
    # runs: rubrica.wsgi freezes what start-up made and sets the thresholds (ADR 0041).
    gc.set_threshold(700, 10, 10)
    python_gc = [
        timed("Python's default collector: week", fetch(week, "week"), args.samples),
        timed("Python's default collector: month", fetch(month, "month"), args.samples),
    ]
    from rubrica.wsgi import tune_gc

    tune_gc()
    rows = [
        timed("week of the team calendar (events.json)", fetch(week, "week"), args.samples),
        timed("month of 20 users' calendars (events.json)", fetch(month, "month"), args.samples),
        *python_gc,
    ]
    present = selectors.occurrences
    selectors.occurrences = before_occurrences  # type: ignore[assignment]
    try:
        rows += [
            timed("before: week (events.json)", fetch(week, "week-before"), args.samples),
            timed("before: month (events.json)", fetch(month, "month-before"), args.samples),
        ]
    finally:
        selectors.occurrences = present  # type: ignore[assignment]
    assert sizes["week"] == sizes["week-before"] and sizes["month"] == sizes["month-before"]
    rows.append(
        timed(
            "naive: the team calendar expanded whole for the week",
            lambda: naive(team.pk),
            max(5, args.samples // 4),
        )
    )
    load = f"{load_before} / {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    counts = f"Events answered: {sizes['week']} in the week, {sizes['month']} in the month."
    print(counts, "load", load)
    print(f"{'measure':55} {'wall p50':>9} {'wall p95':>9} {'CPU p50':>8} {'CPU p95':>8}")
    for name, w50, w95, c50, c95 in rows:
        print(f"{name:55} {w50:9.1f} {w95:9.1f} {c50:8.1f} {c95:8.1f}")
    print("\n".join(ratios(rows)))
    if not args.no_docs:
        write_docs(args.engine, args.appointments, rows, counts, load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
