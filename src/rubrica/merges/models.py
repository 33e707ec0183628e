"""Merges of two people into one, kept so that each can be undone exactly.

A merge never destroys anything: the absorbed person (``merged``) goes to the Trash, soft-deleted
with all its own child rows, and only *links* (affiliations and every row of another app that
points at a person) move to the ``survivor``. ``snapshot`` holds what is needed to put both back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Merge(models.Model):
    """One merge of ``merged`` into ``survivor``, and its undo.

    Invariants:
    - ``survivor`` and ``merged`` differ (constraint ``merge_distinct_people``); both were alive
      when the merge was made, and the merge put ``merged`` into the Trash (never deleted it for
      good). When the Trash purge deletes one of them for good, the merge row goes too: its
      snapshot holds that person's data, and a purge removes personal data, not only the row.
    - ``snapshot`` (format 1) holds, for both people, the services' input shape
      (``contacts.services.snapshot``) plus uid, version, created_at, deleted_at, display name,
      photo name, ``vcard_extra``, the child rows with their ids, the tag ids and the
      affiliations (ids and fields); the survivor's state right after the merge
      (``survivor_after``); every link row moved from ``merged`` to ``survivor``
      (``moved``: model label, pk, FK attribute) and every row deliberately left on ``merged``
      (``kept``: an exact duplicate or a row a unique constraint would refuse), and the
      affiliations whose primary flag the merge cleared (``demoted``).
    - History entries never move: each stays with the record it describes.
    - A model whose rows must not follow a merge (derived data such as match keys) says so with
      the class attribute ``merge_follows = False``; its rows stay with their person.
    - ``undone_at`` is set once, by ``contact_unmerge``; an undone merge cannot be undone again.
    """

    survivor = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("kept person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    merged = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("merged person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("merged at"), default=timezone.now, db_index=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    survivor_name = models.CharField(_("kept person's name"), max_length=300, blank=True)
    merged_name = models.CharField(_("merged person's name"), max_length=300, blank=True)
    snapshot = models.JSONField(_("state before the merge"), default=dict)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "-at", "-id"], name="merge_actor_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(survivor=F("merged")), name="merge_distinct_people"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged_name} → {self.survivor_name}"

    def get_absolute_url(self) -> str:
        return reverse("merges:list") + f"#merge-{self.pk}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None
