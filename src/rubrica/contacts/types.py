"""The typed input of the people services (``contact_create``/``contact_update``'s ``data``).

Every door builds this shape: the person form's ``to_data()``, the API's ``ContactIn`` dump and
the CLI's flags and ``--data``; importers and merges build it from files and snapshots. With one
``TypedDict`` mypy checks each door's keys and value types against the service, and a test keeps
the API schema's fields equal to these keys. ``total=False``: an update changes only the keys
given. Values are what a door may send, not what is valid: the service still cleans every value
and answers a ``ValidationError`` naming the field.
"""

from __future__ import annotations

from typing import Any, TypedDict

from rubrica.core.types import AddressInput, PhoneInput, ValueInput

#: A reference to another record: its id, or its name (stage, team) or username (owner).
Ref = int | str


class ContactInput(TypedDict, total=False):
    """A person's fields in the services' input shape (also the shape of ``snapshot()``)."""

    prefix: str | None
    given_name: str | None
    additional_name: str | None
    family_name: str | None
    suffix: str | None
    display_name: str | None
    phonetic_given_name: str | None
    phonetic_family_name: str | None
    title: str | None
    role: str | None
    source: str | None
    notes: str | None
    nicknames: list[str] | None
    languages: list[str] | None
    gender: str | None
    birthday: str | None
    anniversary: str | None
    time_zone: str | None
    stage: Ref | None
    tags: list[str] | None
    custom_fields: dict[str, Any] | None
    owner: Ref | None
    team: Ref | None
    visibility: str | None
    emails: list[ValueInput] | None
    phones: list[PhoneInput] | None
    addresses: list[AddressInput] | None
    urls: list[ValueInput] | None
    profiles: list[ValueInput] | None
    email_consent: str | None
    sms_consent: str | None
