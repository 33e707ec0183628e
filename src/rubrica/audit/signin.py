"""Sign-ins into the audit log, from Django's own auth signals (connected in apps.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rubrica.audit.services import AuditAction, record


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(user, AuditAction.SIGNIN_SUCCESS, ip_address=client_address(request))


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(user, AuditAction.SIGNOUT, ip_address=client_address(request))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """The username tried (Django has already masked the password); whether the sign-in was
    refused by a lockout. Nothing says whether such a user exists."""
    details: dict[str, Any] = {"username": str(credentials.get("username", ""))}
    if request is not None and getattr(request, "axes_locked_out", False):
        details["locked_out"] = True
    record(None, AuditAction.SIGNIN_FAILURE, details=details, ip_address=client_address(request))
