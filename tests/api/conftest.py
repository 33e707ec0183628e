"""Helpers for the REST API tests: bearer headers for a user, JSON requests. The ``as_member``,
``as_other``, ``as_viewer`` and ``as_admin`` fixtures live in tests/conftest.py: the API tests of
each app (tests/<app>/test_api.py) use them too."""

from __future__ import annotations

from rubrica.accounts.services import token_create


def bearer(user) -> dict[str, str]:
    """Request headers carrying a fresh API token of ``user``."""
    _token, raw = token_create(actor=user, user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


JSON = "application/json"
