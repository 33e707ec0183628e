"""List-page benchmark: keyset pages of people at a million rows, against OFFSET + COUNT(*).

Run it with ``make bench`` (or ``.venv/bin/python bench/run.py --help``). It seeds N people into a
database of its own (``var/bench/people-N.sqlite3``, or the ``rubrica_bench`` database when
``DATABASE_URL`` points at PostgreSQL), reuses that database on the next run when the row count
matches, then times list pages through the real selector (``ContactFilter.parse`` +
``contact_list``) as an administrator and as a member whose visibility filter applies, through the
web page when it exists, and through a naive OFFSET/COUNT(*) paginator at the same depths. It prints
a table, writes a JSON report and replaces its section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PEOPLE = 1_000_000
QUICK_PEOPLE = 20_000
TARGET_MS = 100.0
PAGE_SIZE = 50
SCENARIO_KEYS = ("name", "stage", "country", "has_email", "tag", "tag_rare")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time list pages of people (keyset) against OFFSET + COUNT(*) pagination."
    )
    parser.add_argument("--people", type=int, default=None, help="rows to seed (1,000,000)")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: {QUICK_PEOPLE:,} people, fewer samples"
    )
    parser.add_argument("--reseed", action="store_true", help="seed again even if the row count")
    parser.add_argument("--samples", type=int, default=None, help="keyset pages per scenario (200)")
    parser.add_argument(
        "--baseline-samples",
        type=int,
        default=None,
        help="OFFSET pages per scenario, at depths taken from the keyset samples (50)",
    )
    parser.add_argument("--batch", type=int, default=10_000, help="people per seeding transaction")
    parser.add_argument("--no-http", action="store_true", help="skip the web page measurements")
    parser.add_argument(
        "--languages",
        default="en",
        help="web pages measured in each of these languages, in the same run (issue 14: a "
        "page's server time must not grow with the language; `make bench` passes en,it,fa); "
        "the first fills the main table",
    )
    parser.add_argument(
        "--scenarios", default="", help=f"comma-separated subset of: {', '.join(SCENARIO_KEYS)}"
    )
    parser.add_argument(
        "--var-dir",
        type=Path,
        default=REPO / "var" / "bench",
        help="where databases and reports go",
    )
    parser.add_argument(
        "--pg-database", default="rubrica_bench", help="database used when DATABASE_URL is postgres"
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=None,
        help="markdown file whose section is replaced (docs/benchmarks.md; not on --quick)",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not write the docs section")
    parser.add_argument("--explain", action="store_true", help="print each scenario's query plan")
    args = parser.parse_args(argv)
    if args.people is None:
        args.people = QUICK_PEOPLE if args.quick else DEFAULT_PEOPLE
    if args.samples is None:
        args.samples = 60 if args.quick else 200
    if args.baseline_samples is None:
        args.baseline_samples = 20 if args.quick else 50
    if args.people < 1 or args.samples < 1 or args.baseline_samples < 0:
        parser.error("--people and --samples must be positive")
    args.scenarios = [key.strip() for key in args.scenarios.split(",") if key.strip()]
    unknown = sorted(set(args.scenarios) - set(SCENARIO_KEYS))
    if unknown:
        parser.error(
            f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIO_KEYS)}"
        )
    if args.docs is None and not args.quick:
        args.docs = REPO / "docs" / "benchmarks.md"
    if args.no_docs:
        args.docs = None
    args.var_dir = args.var_dir.resolve()
    return args


# --- environment, before Django is imported --------------------------------------------------


def _pg_url(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def configure(args: argparse.Namespace) -> str:
    """Point the project's settings at the benchmark database; returns the engine name.

    Only the environment is touched (settings are read through rubrica.env): the app's own
    database and var/ directory are never used."""
    args.var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["RUBRICA_VAR_DIR"] = str(args.var_dir)
    os.environ["DEBUG"] = "false"  # DEBUG would record every query and skew the timings
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
    url = os.environ.get("DATABASE_URL", "").strip()
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        os.environ["DATABASE_URL"] = _pg_url(url, args.pg_database)
        _pg_ensure_database(os.environ["DATABASE_URL"], recreate=False)
        return "postgresql"
    if url and not url.startswith("sqlite"):
        raise SystemExit(f"bench: unsupported DATABASE_URL scheme in {url.split(':')[0]!r}")
    os.environ["DATABASE_URL"] = f"sqlite:///{_sqlite_path(args)}"
    return "sqlite"


def _sqlite_path(args: argparse.Namespace) -> Path:
    return args.var_dir / f"people-{args.people}.sqlite3"


def _pg_ensure_database(url: str, *, recreate: bool) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --- measurement helpers ----------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Figures:
    samples: int = 0
    p50_ms: float = float("nan")
    p95_ms: float = float("nan")
    max_ms: float = float("nan")

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Figures:
        if not seconds:
            return cls()
        ms = [value * 1000 for value in seconds]
        return cls(len(ms), percentile(ms, 0.50), percentile(ms, 0.95), max(ms))


@dataclass
class Scenario:
    key: str
    title: str
    params: dict[str, str]


@dataclass
class Result:
    scenario: str
    title: str
    user: str
    matches: int
    keyset: Figures
    http: Figures | None
    baseline: Figures
    max_depth: int
    plan: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Under the target through the selector and, when measured, as a web page."""
        web_ok = self.http is None or self.http.p95_ms < TARGET_MS
        return self.keyset.p95_ms < TARGET_MS and web_ok

    @property
    def ratio_p95(self) -> float:
        return self.keyset.p95_ms / self.baseline.p95_ms if self.baseline.samples else float("nan")


def scenarios(ref: Any) -> list[Scenario]:
    tags = ref.tags
    return [
        Scenario("name", "by name, no filter", {"sort": "name"}),
        Scenario("stage", "stage = Customer, by name", {"stage": str(ref.stages["Customer"])}),
        Scenario(
            "country", "country = Italy, by -updated", {"country": "Italy", "sort": "-updated"}
        ),
        Scenario("has_email", "has email, by name", {"has_email": "true", "sort": "name"}),
        Scenario("tag", "tag = conference (~6%), by name", {"tag": str(tags["conference"])}),
        Scenario("tag_rare", "tag = investor (~0.2%), by name", {"tag": str(tags["investor"])}),
    ]


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    value = call()
    return time.perf_counter() - began, value


class Bench:
    def __init__(self, args: argparse.Namespace, engine: str) -> None:
        self.args = args
        self.engine = engine
        # Walks of up to ten pages; at least two, so that even a tiny run pages deep in the list.
        self.walks = min(20, max(2, args.samples // 10), args.samples)
        self.pages_per_walk = max(1, args.samples // self.walks)

    # The list a user sees, as the selector builds it, for the setup steps (not timed).
    def _queryset(self, user: Any, params: dict[str, str]) -> tuple[Any, tuple[str, ...]]:
        from rubrica.contacts.filters import ContactFilter
        from rubrica.contacts.models import Contact
        from rubrica.core.models import Action

        flt, errors = ContactFilter.parse(params)
        if errors:
            raise SystemExit(f"bench: filter {params} is invalid: {errors}")
        return flt.apply(Contact.objects.restrict(user, Action.VIEW)), flt.order

    def start_cursors(self, user: Any, params: dict[str, str]) -> tuple[int, list[tuple[int, Any]]]:
        """(matches, [(depth, cursor)]) for walks starting evenly through the whole list.

        A cursor at depth d is the one a person gets after paging through d rows: it carries the
        sort values of row d-1, encoded the way keyset_page encodes them."""
        from rubrica.core.pagination import _encode

        qs, order = self._queryset(user, params)
        names = [term.lstrip("-") for term in order]
        total = qs.count()
        depths = sorted({(index * total) // self.walks for index in range(self.walks)})
        wanted = {depth - 1: depth for depth in depths if depth > 0}
        starts: list[tuple[int, Any]] = [(0, None)] if 0 in depths else []
        if wanted:
            rows = qs.order_by(*order).values_list(*names).iterator(chunk_size=20_000)
            for index, row in enumerate(rows):
                if index in wanted:
                    starts.append((wanted[index], _encode(list(row), "next")))
                    if len(starts) == len(depths):
                        break
        return total, starts

    def keyset(
        self, user: Any, params: dict[str, str], starts: list[tuple[int, Any]]
    ) -> tuple[list[float], list[tuple[int, Any]]]:
        """Time pages through the selector, walking next cursors from each start."""
        from rubrica.contacts.filters import ContactFilter
        from rubrica.contacts.selectors import contact_list

        def page(cursor: Any) -> Any:
            flt, _errors = ContactFilter.parse(params)
            return contact_list(user=user, flt=flt, cursor=cursor, size=PAGE_SIZE)

        for _depth, cursor in starts[:3]:  # warm the caches once, untimed
            page(cursor)
        seconds: list[float] = []
        visited: list[tuple[int, Any]] = []
        for depth, cursor in starts:
            for step in range(self.pages_per_walk):
                elapsed, result = timed(partial(page, cursor))
                seconds.append(elapsed)
                visited.append((depth + step * PAGE_SIZE, cursor))
                if result.next_cursor is None:
                    break
                cursor = result.next_cursor
        return seconds, visited

    def baseline(self, user: Any, params: dict[str, str], depths: list[int]) -> list[float]:
        """The classic paginator: COUNT(*) for the page count, then OFFSET/LIMIT."""
        from rubrica.contacts.filters import ContactFilter
        from rubrica.contacts.models import Contact
        from rubrica.core.models import Action

        def page(offset: int) -> list[Any]:
            flt, _errors = ContactFilter.parse(params)
            qs = flt.apply(Contact.objects.restrict(user, Action.VIEW))
            qs = qs.select_related("stage", "owner", "organization").prefetch_related("tags")
            qs = qs.order_by(*flt.order)
            qs.count()
            return list(qs[offset : offset + PAGE_SIZE])

        page(0)
        return [timed(partial(page, offset))[0] for offset in depths]

    def http(
        self,
        user: Any,
        params: dict[str, str],
        visited: list[tuple[int, Any]],
        language: str = "en",
    ) -> list[float]:
        """The full web page (middleware, session, template), server side, in-process, in
        ``language`` (the browser's Accept-Language: the bench users chose none)."""
        from django.test import Client
        from django.urls import reverse

        client = Client(SERVER_NAME="localhost", HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        url = reverse("contacts:list")

        def get(cursor: Any) -> None:
            query = {**params, "size": str(PAGE_SIZE)}
            if cursor:
                query["cursor"] = cursor
            response = client.get(f"{url}?{urlencode(query)}")
            if response.status_code != 200:
                raise SystemExit(f"bench: {url} answered {response.status_code} for {query}")

        for _depth, cursor in visited[:3]:
            get(cursor)
        return [timed(partial(get, cursor))[0] for _depth, cursor in visited]

    def plan(self, user: Any, params: dict[str, str], cursor: Any) -> list[str]:
        """The query plan of the page query at ``cursor`` (EXPLAIN [QUERY PLAN]), with the
        query's own parameters bound, as the planner sees them when the page is served."""
        from rubrica.contacts.filters import ContactFilter
        from rubrica.contacts.selectors import contact_list

        flt, _errors = ContactFilter.parse(params)
        return explain_page_query(lambda: contact_list(user=user, flt=flt, cursor=cursor))


def explain_page_query(call: Callable[[], Any]) -> list[str]:
    """Run ``call`` and return the plan of the first query it makes that selects from
    contacts_contact with a LIMIT (the page query)."""
    from django.db import connection

    seen: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call()
    sql, params = next(
        (sql, params)
        for sql, params in seen
        if 'FROM "contacts_contact" ' in sql and "LIMIT" in sql
    )
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    return [str(row[-1]) if connection.vendor == "sqlite" else str(row[0]) for row in rows]


def http_available() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("contacts:list")
    except NoReverseMatch:
        return False
    return True


def collect_static() -> None:
    """Pages link hashed static files from the manifest, as under ``rubrica serve``, which also
    runs collectstatic at every start (into var/bench/static here)."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


# --- database lifecycle -----------------------------------------------------------------------


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def recreate(args: argparse.Namespace, engine: str) -> None:
    from django.db import connection

    connection.close()
    if engine == "sqlite":
        path = _sqlite_path(args)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        _pg_ensure_database(os.environ["DATABASE_URL"], recreate=True)
    migrate()


def seed_meta_path(args: argparse.Namespace, engine: str) -> Path:
    label = f"people-{args.people}" if engine == "sqlite" else f"pg-{args.pg_database}"
    return args.var_dir / f"{label}.seed.json"


def prepare(args: argparse.Namespace, engine: str, console: Any) -> dict[str, Any]:
    """A database holding exactly ``args.people`` seeded people; returns the seeding figures."""
    from bench.seed import analyze, seed_people
    from rubrica.contacts.models import Contact

    migrate()
    meta_path = seed_meta_path(args, engine)
    count = Contact.all_objects.count()
    if count == args.people and meta_path.exists() and not args.reseed:
        meta = json.loads(meta_path.read_text())
        meta["reused"] = True
        console.print(f"Reusing the seeded database ({count:,} people, seeded {meta['date']}).")
        analyze()  # migrations since the last run may have added indexes or statistics
        return meta
    if count:
        console.print(f"Found {count:,} people, want {args.people:,}: seeding again.")
        recreate(args, engine)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    console.print(f"Seeding {args.people:,} people into a fresh database...")
    began = time.perf_counter()
    done = [0]

    def log(rows: int) -> None:  # a line per tenth when the output goes to a log file
        before, done[0] = done[0], done[0] + rows
        if (before * 10) // args.people != (done[0] * 10) // args.people:
            rate = done[0] / (time.perf_counter() - began)
            console.print(f"  {done[0]:,} people, {rate:,.0f}/s")

    with Progress(
        TextColumn("seeding"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("seed", total=args.people)

        def advance(rows: int) -> None:
            progress.advance(task, rows)
            if not console.is_terminal:
                log(rows)

        result = seed_people(args.people, batch=args.batch, progress=advance)
    meta = {
        **asdict(result),
        "rows_per_second": result.rows_per_second,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "reused": False,
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    from django.db import connection

    connection.close()  # measure on a connection with the app's own PRAGMAs
    return meta


# --- machine and report -----------------------------------------------------------------------


def cpu_name() -> str:
    """The processor's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(engine: str) -> dict[str, Any]:
    from django.db import connection

    cpu = cpu_name()
    ram_gb = float("nan")
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    connection.ensure_connection()
    if engine == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]} (pysqlite3, WAL)"
    else:
        version = int(getattr(connection, "pg_version", 0))
        database = f"PostgreSQL {version // 10000}.{version % 10000}"
    import django

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gb": round(ram_gb, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": [round(value, 2) for value in os.getloadavg()],
    }


def _ms(value: float) -> str:
    return "–" if value != value else f"{value:.1f}"  # NaN check


def _ratio(value: float) -> str:
    return "–" if value != value else f"{value:.2g}×"


def print_table(console: Any, results: list[Result], info: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"List pages, {info['people']:,} people, {info['machine']['database']}")
    for name, justify in (
        ("scenario", "left"),
        ("user", "left"),
        ("matches", "right"),
        ("keyset p50", "right"),
        ("p95", "right"),
        ("max", "right"),
        ("web p50", "right"),
        ("web p95", "right"),
        ("OFFSET p50", "right"),
        ("OFFSET p95", "right"),
        ("p95 ratio", "right"),
        ("< 100 ms", "center"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in results:
        ok = r.passed
        table.add_row(
            r.title,
            r.user,
            f"{r.matches:,}",
            _ms(r.keyset.p50_ms),
            _ms(r.keyset.p95_ms),
            _ms(r.keyset.max_ms),
            _ms(r.http.p50_ms) if r.http else "–",
            _ms(r.http.p95_ms) if r.http else "–",
            _ms(r.baseline.p50_ms),
            _ms(r.baseline.p95_ms),
            _ratio(r.ratio_p95),
            "[green]yes[/]" if ok else "[red]NO[/]",
        )
    console.print(table)


def markdown(info: dict[str, Any], results: list[Result]) -> str:
    m = info["machine"]
    seed = info["seed"]
    lines = [
        f"### List pages: {info['engine_title']}, {info['people']:,} people",
        "",
        f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, "
        f"Python {m['python']}, Django {m['django']}, {m['database']}. "
        f"Load average {m['load_before'][0]} before and {m['load_after'][0]} after the run: "
        "other people ran tests on this machine at the same time, so the figures are noisy "
        "(the maxima most of all).",
        "",
        f"Seeding {seed['people']:,} people (plus {seed['emails']:,} emails, "
        f"{seed['phones']:,} phones, {seed['addresses']:,} addresses, "
        f"{seed['taggings']:,} taggings) took {seed['seconds']:.0f} s, "
        f"**{seed['rows_per_second']:,.0f} people/s**, and ANALYZE {seed['analyze_seconds']:.0f} s"
        f" (seeded {seed['date']}). The seeder writes rows in bulk and bypasses the services on "
        "purpose (a million `contact_create` calls would take hours); it fills the same columns "
        "they fill. So this is a bulk-load rate, not an import speed.",
        "",
        f"Each row: {info['samples']} keyset pages of {PAGE_SIZE} through "
        "`ContactFilter.parse` + `contact_list` (walks of next cursors starting evenly through "
        "the whole list, the first at page one), the same pages as full web pages "
        "(`contacts:list`, server time through the test client, when the page exists), and "
        f"{info['baseline_samples']} pages of a naive paginator (`COUNT(*)` + `OFFSET`) at depths "
        "taken from the keyset samples. Times in ms; the ratio is keyset p95 / OFFSET p95. "
        f"Target: p95 < {TARGET_MS:.0f} ms.",
        "",
        "| scenario | user | matches | keyset p50 | p95 | max | web p50 | web p95 | OFFSET p50 "
        "| OFFSET p95 | ratio | < 100 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for r in results:
        ok = r.passed
        lines.append(
            f"| {r.title} | {r.user} | {r.matches:,} | {_ms(r.keyset.p50_ms)} "
            f"| {_ms(r.keyset.p95_ms)} | {_ms(r.keyset.max_ms)} "
            f"| {_ms(r.http.p50_ms) if r.http else '–'} | {_ms(r.http.p95_ms) if r.http else '–'} "
            f"| {_ms(r.baseline.p50_ms)} | {_ms(r.baseline.p95_ms)} | {_ratio(r.ratio_p95)} "
            f"| {'yes' if ok else '**no**'} |"
        )
    if not info["http"]:
        lines += ["", "The web list page did not exist yet when this ran; its columns are empty."]
    lines += language_lines(info)
    lines.append("")
    return "\n".join(lines)


def language_lines(info: dict[str, Any]) -> list[str]:
    """The same web pages in each language of the run, one after the other (issue 14)."""
    rows = info.get("by_language") or []
    if not rows:
        return []
    languages = info["languages"]
    lines = [
        "",
        "The same web pages in each language, in the same run (p50 / p95 ms): the catalogues, "
        "the locale's formats and, in Persian, the right-to-left stylesheet and Persian digits.",
        "",
        "| scenario | user | " + " | ".join(languages) + " |",
        "| --- | --- | " + " | ".join("---:" for _code in languages) + " |",
    ]
    for row in rows:
        web = row["web"]
        cells = " | ".join(
            f"{_ms(web[code]['p50_ms'])} / {_ms(web[code]['p95_ms'])}" for code in languages
        )
        lines.append(f"| {row['scenario']} | {row['user']} | {cells} |")
    return lines


DOCS_HEADER = """# Benchmarks

Figures from `make bench` (the list-page benchmark in `bench/run.py`; see `bench/README.md`).
Each run replaces its own section below, between the `bench:` markers; do not edit inside them.
Targets are in `DESIGN.md` ("Performance targets"). They are measured on a shared machine, so read
them as orders of magnitude, and compare each figure with the baseline measured in the same run.

"""


def write_docs(path: Path, engine: str, text: str) -> None:
    begin, end = (
        f"<!-- bench:list-pages:{engine}:begin -->",
        f"<!-- bench:list-pages:{engine}:end -->",
    )
    block = f"{begin}\n{text}{end}\n"
    current = path.read_text() if path.exists() else DOCS_HEADER
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        _old, tail = rest.split(end, 1)
        updated = head + block + tail.lstrip("\n")
    else:
        updated = current.rstrip("\n") + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated)


# --- main -------------------------------------------------------------------------------------


def _only_first(argv: list[str]) -> list[str]:
    """``make bench BENCH_ARGS="--only NAME"`` puts ``--only`` after ``--languages en,it,fa``:
    move it first, and keep ``--languages`` only for the benchmarks that take it (the list pages
    and search)."""
    for index, arg in enumerate(argv):
        if arg == "--only" and index + 1 < len(argv):
            name, rest = argv[index + 1], argv[:index] + argv[index + 2 :]
            break
        if arg.startswith("--only="):
            name, rest = arg.split("=", 1)[1], argv[:index] + argv[index + 1 :]
            break
    else:
        return argv
    if name != "search":
        kept: list[str] = []
        skip = False
        for arg in rest:
            if skip:
                skip = False
            elif arg == "--languages":
                skip = True
            elif not arg.startswith("--languages="):
                kept.append(arg)
        rest = kept
    return ["--only", name, *rest]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    argv = _only_first(argv)
    if argv[:2] == ["--only", "search"] or argv[:1] == ["--only=search"]:
        # The search benchmark (bench/search_bench.py), on the same databases.
        sys.path.insert(0, str(REPO))
        from bench.search_bench import main as search_main

        return search_main(argv[2:] if argv[0] == "--only" else argv[1:])
    if argv[:2] == ["--only", "import"] or argv[:1] == ["--only=import"]:
        # The import benchmark (bench/import_bench.py): vCards/s, CSV rows/s, peak RSS.
        sys.path.insert(0, str(REPO))
        from bench.import_bench import main as import_main

        return import_main(argv[2:] if argv[0] == "--only" else argv[1:])
    if argv[:2] == ["--only", "fidelity"] or argv[:1] == ["--only=fidelity"]:
        # vCard round-trip fidelity (bench/vcard_fidelity.py): real exports imported and
        # exported back, property by property.
        sys.path.insert(0, str(REPO))
        from bench.vcard_fidelity import main as fidelity_main

        return fidelity_main(argv[2:] if argv[0] == "--only" else argv[1:])
    if argv[:2] == ["--only", "tasks"] or argv[:1] == ["--only=tasks"]:
        # The "My tasks" benchmark (bench/tasks_bench.py).
        from bench.tasks_bench import main as tasks_main

        return tasks_main(argv[2:] if argv[0] == "--only" else argv[1:])
    if argv[:2] == ["--only", "dedup"] or argv[:1] == ["--only=dedup"]:
        # The duplicate-scan benchmark (bench/dedup_bench.py): precision, recall, F1, time.
        sys.path.insert(0, str(REPO))
        from bench.dedup_bench import main as dedup_main

        return dedup_main(argv[2:] if argv[0] == "--only" else argv[1:])
    args = parse_args(argv)
    sys.path.insert(0, str(REPO))
    engine = configure(args)
    import django

    django.setup()
    from rich.console import Console

    from bench.seed import BENCH_ADMIN, BENCH_MEMBER, reference_data

    console = Console(width=max(shutil.get_terminal_size().columns, 160))
    seed = prepare(args, engine, console)
    from rubrica.wsgi import tune_gc

    # Measured as a server process runs the pages: start-up frozen, the server's collector
    # thresholds (ADR 0041), after the seeding's garbage is gone.
    gc_threshold = tune_gc()
    info: dict[str, Any] = {
        "gc_threshold": list(gc_threshold),
        "engine": engine,
        "engine_title": "SQLite" if engine == "sqlite" else "PostgreSQL",
        "people": args.people,
        "samples": args.samples,
        "baseline_samples": args.baseline_samples,
        "page_size": PAGE_SIZE,
        "seed": seed,
        "machine": machine(engine),
        "http": http_available() and not args.no_http,
    }
    if info["http"]:
        collect_static()
    ref = reference_data()
    users = {BENCH_ADMIN: ref.admin, BENCH_MEMBER: ref.member}
    bench = Bench(args, engine)
    results: list[Result] = []
    languages = [code.strip() for code in args.languages.split(",") if code.strip()] or ["en"]
    info["languages"] = languages
    by_language: list[tuple[str, str, dict[str, Figures]]] = []
    chosen = [s for s in scenarios(ref) if not args.scenarios or s.key in args.scenarios]
    for scenario in chosen:
        for label, user in users.items():
            role = "admin" if label == BENCH_ADMIN else "member"
            matches, starts = bench.start_cursors(user, scenario.params)
            seconds, visited = bench.keyset(user, scenario.params, starts)
            step = max(1, len(visited) // max(args.baseline_samples, 1))
            depths = [depth for depth, _cursor in visited[::step]][: args.baseline_samples]
            baseline = bench.baseline(user, scenario.params, depths) if depths else []
            http = None
            if info["http"]:
                http = bench.http(user, scenario.params, visited, languages[0])
            if info["http"] and len(languages) > 1:
                figures = {languages[0]: Figures.of(http or [])}
                for language in languages[1:]:
                    figures[language] = Figures.of(
                        bench.http(user, scenario.params, visited, language)
                    )
                by_language.append((scenario.title, role, figures))
            deepest = max(starts, key=lambda start: start[0])
            result = Result(
                scenario=scenario.key,
                title=scenario.title,
                user=role,
                matches=matches,
                keyset=Figures.of(seconds),
                http=Figures.of(http) if http is not None else None,
                baseline=Figures.of(baseline),
                max_depth=max((depth for depth, _c in visited), default=0),
                plan=bench.plan(user, scenario.params, deepest[1]),
            )
            results.append(result)
            console.print(
                f"  {scenario.title} ({role}): keyset p95 {_ms(result.keyset.p95_ms)} ms, "
                f"OFFSET p95 {_ms(result.baseline.p95_ms)} ms"
                + (f", web p95 {_ms(result.http.p95_ms)} ms" if result.http else "")
            )
            if args.explain:
                for line in result.plan:
                    console.print(f"      {line}", style="dim", markup=False, highlight=False)
    info["machine"]["load_after"] = [round(value, 2) for value in os.getloadavg()]
    info["by_language"] = [
        {"scenario": title, "user": role, "web": {code: asdict(f) for code, f in figures.items()}}
        for title, role, figures in by_language
    ]
    for title, role, figures in by_language:
        console.print(
            f"  {title} ({role}) web p50/p95 by language: "
            + ", ".join(f"{code} {_ms(f.p50_ms)}/{_ms(f.p95_ms)} ms" for code, f in figures.items())
        )
    print_table(console, results, info)
    console.print(
        f"Seeding: {seed['people']:,} people in {seed['seconds']:.1f} s "
        f"({seed['rows_per_second']:,.0f} people/s; bulk inserts that bypass the services on "
        f"purpose), ANALYZE {seed['analyze_seconds']:.1f} s"
        + (" — reused from an earlier run" if seed.get("reused") else "")
    )
    if not info["http"]:
        console.print("The web list page (contacts:list) is not there: web columns skipped.")
    report = {
        **info,
        "results": [{**asdict(r), "ratio_p95": r.ratio_p95, "passed": r.passed} for r in results],
    }
    report_path = args.var_dir / f"list-pages-{engine}-{args.people}.json"
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    console.print(f"Report: {report_path}")
    if args.docs is not None:
        write_docs(args.docs, engine, markdown(info, results))
        console.print(f"Docs: {args.docs}")
    missed = [f"{r.title} ({r.user})" for r in results if not r.passed]
    if missed:
        console.print(f"[red]Over the {TARGET_MS:.0f} ms p95 target:[/] {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
