"""How the blocking rules of the duplicate scan grow: the candidate pairs each rule gives, and the
share of true pairs any rule still reaches, for the linkage generator's population at any size
(a million included), without a database.

    .venv/bin/python bench/linkage_blocks.py --size 1000000 --contact-points none

The population is ``bench.linkage_bench.Generator``'s (same seed, same corruptions). Each record
becomes an ``Identity`` through ``rubrica.dedup.keys.identity`` and its keys through
``blocking_keys``, exactly as the index stores them. A block of a kind is compared when it has at
most ``rubrica.dedup.scan.block_cap(kind)`` members, giving n·(n-1)/2 pairs; the sorted
neighbourhood gives ``WINDOW_SIZE - 1`` pairs a person. A pair is counted once, under the first
rule that finds it in the scan's order and finds it worth comparing (``linkage.worth_comparing``,
ADR 0046: a declined pair is left to the later rules), as the scan compares it. (The scan also
compares a sample of the declined pairs for its estimate only; those are not counted here.) A
true pair is *reachable* when some rule gives it. Results: a table on the terminal and
``var/bench/linkage-blocks-<cp>-<size>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "src"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--contact-points", choices=("none", "some"), default="none")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--names", choices=("bench", "faker"), default="bench")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from bench.linkage_bench import Generator
    from rubrica.core import normalize
    from rubrica.dedup import keys as dedup_keys
    from rubrica.dedup.linkage import worth_comparing
    from rubrica.dedup.scan import WINDOW_SIZE, block_cap

    started = time.perf_counter()
    rows = Generator(args.size, args.seed, args.contact_points == "some", args.names).rows()
    generated = time.perf_counter() - started
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    sorted_names: list[tuple[str, int]] = []
    people: list[Any] = []
    codes: list[frozenset[str]] = []
    started = time.perf_counter()
    for index, row in enumerate(rows):
        phones = []
        if row.phone:
            with contextlib.suppress(ValueError):
                phones.append(normalize.phone(row.phone).e164)
        person = dedup_keys.identity(
            given_name=row.given,
            family_name=row.family,
            emails=[row.email] if row.email else [],
            phones=phones,
            birthday=row.birthday,
            city=row.city,
            street=row.street,
            postcode=row.postcode,
            identifiers={"member_no": row.member_no} if row.member_no else {},
        )
        people.append(person)
        codes.append(dedup_keys.name_codes(person))
        for kind, key in dedup_keys.blocking_keys(person):
            if kind == dedup_keys.SORTED_NAME:
                sorted_names.append((key, index))
            else:
                blocks[(kind, key)].append(index)
    keyed = time.perf_counter() - started
    # Each pair is counted once, under the first rule (in the scan's order) that finds it.
    pairs: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    filtered: Counter[str] = Counter()
    seen: set[int] = set()
    size = len(rows)
    by_kind: dict[str, list[list[int]]] = defaultdict(list)
    for (kind, _key), members in blocks.items():
        if len(members) < 2:
            continue
        if len(members) > block_cap(kind):
            skipped[kind] += 1
            continue
        by_kind[kind].append(members)
    for kind in dedup_keys.BLOCK_KINDS:
        for members in by_kind.get(kind, ()):
            for a, b in combinations(sorted(members), 2):
                code = a * size + b
                if code in seen:
                    continue
                if not worth_comparing(kind, people[a], people[b], codes[a], codes[b]):
                    filtered[kind] += 1  # left for a later rule, as the scan does
                    continue
                seen.add(code)
                pairs[kind] += 1
    sorted_names.sort()
    for position, (_key, a) in enumerate(sorted_names):
        for _key_b, b in sorted_names[position + 1 : position + WINDOW_SIZE]:
            code = min(a, b) * size + max(a, b)
            if code not in seen:
                seen.add(code)
                pairs[dedup_keys.SORTED_NAME] += 1
    clusters = {index: row.cluster for index, row in enumerate(rows) if row.cluster}
    by_cluster: dict[int, list[int]] = defaultdict(list)
    for index, cluster in clusters.items():
        by_cluster[cluster].append(index)
    true_pairs = [tuple(sorted(p)) for ids in by_cluster.values() for p in combinations(ids, 2)]
    reached = sum(1 for a, b in true_pairs if a * size + b in seen)
    unreached: Counter[str] = Counter()
    for a, b in true_pairs:
        if a * size + b not in seen:
            kinds = sorted(set(rows[a].corruptions) | set(rows[b].corruptions))
            unreached["+".join(kinds) or "none"] += 1
    report: dict[str, Any] = {
        "size": args.size,
        "contact_points": args.contact_points,
        "generate_seconds": round(generated, 1),
        "key_seconds": round(keyed, 1),
        "pairs_by_kind": dict(pairs.most_common()),
        "pairs_total": sum(pairs.values()),
        "blocks_skipped_by_kind": dict(skipped),
        "pairs_not_worth_comparing_by_kind": dict(filtered),
        "true_pairs": len(true_pairs),
        "true_pairs_reachable": reached,
        "pair_completeness": round(reached / len(true_pairs), 4) if true_pairs else None,
        "unreached_by_corruption": dict(unreached.most_common(15)),
    }
    variant = "" if args.names == "bench" else f"-{args.names}"
    out = REPO / "var" / "bench" / f"linkage-blocks-{args.contact_points}{variant}-{args.size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(
        f"{args.size:,} people ({args.contact_points}): generated in {generated:.0f} s, keys in "
        f"{keyed:.0f} s; candidate pairs {report['pairs_total']:,}; true pairs "
        f"reachable {reached:,} / {len(true_pairs):,} ({report['pair_completeness']})"
    )
    for kind, n in pairs.most_common():
        print(
            f"  {kind:12} {n:>12,}  (blocks over the cap: {skipped.get(kind, 0):,}; "
            f"pairs not worth comparing: {filtered.get(kind, 0):,})"
        )
    print("  unreached:", report["unreached_by_corruption"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
