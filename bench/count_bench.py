"""How much the lists' bounded count costs (ADR 0022): ``COUNT(*)`` over ``LIMIT 1001`` against a
full ``COUNT(*)`` and the page query itself, on a synthetic SQLite table of a million rows.

    .venv/bin/python bench/count_bench.py [--rows 1000000] [--path var/bench/count.sqlite3]

A few seconds of CPU: it measures the SQL shape, not the whole page (bench/run.py does that).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import pysqlite3.dbapi2 as sqlite3

CASES = [
    ("every row", "deleted_at IS NULL"),
    ("city = Roma (5 %)", "city = 'Roma' AND deleted_at IS NULL"),
    ("city = Rara (0.01 %)", "city = 'Rara' AND deleted_at IS NULL"),
    ("notes LIKE rare (no index)", "notes LIKE '%0.12345%' AND deleted_at IS NULL"),
]


def best_ms(db: sqlite3.Connection, sql: str, repeat: int) -> tuple[int, float]:
    best = float("inf")
    value = 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = db.execute(sql).fetchall()
        value = rows[0][0] if len(rows) == 1 else len(rows)
        best = min(best, time.perf_counter() - start)
    return value, best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, default=Path("var/bench/count.sqlite3"))
    args = parser.parse_args()
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.unlink(missing_ok=True)
    db = sqlite3.connect(str(args.path))
    db.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, city TEXT, notes TEXT, deleted_at TEXT)")
    rng = random.Random(1)
    cities = ["Roma"] * 5 + ["Milano"] * 20 + [f"City{i}" for i in range(75)]
    rows = (
        (i, rng.choice(cities) if i % 10_000 else "Rara", f"note {rng.random()}", None)
        for i in range(1, args.rows + 1)
    )
    db.executemany("INSERT INTO c VALUES (?, ?, ?, ?)", rows)
    db.execute("CREATE INDEX c_city ON c (city, id)")
    db.execute("ANALYZE")
    db.commit()
    print(f"{'filter':28} {'bounded (≤1001)':>22} {'full COUNT(*)':>22} {'page of 51':>11}")
    for label, where in CASES:
        inner = f"SELECT id FROM c WHERE {where} LIMIT 1001"
        bounded = best_ms(db, f"SELECT COUNT(*) FROM ({inner})", 5)
        full = best_ms(db, f"SELECT COUNT(*) FROM c WHERE {where}", 3)
        page = best_ms(db, f"SELECT id FROM c WHERE {where} ORDER BY id LIMIT 51", 5)
        print(
            f"{label:28} {bounded[0]:>9} {bounded[1]:9.2f} ms {full[0]:>9} {full[1]:9.2f} ms"
            f" {page[1]:8.2f} ms"
        )


if __name__ == "__main__":
    main()
