"""The duplicate-scan benchmark measures what it says: precision and recall against the planted
truth are computed right on a hand-made case, the generator plants what its docstring promises,
and a tiny run goes end to end through the real scan. The figures are not checked: benchmarks
are not timed tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.dedup_bench import Generator, Truth, evaluate, open_pairs, run_scan, seed, write_docs
from rubrica import dedup
from rubrica.dedup.models import DuplicatePair

REPO = Path(__file__).resolve().parents[2]


def _truth() -> Truth:
    return Truth(
        clusters={1: [1, 2, 3], 2: [10, 11]},
        variations={2: ["typo"], 3: ["swap"], 11: ["nickname"]},
        groups={
            5: "common:Mario Rossi",
            6: "common:Mario Rossi",
            7: "household:1",
            8: "household:1",
        },
    )


def test_evaluate_counts_a_pair_once_and_any_two_records_of_a_cluster_as_true():
    # (1, 2) twice and reversed, a self pair, one namesake pair; (2, 3) is missed.
    found = [(2, 1), (1, 2), (1, 3), (10, 11), (5, 6), (3, 3)]

    quality = evaluate(found, _truth())

    assert quality.found == 4
    assert quality.true_pairs == 4
    assert quality.true_positives == 3
    assert quality.precision == 0.75
    assert quality.recall == 0.75
    assert quality.f1 == 0.75
    assert quality.missed_by_variation == {"two duplicates: swap+typo": 1}
    assert quality.false_positives_by_kind == {"planted namesakes": 1}
    assert quality.clusters == 2
    assert quality.clusters_joined == 2


def test_evaluate_names_households_and_reports_a_cluster_left_apart():
    found = [(7, 8), (1, 2), (3, 10)]

    quality = evaluate(found, _truth())

    assert quality.true_positives == 1
    assert quality.precision == pytest.approx(1 / 3)
    assert quality.recall == 0.25
    assert quality.f1 == pytest.approx(2 * (1 / 3) * 0.25 / (1 / 3 + 0.25))
    assert quality.false_positives_by_kind == {
        "same household": 1,
        "planted duplicate with another person": 1,
    }
    assert quality.missed_by_variation == {"swap": 1, "two duplicates: swap+typo": 1, "nickname": 1}
    assert quality.clusters_joined == 0


def test_evaluate_with_nothing_found_has_full_precision_and_no_recall():
    quality = evaluate([], _truth())

    assert (quality.precision, quality.recall, quality.f1) == (1.0, 0.0, 0.0)


def test_the_generator_is_deterministic_and_plants_about_five_percent_duplicates():
    first = list(Generator(3000, seed=5).rows())
    second = list(Generator(3000, seed=5).rows())

    assert len(first) == 3000
    assert [(r.given, r.family, r.emails, r.phones) for r in first] == [
        (r.given, r.family, r.emails, r.phones) for r in second
    ]
    planted = [r for r in first if r.variations]
    assert 0.03 * 3000 < len(planted) < 0.08 * 3000
    # Every planted copy belongs to a cluster whose base person is in the population, and
    # keeps a way to be found (an email or a phone); the base person has one too.
    bases = {r.cluster: r for r in first if r.cluster and not r.variations}
    assert all(r.cluster in bases for r in planted)
    assert all(r.emails or r.phones for r in planted)
    assert any(r.group.startswith("common:") for r in first)
    assert any(r.group.startswith("household:") for r in first)


@pytest.mark.django_db
def test_a_tiny_population_goes_through_the_key_index_and_the_real_scan():
    figures, truth = seed(600, batch=250, analyze=False)
    dedup.reindex()

    job, _seconds, _cpu, _rss = run_scan()
    quality = evaluate(open_pairs(), truth)

    assert job.status == "succeeded", job.error
    assert figures.rows == 600 == truth.rows
    assert quality.found == DuplicatePair.objects.count() == job.result["open_pairs"]
    assert quality.true_pairs == truth.true_pairs > 0
    assert quality.true_positives > 0


def test_the_benchmark_runs_as_a_child_process_and_writes_its_report_and_docs(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\nWritten by hand.\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "RUBRICA_VAR_DIR")}
    command = [
        sys.executable, "bench/run.py", "--only", "dedup", "--sizes", "800",
        "--engines", "sqlite", "--naive-sample", "40", "--var-dir", str(tmp_path / "var"),
        "--docs", str(docs),
    ]  # fmt: skip

    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "var" / "dedup-sqlite-800.json").read_text())
    assert report["truth"]["rows"] == 800
    assert report["scan"]["status"] == "succeeded"
    assert set(report["quality"]) >= {"precision", "recall", "f1", "found", "true_pairs"}
    assert report["naive"]["sample"] == 40
    text = docs.read_text()
    assert text.startswith("# Benchmarks\n\nWritten by hand.\n")
    assert text.count("<!-- bench:dedup:begin -->") == 1
    assert "| 800 | SQLite |" in text


def test_write_docs_replaces_only_its_own_section(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text(
        "# B\n\n<!-- bench:dedup:begin -->\nold\n<!-- bench:dedup:end -->\n\n## After\n"
    )

    write_docs(docs, "new\n")

    assert docs.read_text() == (
        "# B\n\n<!-- bench:dedup:begin -->\nnew\n<!-- bench:dedup:end -->\n## After\n"
    )
