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
The two birthday rules grow with the square of the population (a date is shared by ~40 people in
a million): their pairs are first filtered (``linkage.worth_comparing``, ADR 0046: names that
share a code or one address for the full birthday, a birthday a typo apart for month-day + a
name's sound); a declined pair is left to the later rules as an oversized block's are, and one
in :data:`DECLINED_SAMPLE` of those no rule takes is compared for the estimate only.

**Weighing.** Each compared pair's pattern (``linkage.compare``) is counted; a pair worth
keeping under the prior weights is staged with its pattern (``ScanCandidate``) and the page's
checkpoint in one transaction, so a killed scan resumes after the last page. At the end EM
estimates ``m`` and the number of matches from the pattern counts; ``u`` comes from
:data:`RANDOM_PAIRS` seeded random pairs of the population and ``λ`` is those matches over
every pair (``linkage.rescale``, ADR 0039: neither depends on the blocking rules any more); the
model is stored (:class:`~rubrica.dedup.models.DuplicateScan`) and every pattern is scored once:
stored pairs of a pattern get its probability, reasons and tier in one UPDATE, open pairs below
every tier go, and the staged pairs of patterns that reach a tier become pairs in one INSERT.

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
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Count, Model
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
    name_codes,
)
from rubrica.dedup.models import (
    BUCKETS,
    DuplicateKey,
    DuplicatePair,
    DuplicateScan,
    PairStatus,
    ScanCandidate,
)
from rubrica.jobs.models import ACTIVE, Job
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
#: several kinds; reading and normalising them again for each kind cost ~100 µs a person, ten
#: times over at a million). When full, the cache starts again: memory stays bounded (a scan of
#: a million people peaks at ~6 GB, ADR 0046); a larger population is read again for each
#: kind, more slowly.
CACHE_PEOPLE = 1_250_000

_ORDER = {kind: index for index, kind in enumerate(BLOCK_KINDS)}
#: One in DECLINED_SAMPLE of the pairs a filter declines (and no other rule compares) is still
#: compared, for the estimate only: its pattern is counted DECLINED_SAMPLE times and the pair is
#: never kept. The EM then sees the population the unfiltered rules gave it; without this, the
#: likely tier's precision fell from 0.988 to 0.972 at 100k (ADR 0046).
DECLINED_SAMPLE = 32


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


def _stage(job: Job, pairs: dict[tuple[int, int], str]) -> None:
    """Keep the page's pairs with their patterns until the model is estimated (ADR 0046): plain
    ``executemany`` into an unindexed table (upserting ``DuplicatePair`` rows for every pair kept
    under the prior, then deleting most of them, was a third of a million-people scan)."""
    if not pairs:
        return
    table = connection.ops.quote_name(ScanCandidate._meta.db_table)
    sql = (
        f"INSERT INTO {table} (job_id, contact_a_id, contact_b_id, pattern) "  # noqa: S608
        "VALUES (%s, %s, %s, %s)"
    )
    rows = [(job.pk, a, b, pattern) for (a, b), pattern in pairs.items()]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10000):
            cursor.executemany(sql, rows[start : start + 10000])


def _forget_stale_candidates(job: Job) -> None:
    """Remove the staged pairs of scans that are no longer running (killed or cancelled)."""
    running = Job.objects.filter(kind=job.kind, status__in=ACTIVE).values("pk")
    ScanCandidate.objects.exclude(job_id__in=running).exclude(job_id=job.pk).delete()


class _People:
    """Identities and blocking keys of the people the scan has read, at most CACHE_PEOPLE."""

    def __init__(self) -> None:
        self.identities: dict[int, Identity] = {}
        self.keys: dict[int, frozenset[tuple[int, str]]] = {}
        self.codes: dict[int, frozenset[str]] = {}
        self.missing: set[int] = set()
        self._oversized_kinds: tuple[str, ...] | None = None
        self._oversized: set[tuple[int, str]] = set()

    def load(self, ids: set[int]) -> dict[int, Identity]:
        """The identities of ``ids`` (those not in the Trash), reading only the ones not held."""
        wanted = ids - self.identities.keys() - self.missing
        if len(self.identities) + len(wanted) > CACHE_PEOPLE:
            self.identities.clear()
            self.keys.clear()
            self.codes.clear()
            self.missing.clear()
            wanted = set(ids)
        found = identities(wanted)
        self.identities.update(found)
        self.missing.update(wanted - found.keys())
        return {pk: self.identities[pk] for pk in ids if pk in self.identities}

    def keys_of(self, pk: int) -> frozenset[tuple[int, str]]:
        """The person's keys of the blocking rules, as (rule's order, key)."""
        found = self.keys.get(pk)
        if found is None:
            found = self.keys[pk] = frozenset(
                (_ORDER[kind], key)
                for kind, key in blocking_keys(self.identities[pk])
                if kind in _ORDER
            )
        return found

    def oversized(self, by_kind: dict[str, list[str]]) -> set[tuple[int, str]]:
        """The skipped blocks as (rule's order, key), rebuilt only when a kind's list is added."""
        known = tuple(by_kind)
        if self._oversized_kinds != known:
            self._oversized_kinds = known
            self._oversized = {(_ORDER[k], key) for k, keys in by_kind.items() for key in keys}
        return self._oversized

    def codes_of(self, pk: int) -> frozenset[str]:
        found = self.codes.get(pk)
        if found is None:
            found = self.codes[pk] = name_codes(self.identities[pk])
        return found


class _Page:
    """One page's people, their keys and the pairs kept, with the scan's counters."""

    def __init__(self, state: dict[str, Any], cache: _People, ids: set[int]) -> None:
        self.state = state
        self.people = cache.load(ids)
        self.keys_of = cache.keys_of
        self.codes_of = cache.codes_of
        self.oversized = cache.oversized(state["oversized"])
        self.prior = linkage.Model.prior()
        self.patterns: Counter[str] = Counter()
        self.compared = 0
        self.kept: dict[tuple[int, int], str] = {}
        self.scores: dict[str, linkage.Scored] = {}

    def first_rule(self, a: int, b: int) -> tuple[int, str] | None:
        """The rule and key that compare ``a`` and ``b`` (the first of their shared keys that is
        not oversized and whose rule finds the pair worth comparing, ``linkage.worth_comparing``),
        or None when there is none."""
        common = self.keys_of(a) & self.keys_of(b)
        shared = sorted(common) if len(common) > 1 else list(common)
        for order, key in shared:
            if (order, key) in self.oversized:
                continue
            kind = BLOCK_KINDS[order]
            if kind in linkage.FILTERED_KINDS and not linkage.worth_comparing(
                kind, self.people[a], self.people[b], self.codes_of(a), self.codes_of(b)
            ):
                continue
            return order, key
        return None

    def count(self, a: int, b: int, weight: int = 1, sampled: bool = False) -> str:
        """Compare ``a`` and ``b`` and count their pattern ``weight`` times (a sample of the
        declined pairs: not a comparison of the rule)."""
        pattern = linkage.compare(self.people[a], self.people[b])
        self.patterns[pattern] += weight
        self.state["scored"] += 1
        if sampled:
            self.state["sampled"] += 1
        else:
            self.compared += 1
        return pattern

    def compare(self, a: int, b: int) -> None:
        pattern = self.count(a, b)
        scored = self.scores.get(pattern)
        if scored is None:
            scored = self.scores[pattern] = linkage.score_pattern(self.prior, pattern)
        if scored.probability >= KEEP_PRIOR:
            self.kept[(a, b)] = pattern


def _blocks(kind: str, first: int, last: int, state: dict[str, Any], cache: _People) -> _Page:
    members = _members(kind, first, last)
    page = _Page(state, cache, {pk for ids in members.values() for pk in ids})
    order = _ORDER[kind]
    people, codes_of = page.people, page.codes_of
    filtered = kind in linkage.FILTERED_KINDS
    for key, ids in members.items():
        for a, b in combinations(sorted(set(ids)), 2):
            if a not in people or b not in people:
                continue
            if filtered and not linkage.worth_comparing(
                kind, people[a], people[b], codes_of(a), codes_of(b)
            ):
                # Left to the later rules (first_rule skips it here too); a sample of those no
                # rule takes is counted for the estimate.
                if (a * 7919 + b) % DECLINED_SAMPLE == 0 and page.first_rule(a, b) is None:
                    page.count(a, b, DECLINED_SAMPLE, sampled=True)
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


def _apply_scores(scored: dict[str, linkage.Scored], job: Job, now: dt.datetime) -> None:
    """Give every stored pair the score, reasons and tier of its pattern, remove the open pairs
    below every tier, and turn this scan's staged pairs of patterns that reach a tier into pairs
    (upserted: a dismissed or merged pair keeps its status). The patterns' scores go into a
    temporary table that one UPDATE, one DELETE and one INSERT join (an UPDATE per pattern was a
    third of a scan's time: thousands of patterns)."""
    table = connection.ops.quote_name(DuplicatePair._meta.db_table)
    staged = connection.ops.quote_name(ScanCandidate._meta.db_table)
    person_model = cast("type[Model]", DuplicatePair._meta.get_field("contact_a").related_model)
    people = connection.ops.quote_name(person_model._meta.db_table)
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
        # A pair staged twice (it cannot be, short of a bug) must not upsert one row twice:
        # grouped, after the tier filter has left few rows. People purged since are skipped.
        cursor.execute(
            f"INSERT INTO {table} (contact_a_id, contact_b_id, score, reasons, tier, pattern, "  # noqa: S608
            f"status, found_at) SELECT s.a, s.b, t.score, {json_value}, t.tier, s.pattern, %s, "
            "%s FROM (SELECT contact_a_id AS a, contact_b_id AS b, MIN(pattern) AS pattern "
            f"FROM {staged} WHERE job_id = %s AND pattern IN (SELECT pattern FROM "
            "dedup_pattern_score WHERE tier <> '') GROUP BY contact_a_id, contact_b_id) s "
            "JOIN dedup_pattern_score t ON t.pattern = s.pattern "
            f"WHERE EXISTS (SELECT 1 FROM {people} p WHERE p.id = s.a) "
            f"AND EXISTS (SELECT 1 FROM {people} p WHERE p.id = s.b) "
            "ON CONFLICT (contact_a_id, contact_b_id) DO UPDATE SET score = excluded.score, "
            "reasons = excluded.reasons, tier = excluded.tier, pattern = excluded.pattern, "
            "found_at = excluded.found_at",
            [PairStatus.OPEN, connection.ops.adapt_datetimefield_value(now), job.pk],
        )
        cursor.execute(f"DELETE FROM {staged} WHERE job_id = %s", [job.pk])  # noqa: S608
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


def _weigh(
    state: dict[str, Any], job: Job, started: dt.datetime
) -> tuple[linkage.Model, dict[str, int], int]:
    """Estimate the model from the pattern counts (``m`` and the number of matches by EM; ``u``
    from random pairs and ``λ`` over every pair: ``linkage.rescale``), store it, score every pair
    by its pattern, keep the staged pairs that reach a tier and remove the open pairs this scan
    did not find again; returns the model, the pairs per tier and how many were removed."""
    model = linkage.estimate(state["patterns"])
    if model.iterations:
        model = linkage.rescale(model, *random_patterns())
    thresholds = linkage.tier_thresholds()
    tiers: Counter[str] = Counter()
    stored = DuplicatePair.objects.exclude(pattern="").values_list("pattern", flat=True)
    patterns = set(stored.distinct().order_by()) | set(state["patterns"])
    scored = {pattern: linkage.score_pattern(model, pattern, thresholds) for pattern in patterns}
    with transaction.atomic():
        _apply_scores(scored, job, timezone.now())
        removed, _detail = DuplicatePair.objects.filter(
            status=PairStatus.OPEN, found_at__lt=started
        ).delete()
        open_pairs = DuplicatePair.objects.filter(status=PairStatus.OPEN).exclude(tier="")
        tiers.update(dict(open_pairs.values_list("tier").annotate(n=Count("id")).order_by()))
        DuplicateScan.objects.create(
            job=job,
            finished_at=timezone.now(),
            model=model.as_json(),
            pairs_compared=state["scored"],
            tiers=dict(tiers),
        )
    return model, dict(tiers), removed


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
        "sampled": 0,
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
    if not job.checkpoint:
        _forget_stale_candidates(job)
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
        by_kind[kind] = by_kind.get(kind, 0) + page.compared
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
            _stage(job, page.kept)
            progress.checkpoint(dict(state))
        progress.set_done(state["kind"] * BUCKETS + state["bucket"])
    model, tiers, removed = _weigh(state, job, started)
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
        # Of pairs_scored: declined by a rule's filter, compared for the estimate only.
        "pairs_sampled": state["sampled"],
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
