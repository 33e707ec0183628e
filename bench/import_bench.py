"""Import benchmark: vCards/s and CSV rows/s end to end through the import job, and peak memory.

Run it with ``.venv/bin/python bench/run.py --only import`` (or ``bench/import_bench.py``) and
``--help``. It writes N generated people as a vCard file of mixed versions (2.1, 3.0, 4.0) and
as an Outlook-style CSV file, then, for each file, starts a fresh process that creates an empty
database (SQLite file under ``var/bench/`` or the ``rubrica_bench_import`` PostgreSQL database
when ``DATABASE_URL`` points at PostgreSQL), stores the upload and runs the import job
(``run_import``: reader, validation by the contact services' own ``_clean``, batched writes of
people, children, tags, affiliations, history entries and search documents, the per-row report)
and reports the wall time of the job and the peak RSS of that process. The naive baseline is
``contact_create`` called once per person on a sample, in the same database. The figures
replace the "Import" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"vcard": 5_000.0, "csv": 10_000.0}
RSS_TARGET_MB = 300.0
GIVEN = [
    "Ada", "Grace", "Alan", "Linus", "Marie", "Zoë", "Giulia", "Marco", "Wei", "Li", "Sara",
    "Omar", "Reza", "Nadia", "José", "Chiara", "Hans", "Yuki", "Priya", "Tomás",
]  # fmt: skip
FAMILY = [
    "Lovelace", "Hopper", "Turing", "Torvalds", "Curie", "Rossi", "Bianchi", "Zhang", "Wang",
    "Ahmadi", "Karimi", "García", "Müller", "Tanaka", "Patel", "O'Brien", "Esposito", "Silva",
]  # fmt: skip
CITIES = ["Milano", "Roma", "Berlin", "Paris", "Tehran", "Beijing", "Austin", "Lisboa"]
ORGS = [f"Company {n}" for n in range(200)]
TAGS = ["vip", "golf", "newsletter", "partner", "lead"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time vCard and CSV imports end to end.")
    parser.add_argument("--people", type=int, default=20_000, help="records per file (20,000)")
    parser.add_argument(
        "--csv-people", type=int, default=None, help="rows of the CSV file (default: --people)"
    )
    parser.add_argument("--formats", default="vcard,csv", help="vcard,csv (both)")
    parser.add_argument("--baseline", type=int, default=300, help="contact_create calls (300)")
    parser.add_argument("--var-dir", type=Path, default=REPO / "var" / "bench")
    parser.add_argument("--pg-database", default="rubrica_bench_import")
    parser.add_argument("--docs", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# Data ---------------------------------------------------------------------------------------


def person(rng: random.Random, n: int) -> dict[str, Any]:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    local = f"{given}.{family}.{n}".lower().replace("'", "").replace(" ", "")
    return {
        "uid": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        "given": given,
        "family": family,
        "email": f"{local}@example.com",
        "email2": f"{local}@work.example" if n % 3 == 0 else "",
        "phone": f"+39 347 {n % 1000:03d} {n % 10000:04d}",
        "city": rng.choice(CITIES),
        "org": rng.choice(ORGS) if n % 2 == 0 else "",
        "tags": rng.sample(TAGS, k=n % 3),
        "note": "Met at the conference; follow up." if n % 5 == 0 else "",
    }


def write_vcards(path: Path, people: int) -> None:
    """People as vCards of mixed versions, as a phone's or a mail client's export brings them:
    one card in three each as 2.1 (bare parameters, quoted-printable UTF-8 for non-ASCII
    names and for the note), 3.0 and 4.0 (``tel:`` URIs, ``PREF=1``)."""
    rng = random.Random(1)
    with open(path, "w", encoding="utf-8", newline="") as out:
        for n in range(people):
            p = person(rng, n)
            version = ("2.1", "3.0", "4.0")[n % 3]
            out.write("\r\n".join(_card(p, n, version)) + "\r\n")


def _qp(text: str) -> str:
    import quopri

    return quopri.encodestring(text.encode()).decode().replace("=\n", "").replace(";", "=3B")


def _card(p: dict[str, Any], n: int, version: str) -> list[str]:
    street = f";;Via Roma {n % 200};{p['city']};;;Italy"
    lines = ["BEGIN:VCARD", f"VERSION:{version}", f"UID:{p['uid']}"]
    if version == "2.1":
        name = f"{p['family']};{p['given']};;;"
        full = f"{p['given']} {p['family']}"
        if not (name + full).isascii():
            qp = ";ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:"
            name = ";".join(_qp(part) for part in name.split(";"))
            lines += [f"N{qp}{name}", f"FN{qp}{_qp(full)}"]
        else:
            lines += [f"N:{name}", f"FN:{full}"]
        lines += [
            f"EMAIL;INTERNET;HOME;PREF:{p['email']}",
            f"TEL;CELL:{p['phone']}",
            f"ADR;HOME:{street}",
        ]
        if p["email2"]:
            lines.append(f"EMAIL;INTERNET;WORK:{p['email2']}")
    elif version == "3.0":
        lines += [
            f"N:{p['family']};{p['given']};;;",
            f"FN:{p['given']} {p['family']}",
            f"EMAIL;TYPE=INTERNET,HOME,pref:{p['email']}",
            f"TEL;TYPE=CELL:{p['phone']}",
            f"ADR;TYPE=HOME:{street}",
        ]
        if p["email2"]:
            lines.append(f"EMAIL;TYPE=INTERNET,WORK:{p['email2']}")
    else:
        lines += [
            f"N:{p['family']};{p['given']};;;",
            f"FN:{p['given']} {p['family']}",
            f"EMAIL;TYPE=home;PREF=1:{p['email']}",
            f"TEL;VALUE=uri;TYPE=cell:tel:{p['phone'].replace(' ', '-')}",
            f"ADR;TYPE=home:{street}",
        ]
        if p["email2"]:
            lines.append(f"EMAIL;TYPE=work:{p['email2']}")
    if p["org"]:
        lines.append(f"ORG:{p['org']};Sales")
    if p["tags"]:
        lines.append("CATEGORIES:" + ",".join(p["tags"]))
    if p["note"]:
        note = p["note"].replace(";", "\\;")
        if version == "2.1":
            lines.append(f"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:{_qp(p['note'])}")
        else:
            lines.append(f"NOTE:{note}")
    lines.append("X-UNKNOWN-PROPERTY;X-PARAM=1:kept verbatim")
    lines.append("END:VCARD")
    return lines


def write_csv(path: Path, people: int) -> None:
    import csv

    rng = random.Random(1)
    header = [
        "First Name", "Last Name", "E-mail Address", "E-mail 2 Address", "Mobile Phone",
        "Home City", "Home Country/Region", "Company", "Categories", "Notes",
    ]  # fmt: skip
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for n in range(people):
            p = person(rng, n)
            row = [p["given"], p["family"], p["email"], p["email2"], p["phone"], p["city"]]
            writer.writerow([*row, "Italy", p["org"], ";".join(p["tags"]), p["note"]])


# Child process: one import into a fresh database ---------------------------------------------


def _pg_url(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _fresh_database(args: argparse.Namespace, tag: str) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg
        from psycopg import sql

        target = _pg_url(url, args.pg_database)
        parts = urlsplit(target)
        admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
        with psycopg.connect(admin, autocommit=True) as conn:
            name = sql.Identifier(args.pg_database)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
        os.environ["DATABASE_URL"] = target
        return "postgresql"
    db = args.var_dir / f"import-{tag}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    return "sqlite"


def child(args: argparse.Namespace) -> None:
    import resource

    fmt, path = args.child.split(":", 1)
    engine = _fresh_database(args, fmt)
    os.environ["RUBRICA_VAR_DIR"] = str(args.var_dir / "import-var")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
    sys.path.insert(0, str(REPO / "src"))
    # Migrations run in their own process, so that this one's peak RSS is the import's.
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "migrate", "--verbosity", "0"], check=True
    )
    import django

    django.setup()
    from rubrica.accounts.models import User
    from rubrica.contacts.models import Contact
    from rubrica.dataio.imports.services import import_start
    from rubrica.dataio.imports.uploads import open_reader, store_upload
    from rubrica.jobs.services import job_run

    user = User.objects.create_user(username="bench", password=None, role="member")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    cpu_started = time.process_time()
    with open(path, "rb") as stream:
        upload = store_upload(actor=user, stream=stream, filename=Path(path).name)
    job = import_start(actor=user, upload=upload, options={}, enqueue=False)
    # The time just to parse the file (the job's reader, every record mapped, nothing written),
    # taken out of the import's own figures.
    parse_started, parse_cpu_started = time.perf_counter(), time.process_time()
    parsed = sum(1 for _record in open_reader(job.params).records())
    parse_seconds = time.perf_counter() - parse_started
    parse_cpu = time.process_time() - parse_cpu_started
    started += parse_seconds
    cpu_started += parse_cpu
    if os.environ.get("IMPORT_BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        job = profiler.runcall(job_run, job.pk)
        profiler.dump_stats(os.environ["IMPORT_BENCH_PROFILE"])
    else:
        children_before = _children_cpu()
        watch = _ReaderWatch()
        watch.start()
        with _DatabaseClock() as clock:
            job = job_run(job.pk)
        watch.stop()
    seconds = time.perf_counter() - started
    reader_cpu = _children_cpu() - children_before
    cpu = time.process_time() - cpu_started + reader_cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    count = Contact.objects.count()
    baseline = _baseline(user, args.baseline)
    print(
        json.dumps(
            {
                "engine": engine,
                "format": fmt,
                "status": job.status,
                "error": job.error,
                "counts": job.result.get("counts"),
                "records": count,
                "seconds": seconds,
                "per_second": count / seconds if seconds else 0.0,
                "cpu_seconds": cpu,
                "per_cpu_second": count / cpu if cpu else 0.0,
                "parsed": parsed,
                "parse_seconds": parse_seconds,
                "parse_per_second": parsed / parse_seconds if parse_seconds else 0.0,
                "parse_cpu_seconds": parse_cpu,
                "peak_rss_mb": rss,
                "reader_cpu_seconds": reader_cpu,
                "database_seconds": clock.seconds,
                "database_seconds_by_table": clock.by_table,
                "reader_peak_rss_mb": watch.peak_mb,
                "reader_peak_pss_mb": watch.peak_pss_mb,
                "rss_before_mb": rss_before,
                "baseline_per_second": baseline,
            }
        )
    )


def _children_cpu() -> float:
    """CPU seconds of this process's ended children (the import's reader process)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _DatabaseClock:
    """Wall time the job's process spends in the database: statements (SQLite's own work, or a
    PostgreSQL round trip with the server's work), commits, and on PostgreSQL each COPY in
    whole (rows handed to psycopg and sent). Per record, it is the floor of one writer however
    fast the Python around it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        #: seconds by what they were spent on: the table a statement or COPY writes (its
        #: triggers included), "(commit)", or "(read)" for the rest
        self.by_table: dict[str, float] = {}
        self._depth = 0
        self._saved: list[tuple[Any, str, Any]] = []

    @staticmethod
    def _label(name: str, args: tuple[Any, ...]) -> str:
        if name == "_commit":
            return "(commit)"
        if name == "_copy_rows":
            return str(args[0]._meta.db_table)
        sql = str(args[1]) if len(args) > 1 else ""
        found = re.match(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', sql, re.I)
        return found.group(1) if found else "(read)"

    def _timed(self, function: Any, name: str) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:  # a statement inside a COPY call is counted once
                    spent = time.perf_counter() - started
                    self.seconds += spent
                    label = self._label(name, args)
                    self.by_table[label] = self.by_table.get(label, 0.0) + spent

        return timed

    def __enter__(self) -> _DatabaseClock:
        from django.db.backends import utils
        from django.db.backends.base.base import BaseDatabaseWrapper

        from rubrica.core import bulk

        for owner, name in (
            (utils.CursorWrapper, "_execute"),
            (BaseDatabaseWrapper, "_commit"),
            (bulk, "_copy_rows"),
        ):
            original = getattr(owner, name)
            self._saved.append((owner, name, original))
            setattr(owner, name, self._timed(original, name))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in self._saved:
            setattr(owner, name, original)


class _ReaderWatch:
    """The peak resident memory (VmHWM) of this process's children while the import runs,
    read from /proc twice a second: the import's reader process, when it has one. A forked
    reader shares its parent's pages until either writes them, and RSS counts shared pages
    in both: ``peak_pss_mb`` (proportional set size: shared pages split between the sharers)
    is what the reader adds to the writer's RSS."""

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0
        self.peak_pss_mb = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._done.wait(0.5):
            for task in Path(f"/proc/{me}/task").glob("*/children"):
                for pid in task.read_text().split():
                    with contextlib.suppress(OSError):
                        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                            if line.startswith("VmHWM:"):
                                kib = float(line.split()[1])
                                self.peak_mb = max(self.peak_mb, kib / 1024)
                        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                            if line.startswith("Pss:"):
                                kib = float(line.split()[1])
                                self.peak_pss_mb = max(self.peak_pss_mb, kib / 1024)


def _baseline(user: Any, count: int) -> float:
    """``contact_create`` once per person: what an import without the batch path would do."""
    from rubrica.contacts.services import contact_create

    rng = random.Random(2)
    started = time.perf_counter()
    for n in range(count):
        p = person(rng, 10_000_000 + n)
        contact_create(
            actor=user,
            data={
                "given_name": p["given"],
                "family_name": p["family"],
                "emails": [{"label": "home", "value": p["email"]}],
                "phones": [{"label": "mobile", "value": p["phone"]}],
                "addresses": [{"label": "home", "city": p["city"], "country": "Italy"}],
                "tags": p["tags"],
            },
        )
    return count / (time.perf_counter() - started)


# Parent -------------------------------------------------------------------------------------


INTRO = """## Import

`bench/import_bench.py --people N [--csv-people M]`: N generated
people as one vCard file of mixed versions (2.1, 3.0, 4.0) and one Outlook-style CSV file, each
imported by the import job
(store the upload, read, validate with the contact services' own `_clean`, batched writes of
people, emails, phones, addresses, tags, organizations and affiliations, one history entry per
person, search documents, duplicate keys, the per-row report) into an empty database, in a fresh
process. "records/s" is wall time; "per CPU second" divides by the CPU time of the job's
process and of its reader process (files of 2,000 records or more are read, checked and
prepared there while the job writes: docs/adr/0009; SQLite runs in the job's process, the
PostgreSQL server's CPU is not counted). Peak RSS is each process's maximum resident set; in
brackets the reader's peak proportional set size (the forked reader shares its parent's pages
until either writes them, and RSS counts those in both).
"Database µs/record" is the wall time the job's process spent in statements and commits, per
record: the floor of a single writer, however fast the Python around it. "Parse only" is the
job's reader alone over the same file in the same process (every record read and mapped,
nothing validated or written), timed before the import and not counted in its figures.
Baseline: `contact_create` once per person.
"""


def markdown(results: list[dict[str, Any]]) -> str:
    title = "SQLite" if results[0]["engine"] == "sqlite" else "PostgreSQL"
    lines = [
        f"### {title}",
        "",
        "| format | records | seconds | records/s | per CPU second | target | peak RSS "
        "writer + reader (reader's own) | database µs/record | parse only, records/s | "
        "baseline contact_create/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        database = 1e6 * r.get("database_seconds", 0.0) / max(1, r["records"])
        lines.append(
            f"| {r['format']} | {r['records']:,} | {r['seconds']:.1f} | "
            f"{r['per_second']:,.0f} | {r['per_cpu_second']:,.0f} | "
            f"≥ {TARGETS[r['format']]:,.0f} | {r['peak_rss_mb']:.0f} + "
            f"{r.get('reader_peak_rss_mb', 0):.0f} ({r.get('reader_peak_pss_mb', 0):.0f}) MB | "
            f"{database:,.0f} | "
            f"{r.get('parse_per_second', 0):,.0f} | {r['baseline_per_second']:,.0f} |"
        )
    lines += _by_table(results)
    load = os.getloadavg()[0]
    lines += [
        "",
        f"{os.cpu_count()} CPU(s), load average {load:.1f} when the run ended.",
        "",
    ]
    return "\n".join(lines)


def _by_table(results: list[dict[str, Any]]) -> list[str]:
    """The database µs/record of each run split by the table written (a statement's triggers
    count with it), commits, and reads; the largest first."""
    split = [r for r in results if r.get("database_seconds_by_table")]
    if not split:
        return []
    totals: dict[str, float] = {}
    for r in split:
        for table, seconds in r["database_seconds_by_table"].items():
            totals[table] = totals.get(table, 0.0) + seconds / max(1, r["records"])
    tables = sorted(totals, key=lambda t: -totals[t])
    small = [t for t in tables if totals[t] < 0.03 * sum(totals.values())]
    tables = [t for t in tables if t not in small] + (["(other tables)"] if small else [])
    for r in split:
        spent = r["database_seconds_by_table"]
        spent["(other tables)"] = sum(spent.get(t, 0.0) for t in small)
    lines = [
        "",
        "Database µs/record by what it was spent on (the table written, its indexes and "
        "triggers; commits; reads):",
        "",
        "| " + " | ".join(["format", *tables]) + " |",
        "| --- |" + " ---: |" * len(tables),
    ]
    for r in split:
        spent = r["database_seconds_by_table"]
        cells = [f"{1e6 * spent.get(t, 0.0) / max(1, r['records']):,.0f}" for t in tables]
        lines.append("| " + " | ".join([r["format"], *cells]) + " |")
    return lines


def write_docs(path: Path, engine: str, text: str) -> None:
    """Replace this engine's block of the "Import" section (between markers)."""
    start, end = f"<!-- import-bench:{engine} -->", f"<!-- /import-bench:{engine} -->"
    block = f"{start}\n{text}{end}\n"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if "\n## Import\n" not in current:
        current = current.rstrip("\n") + "\n\n" + INTRO
    if start in current and end in current:
        before, rest = current.split(start, 1)
        _old, after = rest.split(end, 1)
        current = before + block + after.lstrip("\n")
    else:
        current = current.rstrip("\n") + "\n\n" + block
    path.write_text(current, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    if args.child:
        child(args)
        return 0
    sizes = {"vcard": args.people, "csv": args.csv_people or args.people}
    files = {
        "vcard": args.var_dir / f"import-{sizes['vcard']}.vcf",
        "csv": args.var_dir / f"import-{sizes['csv']}.csv",
    }
    results = []
    for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
        path = files[fmt]
        if not path.exists():
            (write_vcards if fmt == "vcard" else write_csv)(path, sizes[fmt])
        command = [sys.executable, str(Path(__file__).resolve()), "--child", f"{fmt}:{path}"]
        command += ["--var-dir", str(args.var_dir), "--pg-database", args.pg_database]
        command += ["--baseline", str(args.baseline)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        print(
            f"{result['engine']} {fmt}: {result['records']:,} records in {result['seconds']:.1f} s"
            f" = {result['per_second']:,.0f}/s (target {TARGETS[fmt]:,.0f}/s;"
            f" {result['per_cpu_second']:,.0f} per CPU second), peak RSS"
            f" {result['peak_rss_mb']:.0f} MB; parse only {result['parse_per_second']:,.0f}/s;"
            f" contact_create one by one:"
            f" {result['baseline_per_second']:,.0f}/s; {result['status']} {result['counts']}"
        )
    report = args.var_dir / f"import-{results[0]['engine']}-{args.people}.json"
    report.write_text(json.dumps(results, indent=2))
    if not args.no_docs and results:
        write_docs(args.docs, results[0]["engine"], markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
