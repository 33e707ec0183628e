"""Writes of feedback. The page is kept as a path inside the site: anything else is dropped."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

import rubrica
from rubrica.accounts.models import User
from rubrica.core.policies import Action, policy_for
from rubrica.feedback.models import Feedback

MAX_MESSAGE = 5000


def _local_path(page: str) -> str:
    """``page`` as a path inside this site, or "" (so it is safe to send the author back to)."""
    page = page.strip()
    parts = urlsplit(page)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "\x00" in page:
        return ""
    if not url_has_allowed_host_and_scheme(page, allowed_hosts=None):
        return ""
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path[:500]


@transaction.atomic
def feedback_submit(*, actor: User, message: str, page: str = "") -> Feedback:
    """Store ``message`` from ``actor``, with the page it was sent from and the version."""
    if not policy_for(Feedback).user_has_permission(actor, Action.ADD):
        raise PermissionDenied
    text = message.strip()
    if not text:
        raise ValidationError({"message": _("Write a message.")})
    if len(text) > MAX_MESSAGE:
        raise ValidationError(
            {"message": _("Keep the message under %(limit)s characters.") % {"limit": MAX_MESSAGE}}
        )
    return Feedback.objects.create(
        message=text, page=_local_path(page), version=rubrica.__version__, author=actor
    )
