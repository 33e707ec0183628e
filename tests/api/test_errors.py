"""Hostile and malformed input: always a problem document, never a 500, nothing written."""

from __future__ import annotations

import json
import typing

import pytest

from rubrica.contacts.models import Contact, Gender
from rubrica.contacts.schemas import Gender as GenderIn
from rubrica.core.models import Visibility
from rubrica.customfields.api import Entity as EntityIn
from rubrica.customfields.api import FieldType as FieldTypeIn
from rubrica.customfields.models import Entity, FieldType
from rubrica.kits.api.schemas import Visibility as VisibilityIn
from rubrica.organizations.models import OrganizationSize
from rubrica.organizations.schemas import OrganizationSize as OrganizationSizeIn
from tests.api.conftest import JSON

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts"


def post(client, body, headers, content_type=JSON):
    return client.post(URL, body, content_type=content_type, **headers)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert set(body) >= {"type", "title", "status", "detail"}
    return body


def test_body_over_the_upload_limit_answers_413(client, settings, as_member):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"given_name": "Ada", "notes": "' + "x" * 2000 + '"}'
    assert_problem(post(client, body, as_member), 413)
    assert Contact.all_objects.count() == 0


def test_deeply_nested_json_is_422(client, as_member):
    body = "[" * 100_000 + "]" * 100_000
    errors = assert_problem(post(client, body, as_member), 422)["errors"]
    assert errors == {"body": "The request body is not valid JSON."}


def test_nan_is_not_json(client, as_member):
    body = '{"given_name": "Ada", "custom_fields": {"x": NaN}}'
    assert assert_problem(post(client, body, as_member), 422)["errors"] == {
        "body": "The request body is not valid JSON."
    }


def test_body_that_is_not_utf8_is_422(client, as_member):
    assert_problem(post(client, b"\xff\xfe\x00", as_member), 422)


def test_body_that_is_not_an_object_is_422(client, as_member):
    assert assert_problem(post(client, "[1, 2]", as_member), 422)["errors"] == {
        "body": "Enter an object."
    }


def test_missing_body_is_422(client, as_member):
    assert assert_problem(post(client, "", as_member), 422)["errors"] == {
        "body": "This field is required."
    }


def test_form_encoded_body_is_422(client, as_member):
    response = post(client, "given_name=Ada", as_member, "application/x-www-form-urlencoded")
    assert_problem(response, 422)
    assert Contact.all_objects.count() == 0


def test_ids_too_large_for_the_database_are_refused(client, as_member):
    huge = 10**30
    errors = assert_problem(post(client, {"given_name": "A", "stage": huge}, as_member), 422)
    assert set(errors["errors"]) == {"stage"}
    assert_problem(client.get(f"{URL}/{huge}", **as_member), 404)
    listed = client.get(URL, {"stage": str(huge), "tag": f"1,{huge}"}, **as_member)
    assert set(assert_problem(listed, 422)["errors"]) == {"stage", "tag"}
    digits = post(client, {"given_name": "A", "owner": str(huge)}, as_member)
    assert assert_problem(digits, 422)["errors"] == {"owner": "There is no such user."}


def test_control_characters_and_oversized_values_name_the_field(client, as_member):
    body = {"given_name": "A\x07", "title": "t" * 151, "emails": [{"value": "a@b.co"}] * 51}
    errors = assert_problem(post(client, body, as_member), 422)["errors"]
    assert set(errors) == {"given_name", "title", "emails"}
    assert Contact.all_objects.count() == 0


def test_unknown_url_under_the_api_is_a_problem_not_html(client, as_member):
    assert_problem(client.get("/api/v1/no/such/thing", **as_member), 404)
    assert_problem(client.get(f"{URL}/not-a-number", **as_member), 404)


def test_schema_literals_match_the_model_choices():
    """The OpenAPI enums are written out for static typing; they must follow the models."""
    assert set(typing.get_args(GenderIn)) == set(Gender.values)
    assert set(typing.get_args(VisibilityIn)) == set(Visibility.values)
    assert set(typing.get_args(OrganizationSizeIn)) == set(OrganizationSize.values)
    assert set(typing.get_args(EntityIn)) == set(Entity.values)
    assert set(typing.get_args(FieldTypeIn)) == set(FieldType.values)


def test_conflict_from_a_service_is_a_412_problem_with_the_current_etag(rf):
    from rubrica.api.api import api
    from rubrica.core.services import ConflictError

    response = api.on_exception(rf.patch(URL), ConflictError(current_version=4))
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["type"] == "urn:rubrica:problem:precondition-failed"
    assert response["ETag"] == '"4"'
