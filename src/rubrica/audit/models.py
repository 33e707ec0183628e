"""The audit log: one append-only row per security-relevant event, chained by SHA-256.

Invariants: ``seq`` runs 1, 2, 3... with no gap; ``prev_hash`` is the ``hash`` of the entry with
the previous ``seq`` (``GENESIS`` for the first); ``hash`` is SHA-256 of ``prev_hash`` followed by
the canonical JSON of the entry (``rubrica.audit.chain.canonical``). Rows are never updated nor
deleted: database triggers refuse both (migration 0001). The actor is kept by id and name rather
than by foreign key, so that no change elsewhere ever has to touch a row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS = "0" * 64


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    at = models.DateTimeField(_("time"))
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=300, blank=True)
    ip_address = models.CharField(_("address"), max_length=45, blank=True)
    #: The door: web, api, cli, worker or system (``core.origin``); empty in older entries.
    source = models.CharField(_("source"), max_length=16, blank=True, default="")
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            models.Index(fields=["actor_id", "seq"], name="audit_actor_seq"),
            models.Index(fields=["at", "seq"], name="audit_at_seq"),
            models.Index(fields=["target_type", "seq"], name="audit_target_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"
