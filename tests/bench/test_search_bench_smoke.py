"""The search benchmark runs end to end on a tiny database (through ``bench/run.py --only
search``), builds and measures the index, and writes its own docs section. The figures themselves
are not checked: benchmarks are not timed tests."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from bench.search_bench import KINDS, _edit, write_docs

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, var_dir: Path) -> subprocess.CompletedProcess[str]:
    # Always SQLite in a folder of its own, whatever database the test session uses.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "RUBRICA_VAR_DIR")}
    command = [sys.executable, "bench/run.py", "--only", "search", "--var-dir", str(var_dir), *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_search_bench_builds_the_index_times_every_kind_and_reuses_it(tmp_path):
    var_dir, docs = tmp_path / "var", tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\nWritten by hand.\n")

    first = _run("--people", "1500", "--queries", "4", "--baseline-queries", "2",
                 "--languages", "en,fa", "--docs", str(docs), var_dir=var_dir)  # fmt: skip

    assert first.returncode == 0, first.stdout + first.stderr
    report = json.loads((var_dir / "search-sqlite-1500.json").read_text())
    assert report["engine"] == "sqlite"
    assert report["index"]["documents"] == 1500
    assert report["index"]["reused"] is False
    assert report["index"]["seconds"] > 0
    assert sum(report["index_size"].values()) > 0
    assert {(r["kind"], r["user"]) for r in report["results"]} == {
        (kind, user) for kind in KINDS for user in ("admin", "member")
    }
    by_key = {(r["kind"], r["user"]): r for r in report["results"]}
    assert by_key[("prefix", "admin")]["search"]["samples"] == 4
    assert by_key[("prefix", "admin")]["found"] == 1.0  # every prefix comes from a person
    assert by_key[("prefix", "admin")]["baseline"]["samples"] == 2
    assert by_key[("prefix", "member")]["suggest"]["samples"] == 4
    assert by_key[("prefix", "admin")]["suggest"] is None
    assert all(len(texts) == 4 for texts in report["query_texts"].values())
    text = docs.read_text()
    assert text.startswith("# Benchmarks\n\nWritten by hand.\n")
    assert "### Search: SQLite, 1,500 people" in text
    # Issue 14: the suggestions are timed in each language of the run, side by side.
    assert report["languages"] == ["en", "fa"]
    assert set(report["by_language"]) == set(KINDS)
    assert {code: fig["samples"] for code, fig in report["by_language"]["prefix"].items()} == {
        "en": 4,
        "fa": 4,
    }
    assert "Suggestions by language" in text and "| kind | en | fa |" in text

    second = _run("--people", "1500", "--queries", "2", "--baseline-queries", "0", "--no-http",
                  "--kinds", "typo", "--docs", str(docs), var_dir=var_dir)  # fmt: skip

    assert second.returncode == 0, second.stdout + second.stderr
    report = json.loads((var_dir / "search-sqlite-1500.json").read_text())
    assert report["index"]["reused"] is True
    assert {r["kind"] for r in report["results"]} == {"typo"}
    assert docs.read_text().count("<!-- bench:search:sqlite:begin -->") == 1


def test_misspellings_are_one_or_two_edits_away():
    from rapidfuzz.distance import OSA  # Levenshtein plus swaps of neighbours

    rng = random.Random(3)
    for name in ("Rossi", "Esposito", "Thompson", "محمدی"):
        for edits in (1, 2):
            typo = _edit(rng, name, edits)
            assert typo[0] == name.casefold()[0]
            assert 1 <= OSA.distance(typo, name.casefold()) <= edits


def test_search_docs_section_is_replaced_in_place(tmp_path):
    docs = tmp_path / "benchmarks.md"
    write_docs(docs, "sqlite", "old figures\n")
    write_docs(docs, "postgresql", "pg figures\n")
    write_docs(docs, "sqlite", "new figures\n")

    text = docs.read_text()
    assert "old figures" not in text
    assert text.index("new figures") < text.index("pg figures")
    assert text.count("bench:search:sqlite:begin") == 1
