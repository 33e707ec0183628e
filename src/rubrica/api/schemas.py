"""The shapes the API reads and writes (the OpenAPI contract is generated from these).

Input schemas mirror the services' input shape (see core.services) so a handler only drops the
keys the client did not send (``model_dump(exclude_unset=True)``) and passes the rest on: PATCH is
a partial update by construction. They check types only; the services own every business rule
and answer with field-named errors. Unknown keys are refused (``extra="forbid"``), so a typo is an
error and not a silently ignored field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from rubrica.kits.api.schemas import (  # noqa: F401  (re-exported to the routers)
    COLOR_PATTERN,
    MAX_ID,
    AddressIn,
    AddressOut,
    Id,
    PhoneIn,
    PhoneOut,
    Problem,
    Ref,
    RefOut,
    StrictIn,
    ValueIn,
    ValueOut,
    Visibility,
)

Gender = Literal["", "F", "M", "O", "N", "U"]
OrganizationSize = Literal["", "1-9", "10-49", "50-249", "250-999", "1000+"]
Entity = Literal["contact", "organization"]
FieldType = Literal[
    "text",
    "long_text",
    "number",
    "decimal",
    "date",
    "boolean",
    "choice",
    "multi_choice",
    "url",
    "email",
    "phone",
]


# People ----------------------------------------------------------------------------------------


class ContactIn(StrictIn):
    """A person to create, or the fields to change (PATCH: only the keys sent are changed)."""

    prefix: str | None = None
    given_name: str | None = None
    additional_name: str | None = None
    family_name: str | None = None
    suffix: str | None = None
    display_name: str | None = Field(
        None, description="Derived from the name parts when empty or not sent."
    )
    nicknames: list[str] | None = None
    phonetic_given_name: str | None = None
    phonetic_family_name: str | None = None
    gender: Gender | None = None
    birthday: str | None = Field(None, description="YYYY-MM-DD, or --MM-DD without a year.")
    anniversary: str | None = Field(None, description="YYYY-MM-DD, or --MM-DD without a year.")
    title: str | None = None
    role: str | None = None
    languages: list[str] | None = None
    time_zone: str | None = Field(None, description="IANA name, e.g. Europe/Rome.")
    notes: str | None = None
    source: str | None = None
    stage: Ref | None = Field(None, description="Lifecycle stage by id or name; null clears.")
    owner: Ref | None = Field(None, description="User id or username (owner/admin only).")
    team: Ref | None = Field(None, description="Team id or name.")
    visibility: Visibility | None = None
    tags: list[str] | None = Field(None, description="Tag names; unknown names are created.")
    custom_fields: dict[str, Any] | None = Field(
        None, description="key -> value; null or empty removes a key."
    )
    emails: list[ValueIn] | None = None
    phones: list[PhoneIn] | None = None
    addresses: list[AddressIn] | None = None
    urls: list[ValueIn] | None = None
    profiles: list[ValueIn] | None = Field(None, description="IM and social profiles.")


class ContactAffiliationOut(Schema):
    id: int
    organization: RefOut
    title: str
    department: str
    start_date: dt.date | None
    end_date: dt.date | None
    is_primary: bool


class ContactOut(Schema):
    id: int
    uid: str
    version: int
    display_name: str
    prefix: str
    given_name: str
    additional_name: str
    family_name: str
    suffix: str
    nicknames: list[str]
    phonetic_given_name: str
    phonetic_family_name: str
    gender: str
    birthday: str
    anniversary: str
    title: str
    role: str
    languages: list[str]
    time_zone: str
    notes: str
    source: str
    stage: str | None
    owner: str
    team: str | None
    visibility: str
    tags: list[str]
    custom_fields: dict[str, Any]
    emails: list[ValueOut]
    phones: list[PhoneOut]
    addresses: list[AddressOut]
    urls: list[ValueOut]
    profiles: list[ValueOut]
    affiliations: list[ContactAffiliationOut]
    photo: str | None = Field(description="Absolute URL of the photo, or null.")
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = Field(description="Set while the person is in the Trash.")


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None
    prev_cursor: str | None


# Organizations ---------------------------------------------------------------------------------


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
    notes: str
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


# Tags and choice lists -------------------------------------------------------------------------


class TagIn(StrictIn):
    name: str
    color: str | None = Field(None, pattern=COLOR_PATTERN, examples=["#1a2b3c"])


class TagChange(StrictIn):
    name: str | None = None
    color: str | None = Field(None, pattern=COLOR_PATTERN)


class TagOut(Schema):
    id: int
    name: str
    color: str


class TagPage(Schema):
    items: list[TagOut]
    next_cursor: str | None
    prev_cursor: str | None


class ChoiceOut(Schema):
    id: int
    name: str
    position: int


# Custom field definitions ----------------------------------------------------------------------


class CustomFieldChange(StrictIn):
    label: str | None = None
    field_type: FieldType | None = None
    required: bool | None = None
    choices: list[str] | None = None
    pattern: str | None = Field(None, description="A regular expression text values must match.")
    help_text: str | None = None
    position: Annotated[int, Field(ge=0, le=32767)] | None = None
    show_in_list: bool | None = None
    identifying: bool | None = Field(
        None, description="The value identifies one record: the duplicate scan compares it."
    )


class CustomFieldCreate(CustomFieldChange):
    entity: Entity
    key: str = Field(description="Lower-case letters, digits, underscores; never changes.")
    label: str
    field_type: FieldType


class CustomFieldOut(Schema):
    id: int
    entity: str
    key: str
    label: str
    field_type: str
    required: bool
    choices: list[str]
    pattern: str
    help_text: str
    position: int
    show_in_list: bool
    identifying: bool


class CustomFieldPage(Schema):
    items: list[CustomFieldOut]
    next_cursor: str | None
    prev_cursor: str | None
