"""Response headers Django and django-csp do not set (ADR 0020)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from rubrica.kits.api.errors import problem

#: Browser features Rubrica never uses, switched off for its pages and anything they embed.
#: Only features every current browser knows: an unknown one is reported as a console error.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class LongUrlMiddleware:
    """A URL (path and query) longer than ``RUBRICA_MAX_URL_BYTES`` (4 KB) is answered with a
    414 problem document, on every door, before any view or session work. ``rubrica serve``
    lets gunicorn read request lines up to 8 KB (its own HTML 414 is left for longer ones)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit = int(getattr(settings, "RUBRICA_MAX_URL_BYTES", 4096))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_path = request.META.get("RAW_URI") or request.get_full_path()
        if len(str(raw_path).encode("utf-8", "surrogateescape")) > self.limit:
            return problem(
                414,
                "uri-too-long",
                _("The address is too long"),
                _("Addresses may be at most %(n)d bytes long; send long searches in the body.")
                % {"n": self.limit},
            )
        return self.get_response(request)
