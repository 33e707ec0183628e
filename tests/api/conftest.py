"""Helpers for the REST API tests: bearer headers for a user, JSON requests."""

from __future__ import annotations

import pytest

from rubrica.accounts.services import token_create


def bearer(user) -> dict[str, str]:
    """Request headers carrying a fresh API token of ``user``."""
    _token, raw = token_create(actor=user, user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def as_member(member):
    return bearer(member)


@pytest.fixture
def as_other(other_member):
    return bearer(other_member)


@pytest.fixture
def as_viewer(viewer):
    return bearer(viewer)


@pytest.fixture
def as_admin(admin_user):
    return bearer(admin_user)


JSON = "application/json"
