"""Activities: what happened with people and organizations (calls, meetings, notes...), shown on
their timelines, and the keep-in-touch cadence of a person.

An activity is an ``OwnedRecord`` (owner, Trash, version, history) whose reads follow its own
policy (``activities.policies.ActivityPolicy``): it is visible to whoever can see one of its
records (people or organizations), unless it is ``private`` (then to its owner and the
administrators only). The ``team`` and ``visibility`` fields it inherits are not read by that
policy.

The links to people and organizations are explicit through-rows that carry a copy of the
activity's ``occurred_at`` (kept by the services), so a record's timeline is read from one index
in time order, whatever the number of activities in the database.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rubrica.activities.policies import ActivityPolicy
from rubrica.core.models import OwnedRecord
from rubrica.core.policies import Policy
from rubrica.taxonomy.models import OrderedChoice

ALIVE = Q(deleted_at__isnull=True)


class Kind(models.TextChoices):
    NOTE = "note", _("Note")
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    SMS = "sms", _("SMS")
    CHAT = "chat", _("Chat")
    VISIT = "visit", _("Visit")
    SOCIAL = "social", _("Social")


class Direction(models.TextChoices):
    NONE = "", _("None")
    IN = "in", _("Incoming")
    OUT = "out", _("Outgoing")


class Outcome(OrderedChoice):
    """How a call (or any attempt) ended: connected, voicemail, no answer, wrong number... An
    editable list like the lifecycle stages (administrators edit it on a settings page).

    A ``retired`` outcome is no longer offered for new activities, but the activities that
    have it keep it and still show it; it cannot be deleted while any activity uses it."""

    shipped: ClassVar[dict[str, tuple[str, Promise]]] = {
        "connected": ("Connected", _("Connected")),
        "voicemail": ("Voicemail", _("Voicemail")),
        "no_answer": ("No answer", _("No answer")),
        "wrong_number": ("Wrong number", _("Wrong number")),
    }

    retired = models.BooleanField(_("retired"), default=False)

    class Meta(OrderedChoice.Meta):
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="outcome_key_unique")
        ]


class Activity(OwnedRecord):
    """Something that happened: a call, a meeting, a note...

    Invariants: ``occurred_at`` is aware; the ``occurred_at`` copies on the link rows equal it
    (the services write both); ``mentioned_users`` are the active users named as ``@username`` in
    ``body`` when it was last written.
    """

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.NOTE)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default="", blank=True
    )
    occurred_at = models.DateTimeField(_("when"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    outcome = models.ForeignKey(
        Outcome,
        verbose_name=_("outcome"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text (Markdown)"), blank=True)
    private = models.BooleanField(_("private"), default=False)
    people: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "contacts.Contact",
        verbose_name=_("people"),
        through="ActivityPerson",
        related_name="activities",
        blank=True,
    )
    organizations: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("organizations"),
        through="ActivityOrganization",
        related_name="activities",
        blank=True,
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participating users"),
        related_name="activities",
        blank=True,
    )
    mentioned_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentioned users"),
        related_name="activity_mentions",
        blank=True,
    )

    permission_policy: ClassVar[Policy] = ActivityPolicy("activities")

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], condition=ALIVE, name="activity_time_idx"),
            models.Index(
                fields=["owner", "-occurred_at", "-id"], condition=ALIVE, name="activity_owner_idx"
            ),
            models.Index(fields=["deleted_at"], condition=~ALIVE, name="activity_trash_idx"),
        ]

    def __str__(self) -> str:
        return self.subject or f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.pk])


class ActivityPerson(models.Model):
    """A person an activity concerns; ``occurred_at`` and ``alive`` copy the activity's for the
    person's timeline index."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="person_links"
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="activity_links",
    )
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("person of an activity")
        verbose_name_plural = _("people of activities")
        constraints = [
            models.UniqueConstraint(fields=["activity", "contact"], name="activity_person_unique")
        ]
        indexes = [
            models.Index(
                fields=["contact", "-occurred_at", "-activity"], name="activity_person_time_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.contact_id}"


class ActivityOrganization(models.Model):
    """An organization an activity is explicitly linked to."""

    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="organization_links",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="activity_links",
    )
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("organization of an activity")
        verbose_name_plural = _("organizations of activities")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "organization"], name="activity_organization_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "-occurred_at", "-activity"],
                name="activity_org_time_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.organization_id}"


class KeepInTouch(models.Model):
    """A person's effective cadence: talk to them every ``ideal_days``, and no later than
    ``max_days``. It is the person's own cadence (``source_tag`` empty) or, when they have none,
    the strictest of their tags' cadences (the smallest maximum, then the smallest ideal; that
    tag in ``source_tag``). A person with neither has no row.

    Invariants: ``ideal_days <= max_days``; ``due_at`` and ``overdue_at`` are the person's
    ``last_interaction_at`` plus those intervals; a row with ``source_tag`` copies that tag's
    ``TagCadence``. The services that log interactions, set cadences (a person's or a tag's),
    change a person's tags or delete a tag keep them (``refresh_cadences``), so "people to
    contact" is one index range and never a computation over tags."""

    contact = models.OneToOneField(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="keep_in_touch",
    )
    ideal_days = models.PositiveIntegerField(_("ideal interval (days)"))
    max_days = models.PositiveIntegerField(_("maximum interval (days)"))
    source_tag = models.ForeignKey(
        "taxonomy.Tag",
        verbose_name=_("from tag"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    due_at = models.DateTimeField(_("due"))
    overdue_at = models.DateTimeField(_("overdue"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("keep-in-touch cadence")
        verbose_name_plural = _("keep-in-touch cadences")
        constraints = [
            models.CheckConstraint(
                condition=Q(ideal_days__lte=models.F("max_days")),
                name="keep_in_touch_ideal_le_max",
            ),
            models.CheckConstraint(condition=Q(ideal_days__gte=1), name="keep_in_touch_ideal_pos"),
        ]
        indexes = [models.Index(fields=["overdue_at", "id"], name="keep_in_touch_overdue_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.ideal_days}/{self.max_days}"


class TagCadence(models.Model):
    """The keep-in-touch cadence of everyone with a tag ("customers: every 30 days, at most 45"),
    unless a person has their own. Set by administrators.

    Invariants: ``1 <= ideal_days <= max_days``."""

    tag = models.OneToOneField(
        "taxonomy.Tag",
        verbose_name=_("tag"),
        on_delete=models.CASCADE,
        related_name="keep_in_touch",
    )
    ideal_days = models.PositiveIntegerField(_("ideal interval (days)"))
    max_days = models.PositiveIntegerField(_("maximum interval (days)"))
    #: The background job storing the new cadence on the tag's people, when they were too many
    #: to do it in the request (``services.CADENCE_INLINE_LIMIT``); None when it was done at once.
    refresh_job = models.ForeignKey(
        "jobs.Job",
        verbose_name=_("job applying it"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("keep-in-touch cadence of a tag")
        verbose_name_plural = _("keep-in-touch cadences of tags")
        ordering = ["tag__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ideal_days__lte=models.F("max_days")),
                name="tag_cadence_ideal_le_max",
            ),
            models.CheckConstraint(condition=Q(ideal_days__gte=1), name="tag_cadence_ideal_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id}: {self.ideal_days}/{self.max_days}"
