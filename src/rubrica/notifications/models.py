"""Notifications: messages to one user (a reminder, a mention, a digest), shown in the app and
sent by e-mail, and what each user chose to receive.

The engine knows no domain: a notification names its ``kind`` (a key some app registered, see
``registry``), a title, an optional body and the URL of the record it is about.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rubrica.core.models import RestrictManager
from rubrica.core.policies import Policy
from rubrica.notifications.policies import RecipientPolicy


class EmailState(models.TextChoices):
    NONE = "none", _("Not sent by e-mail")
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message to one user.

    Invariants: ``key``, when not empty, is unique per recipient, so the same reminder is never
    stored (nor e-mailed) twice whatever number of ticks computed it; ``in_app`` False means the
    user wanted it by e-mail only (the row stays for the dedupe key and the e-mail queue, the list
    hides it); ``email_state`` moves none|pending -> sending -> sent|failed by conditional updates,
    so two senders never send the same e-mail twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("URL"), max_length=500, blank=True)
    key = models.CharField(_("dedupe key"), max_length=200, blank=True)
    in_app = models.BooleanField(_("shown in the app"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=EmailState.choices, default=EmailState.NONE
    )
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    permission_policy: ClassVar[Policy] = RecipientPolicy("recipient")
    objects = RestrictManager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~Q(key=""),
                name="notification_unique_key",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "in_app", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient", "id"],
                condition=Q(read_at__isnull=True, in_app=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["id"],
                condition=Q(email_state="pending"),
                name="notification_email_queue",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationSettings(models.Model):
    """A user's delivery settings: the local hour of daily digests (local to the time zone of
    their personal settings, ``accounts.UserSettings``, where the time zone moved in ADR 0021).
    At most one row per user; a user without one has the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    digest_hour = models.PositiveSmallIntegerField(_("digest hour"), default=8)

    permission_policy: ClassVar[Policy] = RecipientPolicy("user")
    objects = RestrictManager()

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(digest_hour__lte=23), name="notification_settings_digest_hour"
            )
        ]

    def __str__(self) -> str:
        return str(self.user_id)


class NotificationPreference(models.Model):
    """Which channels a user chose for one kind; a kind without a row uses the kind's default
    channels. At most one row per user and kind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=60)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    permission_policy: ClassVar[Policy] = RecipientPolicy("user")
    objects = RestrictManager()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class SchedulerState(models.Model):
    """The one row (pk 1) that keeps the periodic tick to a single chain: the tick due next.

    A tick runs only when it is the one this row expects (``next_tick_at``), then moves the row
    on and enqueues its successor, in one transaction; a duplicate chain (a second worker, a
    restart that enqueued again) finds the row moved and stops. ``last_tick_at`` is when the last
    tick ran (the status the CLI shows)."""

    next_tick_at = models.DateTimeField(_("next tick"), null=True, blank=True)
    last_tick_at = models.DateTimeField(_("last tick"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduler state")
        verbose_name_plural = _("scheduler state")

    def __str__(self) -> str:
        return str(self.next_tick_at)
