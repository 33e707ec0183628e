"""Privacy records (ADR 0032): the erasures done (without the erased values) and the retention
rules administrators keep."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Erasure(models.Model):
    """One person erased: who, when, and how many rows of each kind went. Holds no erased value
    (the person's id only); invariant: at most one per person."""

    contact_id = models.BigIntegerField(_("person id"), unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    counts = models.JSONField(_("what was erased"), default=dict)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"#{self.contact_id}"


class RetentionAction(models.TextChoices):
    TRASH = "trash", _("Move to the Trash")
    ERASE = "erase", _("Erase")


class RetentionEntity(models.TextChoices):
    """The kinds of records a retention rule lets go (ADR 0032, 0035)."""

    CONTACT = "contact", _("people")
    ORGANIZATION = "organization", _("organizations")
    ACTIVITY = "activity", _("timeline entries")


class RetentionRule(models.Model):
    """Records to let go, run by the worker once a day acting as ``created_by``:

    - people matching the conditions (stage, tag) untouched for ``age_days`` (no interaction and
      no change since): moved to the Trash or erased;
    - organizations (tag, and ``without_people``: nobody affiliated) untouched for ``age_days``
      (no change and no timeline entry since): moved to the Trash;
    - timeline entries that happened more than ``age_days`` ago: moved to the Trash.

    Invariants: ``age_days`` >= 1; an active rule was previewed after its last change (the
    services refuse to activate it otherwise); only people are erased (the services refuse the
    erase action for other records; ``retention_erase_people_only``)."""

    name = models.CharField(_("name"), max_length=100)
    entity = models.CharField(
        _("records"),
        max_length=20,
        default=RetentionEntity.CONTACT,
        choices=RetentionEntity.choices,
    )
    without_people = models.BooleanField(_("only those without people"), default=False)
    stage = models.ForeignKey(
        "taxonomy.LifecycleStage",
        verbose_name=_("lifecycle stage"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    tag = models.ForeignKey(
        "taxonomy.Tag",
        verbose_name=_("tag"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    age_days = models.PositiveIntegerField(_("untouched for (days)"))
    action = models.CharField(
        _("action"), max_length=10, choices=RetentionAction.choices, default=RetentionAction.TRASH
    )
    active = models.BooleanField(_("active"), default=False)
    #: The administrator the worker acts as (the rule's author or last editor).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    #: When its preview was last shown; a rule runs only if previewed since its last change.
    previewed_at = models.DateTimeField(_("previewed"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(age_days__gte=1), name="retention_age_min"),
            models.CheckConstraint(
                condition=models.Q(entity="contact") | ~models.Q(action="erase"),
                name="retention_erase_people_only",
            ),
        ]

    def __str__(self) -> str:
        return self.name
