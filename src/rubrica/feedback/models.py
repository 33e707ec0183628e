"""Feedback about Rubrica: a message, the page it was sent from and the version that ran."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rubrica.core.models import RestrictManager
from rubrica.core.policies import Policy
from rubrica.feedback.policies import FeedbackPolicy


class Feedback(models.Model):
    """One message sent with the feedback form.

    Invariants: ``message`` is not blank; ``page`` is a path inside the site (never a full URL);
    ``version`` is the Rubrica version that served the page. The author may be gone (SET_NULL):
    what they said stays.
    """

    message = models.TextField(_("message"), max_length=5000)
    page = models.CharField(_("page"), max_length=500, blank=True)
    version = models.CharField(_("version"), max_length=40)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    permission_policy: ClassVar[Policy] = FeedbackPolicy()
    objects = RestrictManager()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [models.Index(fields=["-created_at", "-id"], name="feedback_created_idx")]

    def __str__(self) -> str:
        return self.message[:60]
