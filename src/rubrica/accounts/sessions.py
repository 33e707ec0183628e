"""The idle timeout of sessions: a session ends SESSION_COOKIE_AGE (RUBRICA_SESSION_IDLE_HOURS)
after its last request. Django's SESSION_SAVE_EVERY_REQUEST would write the session at every
request; this writes it at most once a minute, which moves the expiry just as well."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

#: Seconds between two writes of a session that is only being used, not changed.
TOUCH_EVERY = 60
TOUCHED_KEY = "_rubrica_touched"


class SessionIdleTimeoutMiddleware:
    """After SessionMiddleware and AuthenticationMiddleware: marks a signed-in session modified
    when it was last written more than ``TOUCH_EVERY`` seconds ago, so SessionMiddleware saves
    it with a new expiry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated:
            return response
        now = int(time.time())
        if now - int(session.get(TOUCHED_KEY, 0)) >= TOUCH_EVERY:
            session[TOUCHED_KEY] = now
        return response


def on_logged_in(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """Sign-in writes the session anyway: note the time so the next request need not."""
    session = getattr(request, "session", None)
    if session is not None:
        session[TOUCHED_KEY] = int(time.time())
