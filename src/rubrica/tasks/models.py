"""Tasks: what someone must do next, when, about whom.

A task is an owned record (owner, team, visibility, Trash, version; its own policy:
``policies.TaskPolicy``) with an assignee, a due day (and optionally an exact moment), a
priority, a status, links to people and organizations, a reminder and an optional recurrence.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rubrica.core.models import OwnedRecord
from rubrica.core.policies import Policy
from rubrica.tasks.policies import TaskPolicy


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Task(OwnedRecord):
    """Something to do.

    Invariants (kept by ``tasks.services``): ``due_date`` is set whenever ``due_at`` is, and is
    the day of ``due_at`` in the task's ``time_zone``; a task with only a ``due_date`` is due all
    that day. ``remind_at`` is derived (``due_at`` or 09:00 of ``due_date`` in ``time_zone``,
    minus ``remind_minutes_before``) and ``reminder_sent_at`` is cleared whenever ``remind_at``
    changes; ``completed_at`` is set exactly when ``status`` is done. ``recurrence`` is an RRULE
    (RFC 5545, without DTSTART) counted from ``recurrence_start``; completing an occurrence
    creates the next one. ``activity``, when set, is the activity this task follows up.
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    people = models.ManyToManyField(
        "contacts.Contact", verbose_name=_("people"), related_name="tasks", blank=True
    )
    organizations = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("organizations"),
        related_name="tasks",
        blank=True,
    )
    remind_minutes_before = models.PositiveIntegerField(
        _("remind minutes before"), null=True, blank=True
    )
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    recurrence = models.CharField(_("recurrence"), max_length=500, blank=True)
    recurrence_start = models.DateTimeField(_("recurrence start"), null=True, blank=True)
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("follow-up of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_up_tasks",
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous occurrence"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    permission_policy: ClassVar[Policy] = TaskPolicy("tasks")

    class Meta(OwnedRecord.Meta):
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_date", "due_at", "id"]
        indexes = [
            models.Index(  # My tasks: buckets counted and listed from the index alone
                fields=["assignee", "status", "due_date", "due_at", "id"],
                condition=Q(deleted_at__isnull=True),
                name="task_assignee_due",
            ),
            models.Index(
                fields=["remind_at"],
                condition=Q(status="open", reminder_sent_at__isnull=True, deleted_at__isnull=True),
                name="task_reminder_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(due_date__isnull=False),
                name="task_due_at_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status="done", completed_at__isnull=False)
                | (~Q(status="done") & Q(completed_at__isnull=True)),
                name="task_completed_when_done",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tasks:detail", args=[self.pk])
