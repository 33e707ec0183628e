"""/custom-fields: definitions of the custom fields of people and organizations.

Everyone may read them (a client needs them to send valid ``custom_fields``); only administrators
create, change or delete them (customfields.services decides). ``entity`` and ``key`` never
change after creation: values are stored under the key.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from rubrica.core.pagination import keyset_page
from rubrica.customfields.models import CustomFieldDefinition
from rubrica.customfields.services import definition_delete, definition_save
from rubrica.customfields.types import DefinitionInput
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import content_etag, if_match
from rubrica.kits.api.schemas import StrictIn

router = Router(tags=["custom fields"])

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
    sensitive: bool | None = Field(
        None, description="Stored encrypted; only administrators and the roles below see it."
    )
    read_roles: list[str] | None = Field(None, description="Role keys that may read values.")
    edit_roles: list[str] | None = Field(None, description="Role keys that may change values.")


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
    sensitive: bool
    read_roles: list[str]
    edit_roles: list[str]


class CustomFieldPage(Schema):
    items: list[CustomFieldOut]
    next_cursor: str | None
    prev_cursor: str | None


FIELDS = (
    "id",
    "entity",
    "key",
    "label",
    "field_type",
    "required",
    "choices",
    "pattern",
    "help_text",
    "position",
    "show_in_list",
    "identifying",
    "sensitive",
    "read_roles",
    "edit_roles",
)


class CustomFieldQuery(ListParams):
    entity: Literal["contact", "organization"] | None = Field(
        None, description="Only the fields of people (contact) or of organizations."
    )


def _data(definition: CustomFieldDefinition) -> dict[str, Any]:
    return {name: getattr(definition, name) for name in FIELDS}


def _etag(definition: CustomFieldDefinition) -> str:
    return content_etag(_data(definition))


@router.get("", response={200: CustomFieldPage, **problems(422)})
def list_custom_fields(request: HttpRequest, params: Query[CustomFieldQuery]) -> dict[str, Any]:
    qs = CustomFieldDefinition.objects.all()
    if params.entity:
        qs = qs.filter(entity=params.entity)
    order = ("entity", "position", "id")
    page = keyset_page(qs, order=order, cursor=params.cursor, size=params.limit)
    return page_data(page, [_data(d) for d in page.items])


def _input(payload: CustomFieldChange) -> DefinitionInput:
    """The service input: only the keys the client sent. The schemas name DefinitionInput's
    fields (tests/api/test_write_protocol.py keeps them equal)."""
    return cast(DefinitionInput, payload.model_dump(exclude_unset=True))


@router.post("", response={201: CustomFieldOut, **problems(403, 422)})
def create_custom_field(
    request: HttpRequest, payload: CustomFieldCreate, response: HttpResponse
) -> Any:
    """Define a custom field (administrators only)."""
    definition = definition_save(actor=actor(request), data=_input(payload))
    response["Location"] = request.build_absolute_uri(
        reverse("api:get_custom_field", args=[definition.pk])
    )
    response["ETag"] = content_etag(_data(definition))
    return Status(201, _data(definition))


@router.get("/{int:field_id}", response={200: CustomFieldOut, **problems(404)})
def get_custom_field(request: HttpRequest, field_id: int, response: HttpResponse) -> Any:
    definition = get_object_or_404(CustomFieldDefinition, pk=field_id)
    response["ETag"] = content_etag(_data(definition))
    return _data(definition)


@router.patch("/{int:field_id}", response={200: CustomFieldOut, **problems(403, 404, 412, 422)})
def update_custom_field(
    request: HttpRequest, field_id: int, payload: CustomFieldChange, response: HttpResponse
) -> Any:
    """Change a definition (administrators only); entity and key cannot change."""
    definition = definition_save(
        actor=actor(request),
        definition=get_object_or_404(CustomFieldDefinition, pk=field_id),
        data=_input(payload),
        precondition=if_match(request, _etag),
    )
    response["ETag"] = content_etag(_data(definition))
    return _data(definition)


@router.delete("/{int:field_id}", response={204: None, **problems(403, 404, 412)})
def delete_custom_field(request: HttpRequest, field_id: int) -> HttpResponse:
    """Delete a definition (administrators only); stored values stay in the records' JSON."""
    definition_delete(
        actor=actor(request),
        definition=get_object_or_404(CustomFieldDefinition, pk=field_id),
        precondition=if_match(request, _etag),
    )
    return HttpResponse(status=204)
