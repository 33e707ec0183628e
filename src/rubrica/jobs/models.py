"""Background jobs a person starts (imports, exports, duplicate scans, cleanings) and watches.

A Job is the durable, user-facing side of one piece of long work; Django's Tasks API only carries
"run job N" to a worker. Progress, the checkpoint a resumed run continues from, the result and the
output file live here, so the UI, the API and the CLI show the same thing whichever process runs it.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rubrica.core.policies import AnyUser, Policy, policy_for
from rubrica.jobs.policies import JobPolicy
from rubrica.jobs.storage import job_output_path, job_storage


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobQuerySet(models.QuerySet["Job"]):
    def restrict(self, user: AnyUser, action: str = "view") -> JobQuerySet:
        """What ``user`` may ``action``, as the model's policy decides (``jobs.policies``)."""
        return policy_for(self.model).queryset_for(user, action, self)


#: How long a queued job may wait before the pages say no worker seems to run.
WORKER_PICKUP = dt.timedelta(minutes=1)


class Job(models.Model):
    """One run of long work for ``owner``.

    Invariants: ``done`` never exceeds ``total`` when ``total`` is known; ``started_at`` is set
    once running and ``finished_at`` once the status is final (succeeded, failed, cancelled);
    ``checkpoint`` is written in the same transaction as the work it describes, so a run killed
    at any moment resumes exactly after the last committed batch.
    """

    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total = models.BigIntegerField(_("total"), null=True, blank=True)
    done = models.BigIntegerField(_("done"), default=0)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    checkpoint = models.JSONField(_("checkpoint"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    output = models.FileField(
        _("output file"),
        upload_to=job_output_path,
        storage=job_storage,
        max_length=300,
        blank=True,
    )
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    #: A person sees and acts on their own jobs; administrators on everyone's.
    permission_policy: ClassVar[Policy] = JobPolicy()

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_idx"),
            models.Index(
                fields=["status", "heartbeat_at"],
                condition=Q(status__in=["queued", "running"]),
                name="job_active_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(done__lte=models.F("total")),
                name="job_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def waiting_for_worker(self) -> bool:
        """Queued for longer than a worker takes to pick a job up: most likely no worker runs
        (``rubrica serve`` starts one; a bare ``runserver`` does not)."""
        return (
            self.status == JobStatus.QUEUED
            and self.created_at is not None
            and timezone.now() - self.created_at > WORKER_PICKUP
        )

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == JobStatus.SUCCEEDED else None
        return min(100, int(self.done * 100 / self.total))
