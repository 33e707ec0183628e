"""The duplicate scan (job kind ``dedup_scan``): compare people who share a blocking key or sit
next to each other in name order, never everyone with everyone; weigh the evidence with the
record-linkage model estimated from this very scan (``rubrica.dedup.linkage``, ADR 0014).

**Blocking.** Several rules are unioned (``keys.BLOCK_KINDS``: e-mail, phone, identifier,
birthday, birthday + name sound, e-mail local part, national number, postcode + name sound,
sound of the name, names within one deletion), so that a typo in one field still leaves another
rule to find the pair, plus a sorted neighbourhood (``keys.SORTED_NAME``: each person is
compared with the next :data:`WINDOW_SIZE` - 1 in name order). Keys are spread over
:data:`~rubrica.dedup.models.BUCKETS` buckets; for each kind the scan walks bucket ranges sized
to hold about :data:`WINDOW` rows; in each range, blocks come from ``GROUP BY key HAVING
COUNT(*) > 1`` over a bounded slice of the (kind, bucket, key) index. The sorted-neighbourhood
kind's buckets follow its key order (``models.bucket_of``), so its ranges are read in order.

A pair that several rules find is compared once, under the first rule that finds it (the kinds'
order, then the smallest shared key): whether two people share an earlier key is read from their
own keys, so no set of compared pairs is kept in memory. Blocks larger than :data:`MAX_BLOCK`
(a switchboard, a birthday shared by many Johns; :data:`WEAK_BLOCK` for the weak rules, the sound
of the name and the family name within one deletion) are skipped and counted; their keys are listed
when the kind starts, so that a pair they would have held is still compared under a later rule.

**Weighing.** Each compared pair's pattern (``linkage.compare``) is counted; a pair worth
keeping under the prior weights is written with its pattern and the page's checkpoint in one
transaction, so a killed scan resumes after the last page. At the end EM estimates ``m`` and the
number of matches from the pattern counts; ``u`` comes from :data:`RANDOM_PAIRS` seeded random
pairs of the population and ``λ`` is those matches over every pair (``linkage.rescale``, ADR
0039: neither depends on the blocking rules any more); the model is stored
(:class:`~rubrica.dedup.models.DuplicateScan`) and every pattern is scored once: the pairs of a
pattern get its probability, reasons and tier in one UPDATE; open pairs below every tier go.

Pairs are upserted on (contact_a, contact_b): an open pair gets its new score, a dismissed or
merged pair keeps its status (a decision is never undone by a scan). Open pairs this scan did not
find again (people changed or went to the Trash) are removed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from itertools import combinations
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from rubrica.dedup import linkage, registry
from rubrica.dedup.index import identities
from rubrica.dedup.keys import (
    BLOCK_KINDS,
    KINDS,
    NAME_DELETE,
    NAME_SOUND,
    SORTED_NAME,
    Identity,
    blocking_keys,
)
from rubrica.dedup.models import BUCKETS, DuplicateKey, DuplicatePair, DuplicateScan, PairStatus
from rubrica.jobs.models import Job
from rubrica.jobs.services import Progress

#: Blocks with more members than this are skipped (and counted in the result).
MAX_BLOCK = 200
#: The weak rules (a name's sound, the family name within one deletion) grow with the square of
#: a name's frequency: their blocks are capped lower (ADR 0039). On the generator's 100k people,
#: capping them at 30 keeps 98.7% of the true pairs reachable (99.5% at 200) with a fifth of the
#: candidate pairs; the sorted neighbourhood and the other rules still reach the members.
WEAK_KINDS = frozenset({NAME_DELETE, NAME_SOUND})
WEAK_BLOCK = 30
#: Random pairs compared to estimate ``u`` (how often non-matches agree), among at most
#: RANDOM_PEOPLE people drawn from the population (ADR 0039). A population of fewer than
#: about 630 people gives fewer pairs: all of them are compared.
RANDOM_PAIRS = 200_000
RANDOM_PEOPLE = 20_000
#: Key rows a page aims at: each page is one transaction (pairs + checkpoint).
WINDOW = 20000
#: Keys per ``key IN (...)`` query (well below SQLite's limit on parameters).
KEYS_PER_QUERY = 2000
#: Sorted neighbourhood: each person is compared with the next WINDOW_SIZE - 1 in name order.
WINDOW_SIZE = 4
#: Pairs are written (and kept until the model weighs them) from this probability under the
#: prior weights: low, so that the estimated weights decide.
KEEP_PRIOR = 0.02
#: People whose identity and keys the scan keeps between pages (a person sits in a block of
#: several kinds; reading and normalising them once per kind was a third of the scan's time).
#: When full, the cache starts again: memory stays bounded at a million people.
CACHE_PEOPLE = 250_000

_ORDER = {kind: index for index, kind in enumerate(BLOCK_KINDS)}


def _span(kind: str) -> int:
    """How many buckets one page of ``kind`` covers, so that a page holds about WINDOW rows."""
    rows = DuplicateKey.objects.filter(kind=kind).count()
    return max(1, min(BUCKETS, BUCKETS * WINDOW // max(rows, 1)))


def _slice(kind: str, first: int, last: int) -> Any:
    return DuplicateKey.objects.filter(kind=kind, bucket__gte=first, bucket__lte=last)


def block_cap(kind: str) -> int:
    """The most members a block of ``kind`` may have to be compared."""
    return min(MAX_BLOCK, WEAK_BLOCK) if kind in WEAK_KINDS else MAX_BLOCK


def _oversized(kind: str) -> dict[str, int]:
    """The keys of ``kind`` shared by more than ``block_cap(kind)`` people, with their sizes."""
    rows = (
        DuplicateKey.objects.filter(kind=kind)
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=block_cap(kind))
        .order_by()
        .values_list("key", "n")
    )
    return dict(rows)


def _members(kind: str, first: int, last: int) -> dict[str, list[int]]:
    """Blocks to compare in buckets ``first``..``last`` of ``kind``: key -> contact ids. The keys
    come from a GROUP BY over a bounded slice of the (kind, bucket, key, contact) index; their
    members from the same slice, which the index covers. (One query with ``key IN (GROUP BY
    ...)`` was tried: without fresh statistics PostgreSQL plans it as a nested loop that takes
    minutes.)"""
    keys = list(
        _slice(kind, first, last)
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=1, n__lte=block_cap(kind))
        .order_by()
        .values_list("key", flat=True)
    )
    members: dict[str, list[int]] = {}
    for start in range(0, len(keys), KEYS_PER_QUERY):
        chunk = keys[start : start + KEYS_PER_QUERY]
        rows = _slice(kind, first, last).filter(key__in=chunk).values_list("key", "contact_id")
        for key, contact_id in rows:
            members.setdefault(key, []).append(contact_id)
    return members


def _write(pairs: dict[tuple[int, int], tuple[str, linkage.Scored]], now: dt.datetime) -> None:
    if not pairs:
        return
    DuplicatePair.objects.bulk_create(
        [
            DuplicatePair(
                contact_a_id=a,
                contact_b_id=b,
                score=scored.probability,
                reasons=scored.reasons,
                tier=scored.tier,
                pattern=pattern,
                found_at=now,
            )
            for (a, b), (pattern, scored) in pairs.items()
        ],
        update_conflicts=True,
        unique_fields=["contact_a", "contact_b"],
        update_fields=["score", "reasons", "tier", "pattern", "found_at"],
        batch_size=500,
    )


class _People:
    """Identities and blocking keys of the people the scan has read, at most CACHE_PEOPLE."""

    def __init__(self) -> None:
        self.identities: dict[int, Identity] = {}
        self.keys: dict[int, set[tuple[str, str]]] = {}
        self.missing: set[int] = set()

    def load(self, ids: set[int]) -> dict[int, Identity]:
        """The identities of ``ids`` (those not in the Trash), reading only the ones not held."""
        wanted = ids - self.identities.keys() - self.missing
        if len(self.identities) + len(wanted) > CACHE_PEOPLE:
            self.identities.clear()
            self.keys.clear()
            self.missing.clear()
            wanted = set(ids)
        found = identities(wanted)
        self.identities.update(found)
        self.missing.update(wanted - found.keys())
        return {pk: self.identities[pk] for pk in ids if pk in self.identities}

    def keys_of(self, pk: int) -> set[tuple[str, str]]:
        found = self.keys.get(pk)
        if found is None:
            found = self.keys[pk] = blocking_keys(self.identities[pk])
        return found


class _Page:
    """One page's people, their keys and the pairs kept, with the scan's counters."""

    def __init__(self, state: dict[str, Any], cache: _People, ids: set[int]) -> None:
        self.state = state
        self.people = cache.load(ids)
        self.keys_of = cache.keys_of
        self.oversized = {(k, key) for k, keys in state["oversized"].items() for key in keys}
        self.prior = linkage.Model.prior()
        self.patterns: Counter[str] = Counter()
        self.kept: dict[tuple[int, int], tuple[str, linkage.Scored]] = {}
        self.scores: dict[str, linkage.Scored] = {}

    def first_rule(self, a: int, b: int) -> tuple[int, str] | None:
        """The rule and key that compare ``a`` and ``b`` (the first of their shared keys that is
        not oversized), or None when they share none."""
        shared = [
            (_ORDER[kind], key)
            for kind, key in self.keys_of(a) & self.keys_of(b)
            if kind in _ORDER and (kind, key) not in self.oversized
        ]
        return min(shared) if shared else None

    def compare(self, a: int, b: int) -> None:
        pattern = linkage.compare(self.people[a], self.people[b])
        self.patterns[pattern] += 1
        self.state["scored"] += 1
        scored = self.scores.get(pattern)
        if scored is None:
            scored = self.scores[pattern] = linkage.score_pattern(self.prior, pattern)
        if scored.probability >= KEEP_PRIOR:
            self.kept[(a, b)] = (pattern, scored)


def _blocks(kind: str, first: int, last: int, state: dict[str, Any], cache: _People) -> _Page:
    members = _members(kind, first, last)
    page = _Page(state, cache, {pk for ids in members.values() for pk in ids})
    order = _ORDER[kind]
    for key, ids in members.items():
        for a, b in combinations(sorted(set(ids)), 2):
            if a not in page.people or b not in page.people:
                continue
            if page.first_rule(a, b) != (order, key):
                continue  # compared under an earlier rule or key
            page.compare(a, b)
    state["blocks"] += len(members)
    return page


def _neighbours(first: int, last: int, state: dict[str, Any], cache: _People) -> _Page:
    """The sorted neighbourhood over buckets ``first``..``last``, continuing from the tail of the
    previous range (``state["tail"]``)."""
    rows = [tuple(row) for row in state["tail"]] + list(
        _slice(SORTED_NAME, first, last)
        .order_by("bucket", "key", "contact_id")
        .values_list("key", "contact_id")
    )
    carried = len(state["tail"])
    page = _Page(state, cache, {pk for _key, pk in rows})
    for j in range(carried, len(rows)):
        b = rows[j][1]
        for i in range(max(0, j - WINDOW_SIZE + 1), j):
            a = rows[i][1]
            if a == b or a not in page.people or b not in page.people:
                continue
            low, high = min(a, b), max(a, b)
            if page.first_rule(low, high) is not None:
                continue  # a blocking rule compared them
            page.compare(low, high)
    state["tail"] = [list(row) for row in rows[-(WINDOW_SIZE - 1) :]]
    return page


def _apply_scores(scored: dict[str, linkage.Scored]) -> None:
    """Give every pair the score, reasons and tier of its pattern and remove the open pairs below
    every tier: the patterns' scores go into a temporary table, then one UPDATE and one DELETE
    join it (an UPDATE per pattern was a third of a scan's time: thousands of patterns)."""
    table = connection.ops.quote_name(DuplicatePair._meta.db_table)
    json_value = "CAST(t.reasons AS jsonb)" if connection.vendor == "postgresql" else "t.reasons"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS dedup_pattern_score")
        cursor.execute(
            "CREATE TEMPORARY TABLE dedup_pattern_score (pattern varchar(24) PRIMARY KEY, "
            "score double precision NOT NULL, reasons text NOT NULL, tier varchar(10) NOT NULL)"
        )
        rows = [
            (pattern, one.probability, json.dumps(one.reasons), one.tier)
            for pattern, one in scored.items()
        ]
        for start in range(0, len(rows), 500):
            cursor.executemany(
                "INSERT INTO dedup_pattern_score (pattern, score, reasons, tier) "
                "VALUES (%s, %s, %s, %s)",
                rows[start : start + 500],
            )
        cursor.execute(
            f"DELETE FROM {table} WHERE status = %s AND pattern IN "  # noqa: S608
            "(SELECT pattern FROM dedup_pattern_score WHERE tier = '')",
            [PairStatus.OPEN],
        )
        cursor.execute(
            f"UPDATE {table} SET score = t.score, reasons = {json_value}, tier = t.tier "  # noqa: S608
            f"FROM dedup_pattern_score t WHERE {table}.pattern = t.pattern"
        )
        cursor.execute("DROP TABLE dedup_pattern_score")


def random_patterns(seed: int = 13) -> tuple[dict[str, int], int]:
    """Patterns of random pairs of the population (all pairs when it is small), and the
    population's size: ``u`` and ``λ`` over every pair (``linkage.rescale``). Seeded, so a scan
    of unchanged data gives the same model."""
    ids = list(registry.records().alive().order_by("pk").values_list("pk", flat=True))
    rng = random.Random(seed)
    sample = rng.sample(ids, min(len(ids), RANDOM_PEOPLE))
    people = list(identities(sample).values())
    counts: Counter[str] = Counter()
    n = len(people)
    if n * (n - 1) // 2 <= RANDOM_PAIRS:
        for a, b in combinations(people, 2):
            counts[linkage.compare(a, b)] += 1
    elif n > 1:
        for _ in range(RANDOM_PAIRS):
            i, j = rng.randrange(n), rng.randrange(n - 1)
            counts[linkage.compare(people[i], people[j + (j >= i)])] += 1
    return dict(counts), len(ids)


def _weigh(state: dict[str, Any], job: Job) -> tuple[linkage.Model, dict[str, int]]:
    """Estimate the model from the pattern counts (``m`` and the number of matches by EM; ``u``
    from random pairs and ``λ`` over every pair: ``linkage.rescale``), store it, score every pair
    by its pattern."""
    model = linkage.estimate(state["patterns"])
    if model.iterations:
        model = linkage.rescale(model, *random_patterns())
    thresholds = linkage.tier_thresholds()
    tiers: Counter[str] = Counter()
    patterns = DuplicatePair.objects.exclude(pattern="").values_list("pattern", flat=True)
    scored = {
        pattern: linkage.score_pattern(model, pattern, thresholds)
        for pattern in patterns.distinct().order_by()
    }
    with transaction.atomic():
        _apply_scores(scored)
        open_pairs = DuplicatePair.objects.filter(status=PairStatus.OPEN).exclude(tier="")
        tiers.update(dict(open_pairs.values_list("tier").annotate(n=Count("id")).order_by()))
        DuplicateScan.objects.create(
            job=job,
            finished_at=timezone.now(),
            model=model.as_json(),
            pairs_compared=state["scored"],
            tiers=dict(tiers),
        )
    return model, dict(tiers)


def latest_model() -> linkage.Model:
    """The model of the latest scan (the prior weights before any scan)."""
    scan = DuplicateScan.objects.order_by("-finished_at", "-id").first()
    return linkage.Model.from_json(scan.model) if scan is not None else linkage.Model.prior()


def run_dedup_scan(job: Job, progress: Progress) -> dict[str, Any]:
    """Scan every block of the key index (see the module docstring); returns counts."""
    state: dict[str, Any] = {
        "started": timezone.now().isoformat(),
        "kind": 0,
        "bucket": 0,
        "blocks": 0,
        "scored": 0,
        "scored_by_kind": {},
        "found": 0,
        "skipped_blocks": 0,
        "skipped_members": 0,
        "patterns": {},
        "oversized": {},
        "tail": [],
        **job.checkpoint,
    }
    started = dt.datetime.fromisoformat(state["started"])
    progress.set_total(len(KINDS) * BUCKETS)
    progress.set_done(state["kind"] * BUCKETS + state["bucket"])
    span = 0
    cache = _People()
    while state["kind"] < len(KINDS):
        kind = KINDS[state["kind"]]
        progress.raise_if_cancelled()
        if kind != SORTED_NAME and kind not in state["oversized"]:
            oversized = _oversized(kind)
            state["oversized"][kind] = sorted(oversized)
            state["skipped_blocks"] += len(oversized)
            state["skipped_members"] += sum(oversized.values())
        span = span or _span(kind)
        first = state["bucket"]
        last = min(BUCKETS, first + span) - 1
        if kind == SORTED_NAME:
            page = _neighbours(first, last, state, cache)
        else:
            page = _blocks(kind, first, last, state, cache)
        by_kind = state["scored_by_kind"]
        by_kind[kind] = by_kind.get(kind, 0) + sum(page.patterns.values())
        counts = Counter(state["patterns"])
        counts.update(page.patterns)
        state["patterns"] = dict(counts)
        state["found"] += len(page.kept)
        if last == BUCKETS - 1:
            state["kind"] += 1
            state["bucket"] = 0
            span = 0
        else:
            state["bucket"] = last + 1
        with transaction.atomic():
            _write(page.kept, timezone.now())
            progress.checkpoint(dict(state))
        progress.set_done(state["kind"] * BUCKETS + state["bucket"])
    removed, _detail = DuplicatePair.objects.filter(
        status=PairStatus.OPEN, found_at__lt=started
    ).delete()
    model, tiers = _weigh(state, job)
    # Exact duplicates (same email, same name) merged without asking by the merging registered
    # with the engine (rubrica.merges: only when the operator turned it on, each merge undoable).
    merging = registry.merging()
    merged = merging.auto_merge_exact(actor=job.owner) if merging is not None else 0
    open_pairs = DuplicatePair.objects.filter(status=PairStatus.OPEN)
    return {
        "auto_merged": merged,
        "blocks": state["blocks"],
        "pairs_scored": state["scored"],
        "pairs_scored_by_rule": state["scored_by_kind"],
        "pairs_found": open_pairs.filter(found_at__gte=started).count(),
        "open_pairs": open_pairs.count(),
        "tiers": tiers,
        "stale_removed": removed,
        "skipped_blocks": state["skipped_blocks"],
        "skipped_members": state["skipped_members"],
        "em_iterations": model.iterations,
        "em_converged": model.converged,
        # Over every pair since ADR 0039 (about 1e-6 at 100k people): significant digits.
        "match_share": float(f"{model.lam:.4g}"),
        "match_share_compared": float(f"{model.lam_compared:.4g}"),
        "name_bits": round(model.name_bits, 3),
    }
