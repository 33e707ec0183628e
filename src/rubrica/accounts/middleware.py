"""Applies a signed-in user's language and time zone to each request (ADR 0021).

Runs after the authentication middleware. A language the user chose wins over the browser's
``Accept-Language`` (which Django's ``LocaleMiddleware`` has applied before); an empty choice
leaves the browser's. Dates and times are shown in the user's time zone, else the site's, and in
their date style (``core.formats``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from rubrica.accounts.selectors import user_settings, user_zone
from rubrica.core import formats


class UserSettingsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        prefs = user_settings(user)
        if prefs.language:
            translation.activate(prefs.language)
            request.LANGUAGE_CODE = translation.get_language()
        timezone.activate(user_zone(user))
        token = formats.activate(prefs.date_style)
        try:
            return self.get_response(request)
        finally:
            formats.deactivate(token)
            timezone.deactivate()
