"""The list-page benchmark runs end to end on a tiny database, and its seeder writes what the
services would write. The figures themselves are not checked: benchmarks are not timed tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.run import percentile, write_docs
from bench.seed import COUNTRIES, FAMILY, GIVEN, names_for, phone_for
from rubrica.contacts.models import Contact
from rubrica.contacts.services import derive_display_name, sort_key
from rubrica.core import normalize

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = {"name", "stage", "country", "has_email", "tag", "tag_rare"}


def _run(*args: str, var_dir: Path) -> subprocess.CompletedProcess[str]:
    # Always SQLite in a folder of its own, whatever database the test session uses.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "RUBRICA_VAR_DIR")}
    command = [sys.executable, "bench/run.py", "--var-dir", str(var_dir), *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_bench_measures_the_web_pages_in_each_language_of_the_run(tmp_path):
    var_dir, docs = tmp_path / "var", tmp_path / "benchmarks.md"

    run = _run("--people", "200", "--samples", "1", "--baseline-samples", "1",
               "--scenarios", "name", "--languages", "en,it,fa", "--docs", str(docs),
               var_dir=var_dir)  # fmt: skip

    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((var_dir / "list-pages-sqlite-200.json").read_text())
    assert report["languages"] == ["en", "it", "fa"]
    assert {(row["scenario"], row["user"]) for row in report["by_language"]} == {
        (r["title"], r["user"]) for r in report["results"]
    }
    assert all(row["web"]["fa"]["samples"] == 1 for row in report["by_language"])
    assert "| scenario | user | en | it | fa |" in docs.read_text()


def test_bench_seeds_measures_reports_and_reuses_the_database(tmp_path):
    var_dir, docs = tmp_path / "var", tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\nWritten by hand.\n")

    first = _run("--people", "2000", "--samples", "4", "--baseline-samples", "2",
                 "--docs", str(docs), var_dir=var_dir)  # fmt: skip

    assert first.returncode == 0, first.stdout + first.stderr
    report = json.loads((var_dir / "list-pages-sqlite-2000.json").read_text())
    assert report["engine"] == "sqlite"
    assert report["seed"]["people"] == 2000
    assert report["seed"]["reused"] is False
    assert report["seed"]["rows_per_second"] > 0
    assert {(r["scenario"], r["user"]) for r in report["results"]} == {
        (key, user) for key in SCENARIOS for user in ("admin", "member")
    }
    by_name = {(r["scenario"], r["user"]): r for r in report["results"]}
    everyone = by_name[("name", "admin")]
    assert everyone["matches"] == 2000
    assert everyone["keyset"]["samples"] == 4
    assert everyone["baseline"]["samples"] == 2
    assert report["http"] is True
    assert everyone["http"]["samples"] == 4
    assert everyone["max_depth"] > 1000  # the walks start deep in the list, not only on page one
    assert by_name[("name", "member")]["matches"] < 2000  # private records of others are hidden
    text = docs.read_text()
    assert text.startswith("# Benchmarks\n\nWritten by hand.\n")
    assert "### List pages: SQLite, 2,000 people" in text
    assert report["languages"] == ["en"]  # one language: no table by language
    assert report["by_language"] == []

    second = _run("--people", "2000", "--samples", "1", "--baseline-samples", "0", "--no-http",
                  "--docs", str(docs), var_dir=var_dir)  # fmt: skip

    assert second.returncode == 0, second.stdout + second.stderr
    report = json.loads((var_dir / "list-pages-sqlite-2000.json").read_text())
    assert report["seed"]["reused"] is True
    text = docs.read_text()
    assert text.count("<!-- bench:list-pages:sqlite:begin -->") == 1
    assert text.count("### List pages: SQLite, 2,000 people") == 1


def test_seeded_names_match_what_the_services_derive():
    for locale in ("it", "en", "zh", "fa"):
        (given, _), (family, _) = GIVEN[locale][0], FAMILY[locale][-1]
        display, sort_name = names_for(given, family)
        contact = Contact(given_name=given, family_name=family, display_name=display)
        assert display == derive_display_name({"given_name": given, "family_name": family})
        assert sort_name == sort_key(contact)


def test_seeded_phones_are_what_normalize_makes_of_them():
    import random

    rng = random.Random(7)
    for country in COUNTRIES.values():
        raw, e164 = phone_for(rng, country)
        assert normalize.phone(raw).e164 == e164


def test_docs_section_is_replaced_in_place(tmp_path):
    docs = tmp_path / "benchmarks.md"
    write_docs(docs, "sqlite", "old figures\n")
    write_docs(docs, "postgresql", "pg figures\n")
    write_docs(docs, "sqlite", "new figures\n")

    text = docs.read_text()
    assert "old figures" not in text
    assert text.index("new figures") < text.index("pg figures")
    assert text.count("bench:list-pages:sqlite:begin") == 1


def test_percentile_interpolates_between_ranks():
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.5) == 25.0
    assert percentile([5.0], 0.95) == 5.0
    assert percentile(list(map(float, range(101))), 0.95) == 95.0
