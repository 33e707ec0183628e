"""The backups taken by this instance: one row per complete archive."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rubrica.backups.policies import BackupPolicy
from rubrica.core.policies import AnyUser, Policy, policy_for


class BackupQuerySet(models.QuerySet["Backup"]):
    def restrict(self, user: AnyUser, action: str = "view") -> BackupQuerySet:
        """Administrators only (``policies.BackupPolicy``)."""
        return policy_for(self.model).queryset_for(user, action, self)


class Backup(models.Model):
    """An archive that was written completely (the row is made after the file is synced and
    renamed into place). ``file_name`` is relative to ``RUBRICA_BACKUP_DIR``; the file may have
    gone since (retention, an operator): ``exists`` says. ``verified_ok`` is None until
    ``rubrica backup verify`` (or the page's button) restored it into a scratch database."""

    file_name = models.CharField(_("file"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("taken"), db_index=True)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    encrypted = models.BooleanField(_("encrypted"), default=False)
    scheduled = models.BooleanField(_("scheduled"), default=False)
    database = models.CharField(_("database"), max_length=20)
    rows = models.BigIntegerField(_("rows"), default=0)
    files = models.PositiveIntegerField(_("files"), default=0)
    job = models.ForeignKey(
        "jobs.Job",
        verbose_name=_("job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_ok = models.BooleanField(_("verification passed"), null=True, blank=True)
    verify_report = models.TextField(_("verification report"), blank=True)

    permission_policy: ClassVar[Policy] = BackupPolicy()
    objects = BackupQuerySet.as_manager()

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def path(self) -> Path:
        return Path(settings.RUBRICA_BACKUP_DIR) / self.file_name

    @property
    def exists(self) -> bool:
        return self.deleted_at is None and self.path.is_file()


class BackupSchedule(models.Model):
    """The one row (pk 1) that remembers when the worker first saw the daily backup schedule
    switched on (``since``): the first scheduled backup is the first backup time after it, not
    the one that already passed on the day Rubrica was installed (ADR 0036)."""

    since = models.DateTimeField(_("schedule seen since"))

    class Meta:
        verbose_name = _("backup schedule")
        verbose_name_plural = _("backup schedule")

    def __str__(self) -> str:
        return str(self.since)
