"""The shapes every API router shares: ids, references, problems (RFC 9457) and the labelled
values (emails, phones, addresses...) that people and organizations both carry.

Input schemas check types only and refuse unknown keys (``extra="forbid"``); the services own every
business rule.
"""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

#: The largest id a database integer column holds; bigger numbers are refused up front.
MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: A reference by id or by name (stage, kind, team) or username (owner).
Ref = Id | Annotated[str, Field(max_length=150)]

Visibility = Literal["private", "team", "everyone"]
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


# Problems ------------------------------------------------------------------------------------


class Problem(Schema):
    """RFC 9457 problem details; ``errors`` (422 only) maps a field path to its message."""

    type: str = Field(examples=["urn:rubrica:problem:validation"])
    title: str
    status: int
    detail: str
    errors: dict[str, str] | None = Field(
        None, description="Field path (e.g. emails.0.value) -> message. Present on 422."
    )


# Labelled collections ------------------------------------------------------------------------


class ValueIn(StrictIn):
    label: str = Field("", description="Free label: work, home, WeChat, LinkedIn...")
    value: str
    is_preferred: bool = False


class PhoneIn(ValueIn):
    value: str = Field(description="The number as typed; stored also in E.164.")
    e164: str | None = Field(None, description="Ignored on input (derived from value).")
    extension: str | None = Field(None, description="Ignored on input (derived from value).")


class AddressIn(StrictIn):
    label: str = ""
    street: str = ""
    extended: str = ""
    po_box: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    is_preferred: bool = False


class ValueOut(Schema):
    label: str
    value: str
    is_preferred: bool


class PhoneOut(ValueOut):
    e164: str
    extension: str


class AddressOut(Schema):
    label: str
    street: str
    extended: str
    po_box: str
    city: str
    region: str
    postal_code: str
    country: str
    is_preferred: bool


class RefOut(Schema):
    id: int
    name: str
