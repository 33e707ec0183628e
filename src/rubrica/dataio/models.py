"""What an import did, record by record, so that it can be reported and reverted exactly.

The import job itself is a ``rubrica.jobs.Job`` (kind ``import``): its ``params`` hold the stored
file, the format, the column mapping and the duplicate policy, its ``checkpoint`` the last source
line whose batch committed, its ``result`` the counts. One ``ImportRow`` per source record says
what happened to it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    UNCHANGED = "unchanged", _("Already up to date")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class ImportRow(models.Model):
    """One source record of one import job and what the import did with it.

    Invariants: at most one row per (job, line) (a resumed import skips lines it already wrote);
    ``before`` is the person's snapshot just before an ``updated`` row changed it and ``version``
    the person's version right after the import, so a revert puts ``before`` back only while the
    person is still at ``version``; ``organization`` is set only when this row created it, and
    ``affiliation`` only when this row created the link (both are removed by a revert).
    """

    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("job"), on_delete=models.CASCADE, related_name="import_rows"
    )
    line = models.PositiveIntegerField(_("line"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.TextField(_("message"), blank=True)
    before = models.JSONField(_("before the import"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version after the import"), null=True, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization created"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    affiliation = models.ForeignKey(
        "organizations.Affiliation",
        verbose_name=_("affiliation created"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    #: The activities this row created on the person's timeline (a JSON document's), by id:
    #: a revert moves them to the Trash.
    activities = models.JSONField(_("activities created"), default=list, blank=True)
    reverted = models.BooleanField(_("reverted"), default=False)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "line"]
        constraints = [
            models.UniqueConstraint(fields=["job", "line"], name="import_row_job_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line} {self.outcome}"


class ImportOrganization(models.Model):
    """One organization of an imported Rubrica JSON document (its ``organizations`` array)
    and what the import did with it, as ``ImportRow`` is for a person.

    Invariants: at most one row per (job, line), ``line`` the 1-based index in the array (a
    resumed import skips the ones it wrote); ``organization`` is the one created, updated,
    left unchanged or matched; ``before`` holds the fields an ``updated`` row changed as they
    were, and ``version`` the organization's version right after, so a revert puts them back
    only while it is still at that version.
    """

    job = models.ForeignKey(
        "jobs.Job",
        verbose_name=_("job"),
        on_delete=models.CASCADE,
        related_name="import_organizations",
    )
    line = models.PositiveIntegerField(_("line"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.TextField(_("message"), blank=True)
    before = models.JSONField(_("before the import"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version after the import"), null=True, blank=True)
    reverted = models.BooleanField(_("reverted"), default=False)

    class Meta:
        verbose_name = _("imported organization")
        verbose_name_plural = _("imported organizations")
        ordering = ["job", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "line"], name="import_organization_job_line_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:organization {self.line} {self.outcome}"
