"""The duplicate scan (job kind ``dedup_scan``): compare people who share a blocking key, never
everyone with everyone.

Keys are spread over :data:`~rubrica.dedup.models.BUCKETS` buckets by a hash of the key. For each
key kind the scan walks bucket ranges sized to hold about :data:`WINDOW` rows; in each range,
blocks (people sharing one key) come from ``GROUP BY key HAVING COUNT(*) > 1`` over a bounded
slice of the (kind, bucket, key) index, so singletons never leave the database and no query
depends on the planner choosing an ordered index walk. Progress counts buckets.

Blocks larger than :data:`MAX_BLOCK` (a switchboard shared by a whole company, a birthday shared
by many Johns) are skipped and counted: comparing everyone in them costs quadratic time and
proves little. Each page is scored in memory (identities loaded in three queries) and its pairs are
written with its checkpoint in one transaction, so a killed scan resumes after the last page.

Pairs are upserted on (contact_a, contact_b): an open pair gets its new score, a dismissed or
merged pair keeps its status (a decision is never undone by a scan). At the end, open pairs that
this scan did not find again (people changed or went to the Trash) are removed.
"""

from __future__ import annotations

import datetime as dt
from itertools import combinations
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from rubrica.dedup import registry
from rubrica.dedup.index import identities
from rubrica.dedup.keys import KINDS
from rubrica.dedup.models import BUCKETS, DuplicateKey, DuplicatePair, PairStatus
from rubrica.dedup.scoring import score
from rubrica.jobs.models import Job
from rubrica.jobs.services import Progress

#: Blocks with more members than this are skipped (and counted in the result).
MAX_BLOCK = 200
#: Key rows a page aims at: each page is one transaction (pairs + checkpoint).
WINDOW = 20000
#: Keys per ``key IN (...)`` query (well below SQLite's limit on parameters).
KEYS_PER_QUERY = 2000


def _span(kind: str) -> int:
    """How many buckets one page of ``kind`` covers, so that a page holds about WINDOW rows."""
    rows = DuplicateKey.objects.filter(kind=kind).count()
    return max(1, min(BUCKETS, BUCKETS * WINDOW // max(rows, 1)))


def _slice(kind: str, first: int, last: int) -> Any:
    return DuplicateKey.objects.filter(kind=kind, bucket__gte=first, bucket__lte=last)


def _oversized(kind: str, first: int, last: int) -> list[int]:
    """Sizes of the blocks too large to compare in buckets ``first``..``last`` of ``kind``."""
    rows = (
        _slice(kind, first, last)
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=MAX_BLOCK)
        .order_by()
        .values_list("n", flat=True)
    )
    return list(rows)


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
        .filter(n__gt=1, n__lte=MAX_BLOCK)
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


def _write(pairs: dict[tuple[int, int], tuple[float, list[str]]], now: dt.datetime) -> None:
    if not pairs:
        return
    DuplicatePair.objects.bulk_create(
        [
            DuplicatePair(
                contact_a_id=a, contact_b_id=b, score=value, reasons=reasons, found_at=now
            )
            for (a, b), (value, reasons) in pairs.items()
        ],
        update_conflicts=True,
        unique_fields=["contact_a", "contact_b"],
        update_fields=["score", "reasons", "found_at"],
        batch_size=500,
    )


def run_dedup_scan(job: Job, progress: Progress) -> dict[str, Any]:
    """Scan every block of the key index (see the module docstring); returns counts."""
    state: dict[str, Any] = {
        "started": timezone.now().isoformat(),
        "kind": 0,
        "bucket": 0,
        "blocks": 0,
        "scored": 0,
        "found": 0,
        "skipped_blocks": 0,
        "skipped_members": 0,
        **job.checkpoint,
    }
    started = dt.datetime.fromisoformat(state["started"])
    progress.set_total(len(KINDS) * BUCKETS)
    progress.set_done(state["kind"] * BUCKETS + state["bucket"])
    seen: set[int] = set()
    span = 0
    while state["kind"] < len(KINDS):
        kind = KINDS[state["kind"]]
        progress.raise_if_cancelled()
        span = span or _span(kind)
        first = state["bucket"]
        last = min(BUCKETS, first + span) - 1
        oversized = _oversized(kind, first, last)
        state["skipped_blocks"] += len(oversized)
        state["skipped_members"] += sum(oversized)
        members = _members(kind, first, last)
        people = identities({pk for ids in members.values() for pk in ids})
        pairs: dict[tuple[int, int], tuple[float, list[str]]] = {}
        for ids in members.values():
            for a, b in combinations(sorted(set(ids)), 2):
                token = (a << 32) | b
                if token in seen:
                    continue
                seen.add(token)
                one, other = people.get(a), people.get(b)
                if one is None or other is None:
                    continue
                state["scored"] += 1
                match = score(one, other)
                if match.is_duplicate:
                    pairs[(a, b)] = (match.score, match.reasons)
        state["blocks"] += len(members) + len(oversized)
        state["found"] += len(pairs)
        if last == BUCKETS - 1:
            state["kind"] += 1
            state["bucket"] = 0
            span = 0
        else:
            state["bucket"] = last + 1
        with transaction.atomic():
            _write(pairs, timezone.now())
            progress.checkpoint(dict(state))
        progress.set_done(state["kind"] * BUCKETS + state["bucket"])
    removed, _detail = DuplicatePair.objects.filter(
        status=PairStatus.OPEN, found_at__lt=started
    ).delete()
    # Exact duplicates (same email, same name) merged without asking by the merging registered
    # with the engine (rubrica.merges: only when the operator turned it on, each merge undoable).
    merging = registry.merging()
    merged = merging.auto_merge_exact(actor=job.owner) if merging is not None else 0
    return {
        "auto_merged": merged,
        "blocks": state["blocks"],
        "pairs_scored": state["scored"],
        "pairs_found": state["found"],
        "open_pairs": DuplicatePair.objects.filter(status=PairStatus.OPEN).count(),
        "stale_removed": removed,
        "skipped_blocks": state["skipped_blocks"],
        "skipped_members": state["skipped_members"],
    }
