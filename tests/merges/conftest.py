"""Helpers for the merge tests: a person's complete state, comparable before and after."""

from __future__ import annotations

from typing import Any

from rubrica.contacts.models import Contact
from rubrica.merges.services import full_state


def state(contact: Contact) -> dict[str, Any]:
    """Everything about a person except ``version`` (which always moves forward)."""
    fresh = Contact.all_objects.get(pk=contact.pk)
    data = full_state(fresh)
    data.pop("version")
    return data
