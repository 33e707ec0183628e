"""The typed input of the organization services (``organization_create``/``_update``'s ``data``).

Built by the organization form's ``to_data()``, the API's ``OrganizationIn`` dump and the
importers; mypy checks each of them against this one shape (see ``contacts.types``). Values are
what a door may send: the service still cleans every value and names the field it refuses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from rubrica.contacts.types import Ref
from rubrica.core.types import AddressInput, PhoneInput


class OrganizationInput(TypedDict, total=False):
    """An organization's fields in the services' input shape; an update changes only those
    given. ``parent`` is an organization id or name; ``kind`` an organization kind."""

    name: str | None
    industry: str | None
    notes: str | None
    kind: Ref | None
    size: str | None
    website: str | None
    email_domains: list[str] | None
    parent: Ref | None
    tags: list[str] | None
    custom_fields: dict[str, Any] | None
    owner: Ref | None
    team: Ref | None
    visibility: str | None
    phones: list[PhoneInput] | None
    addresses: list[AddressInput] | None


class AffiliationInput(TypedDict, total=False):
    """A person's role at an organization (``affiliation_create``/``_update``'s ``data``);
    dates as ``YYYY-MM-DD`` or dates, None or "" for none."""

    title: str | None
    department: str | None
    start_date: str | dt.date | None
    end_date: str | dt.date | None
    is_primary: bool | None
