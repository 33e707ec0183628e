"""What a cleaning job changed, so that exactly those changes can be undone."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CleaningChange(models.Model):
    """The change one cleaning job made to one person: the values of the fields it passed to the
    update service, before and after, in the services' input shape.

    Invariants: written in the same transaction as the update it describes; ``version`` is the
    person's version right after that update, so an undo can tell that the record has changed
    since (and then leaves it alone); at most one row per job and person.
    """

    job = models.ForeignKey(
        "jobs.Job",
        verbose_name=_("job"),
        on_delete=models.CASCADE,
        related_name="cleaning_changes",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    before = models.JSONField(_("values before"), default=dict)
    after = models.JSONField(_("values after"), default=dict)
    version = models.PositiveIntegerField(_("version after the change"))

    class Meta:
        verbose_name = _("cleaning change")
        verbose_name_plural = _("cleaning changes")
        ordering = ["job", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "contact"], name="quality_change_once_per_job"),
        ]

    def __str__(self) -> str:
        return f"job {self.job_id} · person {self.contact_id}"
