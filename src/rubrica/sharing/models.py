"""Explicit shares: one record opened to one user or one team, to read or to change."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ShareLevel(models.TextChoices):
    """What a share lets its grantee do: read shares grant view; write shares view and change
    (never delete: only those the record's own rule allows may move it to the Trash)."""

    READ = "read", _("Can view")
    WRITE = "write", _("Can edit")


class RecordShare(models.Model):
    """One record (any kind registered with ``sharing.registry``) shared with one grantee.

    Invariants: exactly one of ``user`` and ``team`` is set (``sharing_one_grantee``); a grantee
    holds at most one share of a record (``sharing_unique_user``/``sharing_unique_team``), so
    sharing again changes the level. Rows are written only by ``sharing.services``; they go with
    their grantee (a user or team deleted) and with their record (``shares_forget`` when it is
    purged). A team share follows the team's membership at each read.
    """

    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("record type"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # sharing_record_idx leads with it
    )
    object_id = models.BigIntegerField(_("record id"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # sharing_user_idx leads with it
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # sharing_team_idx leads with it
    )
    level = models.CharField(
        _("access"), max_length=5, choices=ShareLevel.choices, default=ShareLevel.READ
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    shared_at = models.DateTimeField(_("shared"), default=timezone.now)

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        ordering = ["shared_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(team__isnull=True))
                | (Q(user__isnull=True) & Q(team__isnull=False)),
                name="sharing_one_grantee",
            ),
            models.CheckConstraint(
                condition=Q(level__in=ShareLevel.values), name="sharing_level_known"
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"],
                condition=Q(user__isnull=False),
                name="sharing_unique_user",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "team"],
                condition=Q(team__isnull=False),
                name="sharing_unique_team",
            ),
        ]
        indexes = [
            # The policy's subquery: a person's (or their teams') shares of one kind.
            models.Index(fields=["user", "content_type", "object_id"], name="sharing_user_idx"),
            models.Index(fields=["team", "content_type", "object_id"], name="sharing_team_idx"),
            # The shares of one record (its panel, the purge).
            models.Index(fields=["content_type", "object_id"], name="sharing_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} → {self.grantee_name}"

    @property
    def grantee_name(self) -> str:
        if self.user is not None:
            return self.user.get_full_name() or self.user.get_username()
        return str(self.team)
