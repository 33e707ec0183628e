"""The typed input shape of labelled collections (see core.services), shared by every domain.

A domain's input ``TypedDict`` (``contacts.types.ContactInput``...) lists its emails, phones or
addresses with these row types, so that the web forms, the API schemas and the CLI that build a
service's ``data`` are checked by mypy against the one shape the services read. They describe
what a door may send; the services still validate every value (``clean_collection``).
"""

from __future__ import annotations

from typing import Required, TypedDict


class ValueInput(TypedDict, total=False):
    """An email, URL or profile: a value with a free label; at most one row is preferred."""

    label: str
    value: Required[str]
    is_preferred: bool


class PhoneInput(ValueInput, total=False):
    """A phone as typed; ``e164`` and ``extension`` are derived by the service (ignored)."""

    e164: str | None
    extension: str | None


class AddressInput(TypedDict, total=False):
    """A postal address, every part optional."""

    label: str
    street: str
    extended: str
    po_box: str
    city: str
    region: str
    postal_code: str
    country: str
    is_preferred: bool
