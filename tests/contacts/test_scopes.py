"""The people list's scopes: a parameter of the list that an app above contacts answers
(``?segment=``), registered from that app's ``AppConfig.ready()``; an unknown one fails loudly."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from rubrica.contacts import scopes


@pytest.fixture
def scratch(monkeypatch: Any) -> None:
    """Registrations made by a test are forgotten after it."""
    monkeypatch.setattr(scopes, "_SCOPES", dict(scopes._SCOPES))


def test_a_parameter_nobody_registered_is_a_lookup_error():
    with pytest.raises(LookupError, match="'campaign'"):
        scopes.list_scope("campaign")


def test_a_parameter_is_answered_by_one_app_only(scratch):
    taken = scopes.list_scope("segment")
    other = scopes.ListScope(param="segment", resolve=lambda user, raw: (None, ""), page=print)

    scopes.register_list_scope(taken)  # the same registration again is harmless
    with pytest.raises(ImproperlyConfigured):
        scopes.register_list_scope(other)

    assert scopes.list_scope("segment") is taken
