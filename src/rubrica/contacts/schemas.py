"""The shapes /contacts reads and writes (the OpenAPI contract is generated from these).

Input schemas mirror the services' input shape (ContactInput) so a handler only drops the keys the
client did not send (``model_dump(exclude_unset=True)``) and passes the rest on: PATCH is a partial
update by construction. They check types only; the services own every business rule and answer
with field-named errors. Unknown keys are refused (``extra="forbid"``, rubrica.kits.api.schemas).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from rubrica.kits.api.schemas import (
    AddressIn,
    AddressOut,
    PhoneIn,
    PhoneOut,
    Ref,
    RefOut,
    StrictIn,
    ValueIn,
    ValueOut,
    Visibility,
)

Gender = Literal["", "F", "M", "O", "N", "U"]
Consent = Literal["", "granted", "withdrawn"]


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
    email_consent: Consent | None = Field(
        None, description="E-mail opt-in: granted, withdrawn, or empty (not asked)."
    )
    sms_consent: Consent | None = Field(
        None, description="SMS opt-in: granted, withdrawn, or empty (not asked)."
    )


class PurposeAnswerOut(Schema):
    purpose: str = Field(description="The purpose's key.")
    channel: str = Field(description="email or sms.")
    state: str = Field(description="granted, withdrawn, or empty (not asked).")
    at: dt.datetime | None
    source: str = Field(description="form, import, api, user, confirmed, or empty.")


class PurposeAnswerIn(Schema):
    state: Consent = Field(description="granted, withdrawn, or empty (removes the answer).")


class ContactAffiliationOut(Schema):
    id: int
    organization: RefOut
    title: str
    department: str
    start_date: dt.date | None
    end_date: dt.date | None
    is_primary: bool


PROTECTED = "Absent when the field is protected and the caller may not read it (ADR 0027)."


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
    gender: str = Field("", description=PROTECTED)
    birthday: str = Field("", description=PROTECTED)
    anniversary: str = Field("", description=PROTECTED)
    title: str
    role: str
    languages: list[str]
    time_zone: str
    notes: str = Field("", description=PROTECTED)
    source: str
    stage: str | None
    owner: str
    team: str | None
    visibility: str
    tags: list[str]
    custom_fields: dict[str, Any] = Field(
        description="Values by key; a sensitive field the caller may not read is absent."
    )
    emails: list[ValueOut]
    phones: list[PhoneOut]
    addresses: list[AddressOut] = Field([], description=PROTECTED)
    urls: list[ValueOut]
    profiles: list[ValueOut]
    affiliations: list[ContactAffiliationOut]
    email_consent: str = Field(description="granted, withdrawn, or empty (not asked).")
    email_consent_at: dt.datetime | None
    email_consent_source: str = Field(description="form, import, api, user, or empty.")
    sms_consent: str = Field(description="granted, withdrawn, or empty (not asked).")
    sms_consent_at: dt.datetime | None
    sms_consent_source: str = Field(description="form, import, api, user, or empty.")
    consent_by_purpose: list[PurposeAnswerOut] = Field(
        [], description="The person's answers per purpose and channel (no entry: not asked)."
    )
    photo: str | None = Field(description="Absolute URL of the photo, or null.")
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = Field(description="Set while the person is in the Trash.")
    last_interaction_at: dt.datetime | None = Field(
        description="The latest interaction that counts (activities), null if none."
    )


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None
    prev_cursor: str | None
