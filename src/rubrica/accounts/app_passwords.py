"""Per-device app passwords for DAV clients (ADR 0029): created and revoked on the user's
settings page, checked by HTTP Basic auth on the DAV door (``basic_auth_user``).

A DAV client is asked for no second factor: the app password is a random secret made by a
signed-in person for one device, revocable alone, and never the sign-in password.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import APP_PASSWORD_PREFIX, AppPassword, User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.audit.signin import client_address

#: Seconds between two records (last-used time and audit entry) of one app password's use.
USE_RECORD_EVERY = 60


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _generate() -> str:
    """``rbp-`` and four groups of six letters and digits: easy to type on a phone."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    groups = ["".join(secrets.choice(alphabet) for _i in range(6)) for _g in range(4)]
    return APP_PASSWORD_PREFIX + "-".join(groups)


def app_password_create(*, actor: User, user: User, name: str) -> tuple[AppPassword, str]:
    """A new app password for ``user``'s device ``name``; returns the row and the secret, which
    is shown once."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("You can only create app passwords for yourself."))
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the device, such as 'Phone'.")})
    if len(name) > 100:
        raise ValidationError({"name": _("Enter at most %(n)d characters.") % {"n": 100}})
    raw = _generate()
    with transaction.atomic():
        row = AppPassword.objects.create(
            user=user, name=name, key_prefix=raw[:8], key_hash=_hash(raw)
        )
        audit.record(actor, AuditAction.APP_PASSWORD_CREATE, row, {"device": name})
    return row, raw


def app_password_revoke(*, actor: User, app_password: AppPassword) -> AppPassword:
    if actor.pk != app_password.user_id and not actor.is_administrator:
        raise PermissionDenied(_("You can only revoke your own app passwords."))
    with transaction.atomic():
        if app_password.revoked_at is None:
            app_password.revoked_at = timezone.now()
            app_password.save(update_fields=["revoked_at"])
            audit.record(
                actor, AuditAction.APP_PASSWORD_REVOKE, app_password, {"device": app_password.name}
            )
    return app_password


def app_password_authenticate(username: str, raw: str, *, ip_address: str = "") -> User | None:
    """The active user whose live app password ``raw`` is, if ``username`` names them (case
    does not matter); else None. Records the use at most once a minute."""
    raw = str(raw or "").strip()
    if not raw.startswith(APP_PASSWORD_PREFIX) or len(raw) > 64:
        return None
    row = (
        AppPassword.objects.select_related("user")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    if not hmac.compare_digest(
        row.user.get_username().casefold(), str(username or "").strip().casefold()
    ):
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > USE_RECORD_EVERY:
        with transaction.atomic():
            AppPassword.objects.filter(pk=row.pk).update(last_used_at=now)
            audit.record(
                row.user,
                AuditAction.APP_PASSWORD_USE,
                row,
                {"device": row.name},
                ip_address=ip_address,
            )
    return row.user


def basic_auth_user(request: HttpRequest) -> User | None:
    """The user an ``Authorization: Basic`` header names with a valid app password, or None
    (no header, malformed, wrong). Only app passwords: the sign-in password is never accepted
    here, so a DAV client can neither skip the second factor nor learn the real password."""
    header = str(request.headers.get("Authorization", ""))
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return app_password_authenticate(username, password, ip_address=client_address(request))
