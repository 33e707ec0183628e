"""Duplicate detection: the match-key index and the candidate pairs found by a scan."""

from __future__ import annotations

import zlib

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

#: Number of buckets keys are spread over (see DuplicateKey.bucket).
BUCKETS = 1024


def key_bucket(key: str) -> int:
    return zlib.crc32(key.encode()) % BUCKETS


#: The kind whose buckets follow the order of its keys (``keys.SORTED_NAME``; a string here:
#: models import nothing of the engine's logic).
ORDERED_KIND = "name_sn"


def _rank(char: str) -> int:
    return min(31, max(0, ord(char) - 96))


def bucket_of(kind: str, key: str) -> int:
    """The bucket of a key: a hash of it, except for the sorted-neighbourhood kind, whose
    bucket is a non-decreasing function of its first two letters, so that walking its buckets in
    order, each by (key, contact), walks the keys in order (``rubrica.dedup.scan``)."""
    if kind == ORDERED_KIND:
        padded = f"{key}  "
        return _rank(padded[0]) * 32 + _rank(padded[1])
    return key_bucket(key)


class DuplicateKey(models.Model):
    """One blocking key of one person (see ``rubrica.dedup.keys``): people sharing a (kind, key)
    are compared. Invariant: the rows of a person are exactly ``blocking_keys`` of their current
    data; people in the Trash have none. Only ``rubrica.dedup.index`` writes them, inside the
    transaction of the contact service that changed the person."""

    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16)
    key = models.CharField(_("key"), max_length=200)
    #: ``crc32(key) % BUCKETS``: the scan walks a kind bucket range by bucket range, so each of its
    #: GROUP BY queries reads a bounded slice of the table whatever plan the database picks.
    bucket = models.PositiveSmallIntegerField(_("bucket"), default=0)

    class Meta:
        verbose_name = _("duplicate key")
        verbose_name_plural = _("duplicate keys")
        # One index serves the scan (a bucket range) and the lookups of a key (whose bucket is
        # a function of the key: ``key_bucket``), and covers both (``contact`` in it). Two
        # indexes, (kind, key, contact) and (kind, bucket, key), cost an import at a million
        # people 15% more of its database time (docs/benchmarks.md): every key is inserted at
        # a random place of each.
        indexes = [
            models.Index(fields=["kind", "bucket", "key", "contact"], name="dedup_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class PairStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DISMISSED = "dismissed", _("Not a duplicate")
    MERGED = "merged", _("Merged")


class DuplicatePair(models.Model):
    """Two people a scan found alike. Invariants: ``contact_a_id < contact_b_id`` and one row per
    pair, so a decision about a pair is remembered: a dismissed pair is never reopened by later
    scans (they only refresh its score). ``reasons`` holds reason codes of
    ``rubrica.dedup.scoring.REASONS``, translated when shown."""

    contact_a = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("first person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    contact_b = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("second person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    #: The calibrated match probability (0-1) under the model of the scan that last found it.
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    #: "sure", "likely" or "possible" (``rubrica.dedup.linkage.TIERS``; "" for pairs of the
    #: older scoring, before a scan refreshed them).
    tier = models.CharField(_("tier"), max_length=10, blank=True, default="")
    #: The comparison levels of the two people (``rubrica.dedup.linkage.compare``): a scan
    #: rescores every pair of one pattern at once when it has estimated its weights.
    pattern = models.CharField(_("pattern"), max_length=24, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=PairStatus.choices, default=PairStatus.OPEN
    )
    found_at = models.DateTimeField(_("found"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("duplicate pair")
        verbose_name_plural = _("duplicate pairs")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact_a", "contact_b"], name="dedup_pair_unique"),
            models.CheckConstraint(
                condition=Q(contact_a__lt=F("contact_b")), name="dedup_pair_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-score", "id"], name="dedup_pair_status_idx"),
            models.Index(fields=["contact_b"], name="dedup_pair_b_idx"),
            models.Index(fields=["status", "tier", "-score", "id"], name="dedup_pair_tier_idx"),
            models.Index(fields=["pattern"], name="dedup_pair_pattern_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_a_id}~{self.contact_b_id} ({self.score:.2f})"


class DuplicateScan(models.Model):
    """The record-linkage model one scan estimated (``rubrica.dedup.linkage.Model.as_json``):
    ``m``/``u`` per comparison level and the share of matches, with how many compared pairs it
    was estimated from and whether EM converged. The latest one scores the warnings shown before
    saving a person; each scan keeps its own, so a change of weights can be followed."""

    job = models.ForeignKey(
        "jobs.Job",
        verbose_name=_("job"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished"))
    model = models.JSONField(_("model"), default=dict)
    pairs_compared = models.PositiveBigIntegerField(_("pairs compared"), default=0)
    tiers = models.JSONField(_("pairs per tier"), default=dict, blank=True)

    class Meta:
        verbose_name = _("duplicate scan")
        verbose_name_plural = _("duplicate scans")
        ordering = ["-finished_at", "-id"]

    def __str__(self) -> str:
        return f"scan {self.pk} ({self.finished_at:%Y-%m-%d %H:%M})"


class ScanCandidate(models.Model):
    """A pair a running scan compared and kept under the prior weights, until the scan has
    estimated its model (ADR 0046): then the pairs of patterns that reach a tier become
    :class:`DuplicatePair` rows in one statement and the rest are dropped. No index and no
    foreign key, so that writing millions of them costs little; written with each page's
    checkpoint, so a resumed scan keeps them; a scan removes its own when it ends and those of
    scans no longer running when it starts."""

    job_id = models.BigIntegerField(_("job"))
    contact_a_id = models.BigIntegerField(_("first person"))
    contact_b_id = models.BigIntegerField(_("second person"))
    pattern = models.CharField(_("pattern"), max_length=24)

    class Meta:
        verbose_name = _("scan candidate")
        verbose_name_plural = _("scan candidates")

    def __str__(self) -> str:
        return f"{self.contact_a_id}~{self.contact_b_id} {self.pattern}"
