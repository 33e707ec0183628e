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
        previous = translation.get_language()
        if prefs.language:
            translation.activate(prefs.language)
            request.LANGUAGE_CODE = translation.get_language()
        timezone.activate(user_zone(user))
        # The lists' defaults, read by the list kit (kits.web.generic), which may not import
        # accounts: {list name: [column keys]} and {list name: sort}.
        request.list_columns = prefs.list_columns or {}  # type: ignore[attr-defined]
        request.list_sort = prefs.list_sort or {}  # type: ignore[attr-defined]
        token = formats.activate(prefs.date_style)
        try:
            response = self.get_response(request)
            if prefs.language:
                response.headers.setdefault("Content-Language", translation.get_language())
            return response
        finally:
            # Put back what the locale middleware chose, so the user's language does not stay
            # on this thread for whatever it runs next (a test, a command).
            formats.deactivate(token)
            timezone.deactivate()
            translation.activate(previous)
