"""Who is calling: an API token (``Authorization: Bearer rbk_...``) or the browser's session.

A request that carries an ``Authorization`` header is judged by it alone, so a bad token answers
401 even when a session cookie rides along. Session-authenticated requests with an unsafe method
must pass Django's CSRF check (a cookie is sent by the browser on its own; a header is not, so
token requests need no CSRF token).

A token's scopes decide what it may call (ADR 0036): the area of the operation's router, given
where the router is mounted (``api.api.mount``), and the method (GET, HEAD, OPTIONS read; the
rest write) name the scope it needs; an operation mounted without an area refuses every token.
A token is never asked for a second factor. A session that still owes its second
factor (ADR 0029) is no session here: 401; one that must first set a second factor up (a role
requires it, also when it became required during the session: ADR 0036) gets a 403 problem.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from rubrica.accounts.services import token_authenticate
from rubrica.accounts.twofactor import owes_setup, pending
from rubrica.kits.api.errors import CsrfFailed


class TokenAuth(HttpBearer):
    """Bearer API tokens created in the user's settings (accounts.services.token_create), for
    the operations of one ``area`` (``accounts.scopes``); None: no token may call them."""

    def __init__(self, area: str | None = None) -> None:
        super().__init__()
        self.area = area

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        write = request.method not in ("GET", "HEAD", "OPTIONS")
        return token_authenticate(token.strip(), area=self.area, write=write)


class SessionCsrfAuth(APIKeyCookie):
    """The logged-in browser session, with Django's CSRF protection on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        if "authorization" in request.headers:
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and owes_setup(request):
            raise PermissionDenied(
                _("A role you hold requires a second factor: set one up in your settings first.")
            )
        if user is None or not user.is_authenticated or pending(request):
            return None
        if check_csrf(request) is not None:
            raise CsrfFailed
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or pending(request):
            return None
        return user


def auth_for(area: str | None) -> list[Any]:
    """The doors of the operations of one area: its tokens, then the session."""
    return [TokenAuth(area), SessionCsrfAuth()]


#: The API's default: a router mounted without an area (``api.add_router`` rather than
#: ``mount``) refuses every token; tests/api/test_token_scopes.py fails on it too.
AUTH = auth_for(None)
