"""The shapes /organizations and /affiliations read and write (the OpenAPI contract is generated
from these). As for people (contacts/schemas.py): inputs mirror OrganizationInput and
AffiliationInput, check types only and refuse unknown keys.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from rubrica.kits.api.schemas import (
    AddressIn,
    AddressOut,
    Id,
    PhoneIn,
    PhoneOut,
    Ref,
    RefOut,
    StrictIn,
    Visibility,
)

OrganizationSize = Literal["", "1-9", "10-49", "50-249", "250-999", "1000+"]


class OrganizationIn(StrictIn):
    """An organization to create, or the fields to change (PATCH: only the keys sent)."""

    name: str | None = None
    kind: Ref | None = Field(None, description="Organization kind by id or name.")
    industry: str | None = None
    size: OrganizationSize | None = None
    website: str | None = None
    email_domains: list[str] | None = None
    parent: Ref | None = Field(None, description="Parent organization by id or name.")
    notes: str | None = None
    owner: Ref | None = None
    team: Ref | None = None
    visibility: Visibility | None = None
    tags: list[str] | None = None
    custom_fields: dict[str, Any] | None = None
    phones: list[PhoneIn] | None = None
    addresses: list[AddressIn] | None = None


class OrganizationOut(Schema):
    id: int
    uid: str
    version: int
    name: str
    kind: str | None
    industry: str
    size: str
    website: str
    email_domains: list[str]
    parent: int | None = Field(description="Id of the parent organization.")
    notes: str = Field("", description="Absent when protected and the caller may not read it.")
    owner: str
    team: str | None
    visibility: str
    tags: list[str]
    custom_fields: dict[str, Any]
    phones: list[PhoneOut]
    addresses: list[AddressOut]
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None
    prev_cursor: str | None


# Affiliations ----------------------------------------------------------------------------------


class AffiliationChange(StrictIn):
    title: str | None = None
    department: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    is_primary: bool | None = None


class AffiliationCreate(AffiliationChange):
    contact: Id
    organization: Id


class AffiliationOut(Schema):
    id: int
    contact: RefOut
    organization: RefOut
    title: str
    department: str
    start_date: dt.date | None
    end_date: dt.date | None
    is_primary: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class AffiliationPage(Schema):
    items: list[AffiliationOut]
    next_cursor: str | None
    prev_cursor: str | None
