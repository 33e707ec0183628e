"""Search benchmark: ``rubrica.search.query`` and the navbar suggestions at a million people,
beside a naive ``LIKE '%q%'`` scan measured in the same run.

Run it with ``make bench BENCH_ARGS="--only search"`` (or ``python bench/search_bench.py --help``).
It reuses the list-page benchmark's database and seeding (``bench/run.py``: the same
``var/bench/people-N.sqlite3`` or ``rubrica_bench`` on PostgreSQL), builds the search index with
``rubrica.search.reindex`` when the index does not hold every person (that build is timed: the
"index build time"), measures the index's size, then times queries of six kinds drawn from the
seeded people:

    prefix    the first 3–5 characters of a given or family name (or of a Chinese full name)
    email     4–6 characters from inside the local part of a person's email address
    phone     4–7 consecutive digits of a person's phone number
    typo      a family name of 5+ letters with one or two edits (the typo-tolerant pass)
    pinyin    the pinyin of a Chinese person's full name ("wang xiaoming" or "wangxiaoming")
    short     1–2 characters, as the navbar box sends them while someone starts typing

Each query goes through ``search.query(user, q, limit=20)`` as an administrator and as a member
whose visibility filter applies, and through the suggestions view (``search:suggest``, server
time through ``django.test.Client``) as the member. The baseline is the search a developer writes
first: ``icontains`` (``LIKE '%q%'``) on ``display_name``, ``primary_email`` and ``primary_phone``
of the visible people, 20 by name, over the same table and queries (fewer of them: it scans).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.run import (  # noqa: E402
    DEFAULT_PEOPLE,
    QUICK_PEOPLE,
    Figures,
    _ms,
    _ratio,
    configure,
    machine,
    prepare,
)

TARGET_MS = 50.0
LIMIT = 20
KINDS = ("prefix", "email", "phone", "typo", "pinyin", "short")
KIND_TITLES = {
    "prefix": "name prefix (3–5 chars)",
    "email": "email fragment",
    "phone": "phone digits (4–7)",
    "typo": "misspelled family name",
    "pinyin": "pinyin of a Chinese name",
    "short": "1–2 chars (as typed)",
}
SEED = 20_261_122


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time search queries and suggestions against a LIKE '%%q%%' scan."
    )
    parser.add_argument("--people", type=int, default=None, help="rows to seed (1,000,000)")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: {QUICK_PEOPLE:,} people, fewer queries"
    )
    parser.add_argument("--queries", type=int, default=None, help="queries per kind (200)")
    parser.add_argument(
        "--baseline-queries",
        type=int,
        default=None,
        help="LIKE '%%q%%' queries per kind and user, the first of the same queries (20)",
    )
    parser.add_argument("--reindex", action="store_true", help="rebuild the index even if full")
    parser.add_argument("--no-http", action="store_true", help="skip the suggestion view timings")
    parser.add_argument(
        "--languages",
        default="en",
        help="the suggestions are timed in each of these languages (Accept-Language), in the "
        "same run (issue 14: server time must not grow with the language); the first fills the "
        "main table",
    )
    parser.add_argument(
        "--kinds", default="", help=f"comma-separated subset of: {', '.join(KINDS)}"
    )
    parser.add_argument("--batch", type=int, default=10_000, help="people per seeding transaction")
    parser.add_argument("--reseed", action="store_true", help="seed again even if the row count")
    parser.add_argument(
        "--var-dir", type=Path, default=REPO / "var" / "bench", help="databases and reports"
    )
    parser.add_argument(
        "--pg-database", default="rubrica_bench", help="database used when DATABASE_URL is postgres"
    )
    parser.add_argument(
        "--docs", type=Path, default=None, help="markdown file whose section is replaced"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not write the docs section")
    parser.add_argument("--explain", action="store_true", help="print slow queries' plans")
    args = parser.parse_args(argv)
    if args.people is None:
        args.people = QUICK_PEOPLE if args.quick else DEFAULT_PEOPLE
    if args.queries is None:
        args.queries = 30 if args.quick else 200
    if args.baseline_queries is None:
        args.baseline_queries = 5 if args.quick else 20
    if args.people < 1 or args.queries < 1 or args.baseline_queries < 0:
        parser.error("--people and --queries must be positive")
    args.kinds = [key.strip() for key in args.kinds.split(",") if key.strip()] or list(KINDS)
    unknown = sorted(set(args.kinds) - set(KINDS))
    if unknown:
        parser.error(f"unknown kind {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    if args.docs is None and not args.quick:
        args.docs = REPO / "docs" / "benchmarks.md"
    if args.no_docs:
        args.docs = None
    args.var_dir = args.var_dir.resolve()
    # What bench.run.prepare reads.
    args.samples = args.queries
    args.baseline_samples = args.baseline_queries
    return args


# --- the queries ------------------------------------------------------------------------------


def _edit(rng: random.Random, word: str, edits: int) -> str:
    """``word`` with ``edits`` random substitutions, deletions, insertions or swaps of
    neighbours, using letters of the word's own alphabet."""
    letters = sorted(set(word.casefold()) - {" ", "'"}) or ["a"]
    pool = letters + list("aeiourstnl") if word.isascii() else letters
    out = word.casefold()
    while out == word.casefold():  # two edits may undo each other
        out = _edits(rng, out, edits, pool)
    return out


def _edits(rng: random.Random, out: str, edits: int, pool: list[str]) -> str:
    for _ in range(edits):
        at = rng.randrange(1, len(out))  # people get the first letter right
        op = rng.choice(("sub", "del", "ins", "swap"))
        if op == "sub":
            out = out[:at] + rng.choice([c for c in pool if c != out[at]] or pool) + out[at + 1 :]
        elif op == "del" and len(out) > 4:
            out = out[:at] + out[at + 1 :]
        elif op == "swap" and at < len(out) - 1:
            out = out[:at] + out[at + 1] + out[at] + out[at + 2 :]
        else:
            out = out[:at] + rng.choice(pool) + out[at:]
    return out


def make_queries(count: int, people: int, kinds: Sequence[str]) -> dict[str, list[str]]:
    """``count`` queries per kind, each taken from a person drawn at random from the seeded
    ones (deterministic for a database)."""
    from pypinyin import lazy_pinyin

    from bench.seed import FAMILY, GIVEN
    from rubrica.contacts.models import Contact
    from rubrica.search.text import fold, is_cjk

    rng = random.Random(SEED)
    ids = rng.sample(range(1, people + 1), min(people, count * 12))
    rows = list(
        Contact.all_objects.filter(pk__in=ids).values(
            "given_name", "family_name", "display_name", "primary_email", "primary_phone"
        )
    )
    rng.shuffle(rows)
    known = {fold(n) for pool in (*GIVEN.values(), *FAMILY.values()) for name, _ in pool
             for n in name.split()}  # fmt: skip
    out: dict[str, list[str]] = {kind: [] for kind in kinds}

    def add(kind: str, text: str) -> None:
        if kind in out and len(out[kind]) < count and text.strip():
            out[kind].append(text)

    for row in rows:
        display, given, family = row["display_name"], row["given_name"], row["family_name"]
        if is_cjk(display):
            add("prefix", display[: rng.randint(3, 5)])
            syllables = [lazy_pinyin(family), lazy_pinyin(given)]
            joiner = rng.choice((" ", ""))
            add("pinyin", joiner.join("".join(part) for part in syllables))
        else:
            word = rng.choice([w for w in (given, family) if w] or [display])
            add("prefix", word[: rng.randint(3, min(5, max(3, len(word))))])
        add("short", display[: rng.choice((1, 2, 2))])
        local = row["primary_email"].split("@")[0]
        if len(local) >= 6:
            size = rng.randint(4, min(6, len(local) - 2))
            start = rng.randint(1, len(local) - size - 1)
            add("email", local[start : start + size])
        digits = row["primary_phone"].lstrip("+")
        if len(digits) >= 8:
            size = rng.randint(4, 7)
            start = rng.randint(2, len(digits) - size)
            add("phone", digits[start : start + size])
        if len(family) >= 5 and not is_cjk(family):
            for _attempt in range(10):
                typo = _edit(rng, family, rng.choice((1, 1, 2)))
                if fold(typo) not in known and len(typo) >= 4:
                    add("typo", typo)
                    break
    short = {kind: len(values) for kind, values in out.items() if len(values) < count}
    if short:
        print(f"bench: fewer queries than asked for: {short}", file=sys.stderr)
    return out


# --- the index --------------------------------------------------------------------------------


def index_count() -> int:
    from rubrica.search.models import Kind, SearchDocument

    return SearchDocument.objects.filter(kind=Kind.CONTACT).count()


def index_size(engine: str) -> dict[str, int]:
    """Bytes per search table and index. PostgreSQL: pg_relation_size (heap, TOAST, indexes).
    SQLite (whose build here has no dbstat): the bytes of the FTS5 tables' segments and of the
    documents' and words' text, a lower bound of the pages they fill; the growth of the file
    during the build is in the build figures."""
    from django.db import connection

    sizes: dict[str, int] = {}
    with connection.cursor() as cursor:
        if engine == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE %s"
                " AND (name LIKE %s OR name LIKE %s)",
                ["search_fts_%", "%_data", "%_idx"],
            )
            for (table,) in cursor.fetchall():
                column = "block" if table.endswith("_data") else "term"
                cursor.execute(f'SELECT COALESCE(SUM(LENGTH("{column}")), 0) FROM "{table}"')
                sizes[table] = int(cursor.fetchone()[0])
            columns = " + ".join(
                f"COALESCE(LENGTH(CAST({c} AS BLOB)), 0)"
                for c in ("name", "email", "phone", "org", "tag", "other", "body")
            )
            cursor.execute(f"SELECT COALESCE(SUM({columns}), 0) FROM search_searchdocument")
            sizes["search_searchdocument (text)"] = int(cursor.fetchone()[0])
            cursor.execute(
                "SELECT COALESCE(SUM(LENGTH(CAST(word AS BLOB))), 0) FROM search_searchword"
            )
            sizes["search_searchword (text)"] = int(cursor.fetchone()[0])
        else:
            cursor.execute(
                "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relname LIKE %s"
                " AND c.relkind IN ('r', 'i')",
                ["search%"],
            )
            sizes = {name: int(size) for name, size in cursor.fetchall()}
            cursor.execute(
                "SELECT c.relname, pg_total_relation_size(c.reltoastrelid) FROM pg_class c"
                " WHERE c.relname IN ('search_searchdocument', 'search_searchword')"
                " AND c.reltoastrelid <> 0"
            )
            for name, size in cursor.fetchall():
                sizes[f"{name} (TOAST)"] = int(size)
    return sizes


def _growth(before: int | None, after: int | None) -> int | None:
    return None if before is None or after is None else after - before


def _file_bytes(args: argparse.Namespace, engine: str) -> int | None:
    from bench.run import _sqlite_path

    if engine != "sqlite":
        return None
    path = _sqlite_path(args)
    return sum(
        Path(f"{path}{suffix}").stat().st_size
        for suffix in ("", "-wal")
        if Path(f"{path}{suffix}").exists()
    )


def build_index(args: argparse.Namespace, engine: str, console: Any) -> dict[str, Any]:
    """The index as ``rubrica search reindex`` builds it; timed when (re)built here."""
    from django.db import connection

    from bench.seed import analyze
    from rubrica import search

    meta_path = args.var_dir / (
        f"search-index-people-{args.people}.json"
        if engine == "sqlite"
        else f"search-index-pg-{args.pg_database}.json"
    )
    present = index_count()
    if present == args.people and meta_path.exists() and not args.reindex:
        meta = json.loads(meta_path.read_text())
        meta["reused"] = True
        console.print(f"Reusing the search index ({present:,} documents, built {meta['date']}).")
        return meta
    console.print(f"Building the search index for {args.people:,} people...")
    file_before = _file_bytes(args, engine)
    began = time.perf_counter()
    marks = [0]

    def progress(done: int, total: int) -> None:
        if total and (marks[0] * 10) // total != (done * 10) // total:
            rate = done / max(time.perf_counter() - began, 1e-9)
            console.print(f"  {done:,}/{total:,} documents, {rate:,.0f}/s")
        marks[0] = done

    documents = search.reindex(progress)
    seconds = time.perf_counter() - began
    analyze_began = time.perf_counter()
    analyze()
    analyze_seconds = time.perf_counter() - analyze_began
    if engine == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    meta = {
        "documents": documents,
        "seconds": seconds,
        "documents_per_second": documents / seconds if seconds else 0.0,
        "analyze_seconds": analyze_seconds,
        "file_growth": _growth(file_before, _file_bytes(args, engine)),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": [round(value, 2) for value in os.getloadavg()],
        "reused": False,
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    connection.close()
    return meta


# --- timing -----------------------------------------------------------------------------------


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    value = call()
    return time.perf_counter() - began, value


def baseline_query(user: Any, text: str) -> list[Any]:
    """The naive search: LIKE '%q%' on three columns of the visible people, 20 by name."""
    from django.db.models import Q

    from rubrica.contacts.models import Contact
    from rubrica.core.models import Action

    qs = Contact.objects.restrict(user, Action.VIEW).filter(
        Q(display_name__icontains=text)
        | Q(primary_email__icontains=text)
        | Q(primary_phone__icontains=text)
    )
    return list(qs.order_by("sort_name", "id").values_list("pk", "display_name")[:LIMIT])


@dataclass
class Row:
    kind: str
    user: str
    queries: int
    search: Figures
    found: float  # share of queries with at least one hit
    baseline: Figures
    baseline_found: float
    suggest: Figures | None

    @property
    def passed(self) -> bool:
        ok = self.search.p95_ms < TARGET_MS
        return ok and (self.suggest is None or self.suggest.p95_ms < TARGET_MS)

    @property
    def ratio_p95(self) -> float:
        return self.search.p95_ms / self.baseline.p95_ms if self.baseline.samples else float("nan")


def time_search(user: Any, texts: list[str]) -> tuple[list[float], float]:
    from rubrica import search

    for text in texts[:3]:  # warm up, untimed
        search.query(user, text, limit=LIMIT)
    seconds, found = [], 0
    for text in texts:
        elapsed, hits = timed(partial(search.query, user, text, limit=LIMIT))
        seconds.append(elapsed)
        found += bool(hits)
    return seconds, found / max(len(texts), 1)


def time_baseline(user: Any, texts: list[str]) -> tuple[list[float], float]:
    seconds, found = [], 0
    for text in texts:
        elapsed, rows = timed(partial(baseline_query, user, text))
        seconds.append(elapsed)
        found += bool(rows)
    return seconds, found / max(len(texts), 1)


def time_suggest(user: Any, texts: list[str], language: str = "en") -> list[float]:
    from django.test import Client
    from django.urls import reverse

    client = Client(SERVER_NAME="localhost", HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    url = reverse("search:suggest")

    def get(text: str) -> None:
        response = client.get(f"{url}?{urlencode({'q': text})}")
        if response.status_code != 200:
            raise SystemExit(f"bench: {url} answered {response.status_code} for {text!r}")

    for text in texts[:3]:
        get(text)
    return [timed(partial(get, text))[0] for text in texts]


# --- report -----------------------------------------------------------------------------------


def _size(value: int) -> str:
    return f"{value / 1024 / 1024:,.0f} MB"


def print_table(console: Any, rows: list[Row], info: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"Search, {info['people']:,} people, {info['machine']['database']}")
    for name in ("kind", "user", "p50", "p95", "max", "found", "LIKE p50", "LIKE p95",
                 "ratio", "suggest p50", "suggest p95", "< 50 ms"):  # fmt: skip
        table.add_column(name, justify="left" if name in ("kind", "user") else "right")
    for r in rows:
        table.add_row(
            KIND_TITLES[r.kind],
            r.user,
            _ms(r.search.p50_ms),
            _ms(r.search.p95_ms),
            _ms(r.search.max_ms),
            f"{r.found:.0%}",
            _ms(r.baseline.p50_ms),
            _ms(r.baseline.p95_ms),
            _ratio(r.ratio_p95),
            _ms(r.suggest.p50_ms) if r.suggest else "–",
            _ms(r.suggest.p95_ms) if r.suggest else "–",
            "[green]yes[/]" if r.passed else "[red]NO[/]",
        )
    console.print(table)


def markdown(info: dict[str, Any], rows: list[Row]) -> str:
    m, index, seed = info["machine"], info["index"], info["seed"]
    sizes = info["index_size"]
    total = sum(sizes.values())
    detail = ", ".join(f"`{name}` {_size(size)}" for name, size in sorted(sizes.items()) if size)
    lines = [
        f"### Search: {info['engine_title']}, {info['people']:,} people",
        "",
        f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, "
        f"Python {m['python']}, Django {m['django']}, {m['database']}. Load average "
        f"{m['load_before'][0]} before and {m['load_after'][0]} after the run (other people's "
        "tests ran on the machine at the same time).",
        "",
        f"People seeded in bulk by `bench/seed.py` ({seed['date']}). Index: "
        f"{index['documents']:,} documents built by `rubrica.search.reindex` in "
        f"**{index['seconds']:.0f} s** ({index['documents_per_second']:,.0f} documents/s, "
        f"load average {index['load'][0]} at the end; ANALYZE {index['analyze_seconds']:.0f} s, "
        f"built {index['date']}); size **{_size(total)}** ({detail})"
        + (
            f"; the database file grew by **{_size(index['file_growth'])}** during the build."
            if index.get("file_growth")
            else "."
        ),
        "",
        f"{info['queries']} queries per kind, drawn from seeded people, through "
        f"`search.query(user, q, limit={LIMIT})`; suggestions: the same queries through the "
        "`search:suggest` view as the member (server time, test client). Baseline: `icontains` "
        f"(`LIKE '%q%'`) on display name, primary email and phone, {LIMIT} by name, over the "
        f'first {info["baseline_queries"]} queries of each kind. "found": queries with at '
        f"least one result. Times in ms; target p95 < {TARGET_MS:.0f} ms.",
        "",
        "| kind | user | p50 | p95 | max | found | LIKE p50 | LIKE p95 | LIKE found | ratio "
        "| suggest p50 | suggest p95 | < 50 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| :---: |",
    ]
    for r in rows:
        lines.append(
            f"| {KIND_TITLES[r.kind]} | {r.user} | {_ms(r.search.p50_ms)} "
            f"| {_ms(r.search.p95_ms)} | {_ms(r.search.max_ms)} | {r.found:.0%} "
            f"| {_ms(r.baseline.p50_ms)} | {_ms(r.baseline.p95_ms)} | {r.baseline_found:.0%} "
            f"| {_ratio(r.ratio_p95)} "
            f"| {_ms(r.suggest.p50_ms) if r.suggest else '–'} "
            f"| {_ms(r.suggest.p95_ms) if r.suggest else '–'} "
            f"| {'yes' if r.passed else '**no**'} |"
        )
    lines.append("")
    by_language = info.get("by_language") or {}
    if by_language:
        languages = info["languages"]
        lines += [
            "Suggestions by language (member, the same queries with each `Accept-Language`, in "
            "the same run), p50 / p95 ms:",
            "",
            "| kind | " + " | ".join(languages) + " |",
            "| --- | " + " | ".join("---:" for _code in languages) + " |",
        ]
        for kind, figures in by_language.items():
            lines.append(
                f"| {KIND_TITLES[kind]} | "
                + " | ".join(
                    f"{_ms(figures[code]['p50_ms'])} / {_ms(figures[code]['p95_ms'])}"
                    for code in languages
                )
                + " |"
            )
        lines.append("")
    return "\n".join(lines)


def write_docs(path: Path, engine: str, text: str) -> None:
    """Replace this engine's search section between its markers (appended when missing)."""
    begin, end = f"<!-- bench:search:{engine}:begin -->", f"<!-- bench:search:{engine}:end -->"
    block = f"{begin}\n{text}{end}\n"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        _old, tail = rest.split(end, 1)
        updated = head + block + tail.lstrip("\n")
    else:
        updated = current.rstrip("\n") + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated)


# --- main -------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    engine = configure(args)
    import django

    django.setup()
    from rich.console import Console

    from bench.run import collect_static
    from bench.seed import BENCH_ADMIN, BENCH_MEMBER, reference_data

    console = Console(width=max(shutil.get_terminal_size().columns, 160))
    seed = prepare(args, engine, console)
    index = build_index(args, engine, console)
    info: dict[str, Any] = {
        "engine": engine,
        "engine_title": "SQLite" if engine == "sqlite" else "PostgreSQL",
        "people": args.people,
        "queries": args.queries,
        "baseline_queries": args.baseline_queries,
        "seed": seed,
        "index": index,
        "index_size": index_size(engine),
        "machine": machine(engine),
        "http": not args.no_http,
    }
    if info["http"]:
        collect_static()
    ref = reference_data()
    users = {"admin": ref.admin, "member": ref.member}
    assert {BENCH_ADMIN, BENCH_MEMBER} == {ref.admin.username, ref.member.username}
    queries = make_queries(args.queries, args.people, args.kinds)
    languages = [code.strip() for code in args.languages.split(",") if code.strip()] or ["en"]
    info["languages"] = languages
    by_language: dict[str, dict[str, Figures]] = {}
    rows: list[Row] = []
    for kind in args.kinds:
        texts = queries[kind]
        for role, user in users.items():
            seconds, found = time_search(user, texts)
            base, base_found = time_baseline(user, texts[: args.baseline_queries])
            suggest = (
                time_suggest(user, texts, languages[0])
                if info["http"] and role == "member"
                else None
            )
            if suggest is not None and len(languages) > 1:
                by_language[kind] = {languages[0]: Figures.of(suggest)}
                for language in languages[1:]:
                    by_language[kind][language] = Figures.of(time_suggest(user, texts, language))
            row = Row(
                kind=kind,
                user=role,
                queries=len(texts),
                search=Figures.of(seconds),
                found=found,
                baseline=Figures.of(base),
                baseline_found=base_found,
                suggest=Figures.of(suggest) if suggest is not None else None,
            )
            rows.append(row)
            console.print(
                f"  {KIND_TITLES[kind]} ({role}): p50 {_ms(row.search.p50_ms)} "
                f"p95 {_ms(row.search.p95_ms)} ms, found {found:.0%}; LIKE p95 "
                f"{_ms(row.baseline.p95_ms)} ms"
                + (f"; suggest p95 {_ms(row.suggest.p95_ms)} ms" if row.suggest else "")
            )
    info["machine"]["load_after"] = [round(value, 2) for value in os.getloadavg()]
    print_table(console, rows, info)
    info["by_language"] = {
        kind: {code: asdict(fig) for code, fig in figures.items()}
        for kind, figures in by_language.items()
    }
    for kind, figures in by_language.items():
        console.print(
            f"  suggest by language, {KIND_TITLES[kind]}: "
            + ", ".join(
                f"{code} p50 {_ms(fig.p50_ms)} / p95 {_ms(fig.p95_ms)} ms"
                for code, fig in figures.items()
            )
        )
    report = {
        **info,
        "query_texts": queries,
        "results": [{**asdict(r), "ratio_p95": r.ratio_p95, "passed": r.passed} for r in rows],
    }
    report_path = args.var_dir / f"search-{engine}-{args.people}.json"
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    console.print(f"Report: {report_path}")
    if args.docs is not None:
        write_docs(args.docs, engine, markdown(info, rows))
        console.print(f"Docs: {args.docs}")
    missed = [f"{KIND_TITLES[r.kind]} ({r.user})" for r in rows if not r.passed]
    if missed:
        console.print(f"[red]Over the {TARGET_MS:.0f} ms p95 target:[/] {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
