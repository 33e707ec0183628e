"""The web and API doors say where a request's work comes from (``core.origin``): ``api`` under
``/api/``, ``web`` elsewhere, and the client's address, for the audit log."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from rubrica.core import origin

API_PREFIX = "/api/"


class AuditOriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = origin.API if request.path.startswith(API_PREFIX) else origin.WEB
        with origin.using(source, str(request.META.get("REMOTE_ADDR", ""))):
            return self.get_response(request)
