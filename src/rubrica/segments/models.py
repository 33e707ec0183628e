"""Segments: named sets of people, either a saved search (dynamic) or a saved selection (static).

Sharing reuses the core owner/team/visibility semantics (``segments.policies.SegmentPolicy``, built
on ``core.policies.OwnedRecordPolicy``) rather than a bare "shared" flag, so a segment is private
to its owner, shared with one team, or shared with everyone, exactly like a person or an
organization, and a reader needs to learn only one rule.
What a segment *contains* is always read through the viewer's own ``Contact.objects.restrict``
(see ``segments.selectors``): sharing a segment shares the question, never the answers, so a team
member sees only the people they could see anyway.

Segment is not an ``OwnedRecord``: it has no custom fields, no vCard UID and no Trash. Deleting a
segment removes it for good (it holds no data about people, only a filter or a list of ids), and
the history entry of the deletion keeps its whole definition and member ids, so nothing is lost.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rubrica.core.models import RestrictManager, TimestampedModel, Visibility
from rubrica.core.policies import Policy
from rubrica.segments.policies import SegmentPolicy


class SegmentKind(models.TextChoices):
    DYNAMIC = "dynamic", _("Saved search (dynamic)")
    STATIC = "static", _("Saved selection (static)")


class Segment(TimestampedModel):
    """A named set of people.

    Invariants (kept by ``segments.services``, the only writer):
    - ``name`` is not empty and unique per owner, ignoring case.
    - ``kind`` never changes after creation (a saved search and a saved selection mean different
      things to the people using them).
    - a dynamic segment's ``filters`` holds only keys the people filter knows (``FILTER_KEYS`` and
      ``cf_<key>`` of an existing custom field), each in its normalised form, and parses without
      error through ``ContactFilter``; a static segment's ``filters`` is ``{}`` and its people are
      its ``SegmentMember`` rows.
    - visibility "team" comes with a ``team``.
    - ``version`` grows by one on every change of the definition (name, description, filters,
      sharing); membership changes do not change it. The API's ETag is this version.
    """

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    kind = models.CharField(_("kind"), max_length=10, choices=SegmentKind.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    members: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "contacts.Contact",
        verbose_name=_("members"),
        through="SegmentMember",
        related_name="segments",
        blank=True,
    )

    #: view and change as any owned record; delete only by the owner or an administrator.
    permission_policy: ClassVar[Policy] = SegmentPolicy("segments")

    objects = RestrictManager()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="segment_unique_name_per_owner"),
            models.CheckConstraint(
                condition=Q(kind__in=["dynamic", "static"]), name="segment_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["name", "id"], name="segment_name_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("segments:detail", args=[self.pk])

    @property
    def is_dynamic(self) -> bool:
        return self.kind == SegmentKind.DYNAMIC

    @property
    def shared(self) -> bool:
        return self.visibility != Visibility.PRIVATE


class SegmentMember(models.Model):
    """One person in a static segment: who put them there and when.

    Invariants: at most one row per (segment, contact); rows exist only for static segments. A
    person in the Trash keeps their row (restoring them brings them back) but is not listed.
    """

    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="segment_memberships",
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [
            models.UniqueConstraint(fields=["segment", "contact"], name="segment_member_unique")
        ]
        indexes = [models.Index(fields=["contact"], name="segment_member_contact_idx")]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.contact_id}"
