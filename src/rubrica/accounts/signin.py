"""Sign-in throttling on top of django-axes: how a username is keyed, which sign-ins are locked
out, and unlocking them (`rubrica users locked` / `rubrica users unlock`).

A lockout is keyed by the username as typed (case-folded) and the client address, whether or not
such a user exists, so neither the lockout nor its message tells an attacker that an account is
real.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction


def normalize_username(username: str) -> str:
    return username.strip().casefold()


def axes_username(request: HttpRequest, credentials: Mapping[str, Any] | None = None) -> str:
    """AXES_USERNAME_CALLABLE: ``Ada``, `` ada `` and ``ada`` count as one username, so varying
    the case does not earn more guesses."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username", "")
    return normalize_username(str(raw or ""))


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str
    failures: int
    last_attempt: dt.datetime
    #: When the lockout ends by itself; None: only an administrator ends it.
    until: dt.datetime | None


def cool_off() -> dt.timedelta | None:
    value = settings.AXES_COOLOFF_TIME
    return value if isinstance(value, dt.timedelta) else None


def lockouts() -> list[Lockout]:
    """The username and address pairs locked out now, most recent first."""
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    period = cool_off()
    if period is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - period)
    return [
        Lockout(
            username=attempt.username or "",
            ip_address=attempt.ip_address or "",
            failures=attempt.failures_since_start,
            last_attempt=attempt.attempt_time,
            until=attempt.attempt_time + period if period is not None else None,
        )
        for attempt in attempts.order_by("-attempt_time", "-id")
    ]


def unlock(*, actor: User | None, username: str) -> int:
    """Forget the failed sign-ins of ``username`` from every address; returns how many
    username-and-address records were removed (0: it was neither locked out nor counted).
    ``actor`` None is the operator at the command line; a user must be an administrator."""
    if actor is not None and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can unlock sign-ins."))
    with transaction.atomic():
        count = int(reset(username=normalize_username(username)))
        audit.record(
            actor,
            AuditAction.SIGNIN_UNLOCK,
            details={"username": normalize_username(username), "count": count},
        )
    return count
