"""Per-record history: who changed what, when, field by field."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class HistoryAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Moved to Trash")
    RESTORE = "restore", _("Restored from Trash")
    REVERT = "revert", _("Earlier value restored")


class HistoryEntry(models.Model):
    """One change of one record, written in the same transaction as the change itself.

    ``changes`` maps a field name to ``{"before": ..., "after": ...}`` with JSON values; collections
    (emails, phones, tags...) appear as whole lists so a past state can be put back.
    """

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.CASCADE
    )
    object_id = models.BigIntegerField(_("record id"))
    action = models.CharField(_("action"), max_length=10, choices=HistoryAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version after the change"), default=1)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="history_record_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.content_type.model} #{self.object_id}"
