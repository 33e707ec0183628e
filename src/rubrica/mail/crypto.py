"""Mailbox passwords encrypted at rest with Fernet (``cryptography``); the key comes from
``env.mail_key()`` (RUBRICA_MAIL_KEY or a key file outside the database)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured

from rubrica import env


def _fernet() -> Fernet:
    try:
        return Fernet(env.mail_key())
    except ValueError as exc:
        raise ImproperlyConfigured(
            "RUBRICA_MAIL_KEY must be a Fernet key (32 url-safe base64-encoded bytes)"
        ) from exc


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The password, or ImproperlyConfigured when the key changed since it was stored."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A mailbox password cannot be decrypted: the mail key changed (RUBRICA_MAIL_KEY)."
        ) from exc
