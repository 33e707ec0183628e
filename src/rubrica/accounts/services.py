"""Writes on users and tokens."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import ApiToken, Role, User, generate_token, hash_token


def user_create(
    *,
    actor: User | None,
    username: str,
    email: str = "",
    password: str | None = None,
    role: str = Role.MEMBER,
    first_name: str = "",
    last_name: str = "",
) -> tuple[User, str | None]:
    """Create a user. ``actor`` None means the system (first-run setup, CLI as operator).

    Returns the user and, when no password was given, a generated one-time password.
    """
    if actor is not None and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can create users."))
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("A username is required.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A user with this username already exists.")})
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            role=role,
            first_name=first_name,
            last_name=last_name,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(password)
        user.save()
    return user, generated


def token_create(
    *, actor: User, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; returns the token row and the secret (shown once)."""
    if actor.pk != user.pk and not actor.is_administrator:
        raise PermissionDenied(_("You can only create tokens for yourself."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    raw = generate_token()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_prefix=raw[:10],
        key_hash=hash_token(raw),
        expires_at=expires_at,
    )
    return token, raw


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if actor.pk != token.user_id and not actor.is_administrator:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None. Records when it was last used."""
    if not raw.startswith("rbk_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
