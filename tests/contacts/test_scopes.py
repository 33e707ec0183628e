"""The people list's scopes: a parameter of the list that an app above contacts answers
(``?segment=``), registered once from that app's ``AppConfig.ready()`` in the one table the page
and the API both read (``rubrica.kits.web.list_scopes``); an unknown one fails loudly."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from rubrica.contacts.models import Contact
from rubrica.kits.web import list_scopes
from rubrica.kits.web.list_scopes import ListScope, list_scope, register_list_scope


def test_a_parameter_nobody_registered_is_a_lookup_error():
    with pytest.raises(LookupError, match="campaign"):
        list_scope(Contact, "campaign")


def test_a_parameter_is_answered_by_one_app_only(isolated_registry: Any) -> None:
    taken = list_scope(Contact, "segment")
    other = ListScope(
        model=Contact,
        param="segment",
        resolve=lambda user, raw: (None, ""),
        page=print,
        context=lambda user, value: {},
    )
    isolated_registry(list_scopes.LIST_SCOPES, taken)

    with pytest.raises(ImproperlyConfigured):
        register_list_scope(other)

    assert list_scope(Contact, "segment") is taken
