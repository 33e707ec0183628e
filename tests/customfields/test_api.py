"""/api/v1/custom-fields: everyone reads the definitions, administrators write them."""

from __future__ import annotations

import pytest

from rubrica.customfields.models import CustomFieldDefinition
from rubrica.customfields.services import definition_save
from tests.api.conftest import JSON

pytestmark = pytest.mark.django_db

URL = "/api/v1/custom-fields"
TIER = {
    "entity": "contact",
    "key": "tier",
    "label": "Tier",
    "field_type": "choice",
    "choices": ["gold", "silver"],
}


def test_administrator_creates_changes_and_deletes_a_definition(client, as_admin):
    created = client.post(URL, TIER, content_type=JSON, **as_admin)
    assert created.status_code == 201
    definition = CustomFieldDefinition.objects.get()
    assert created.json() == {
        "id": definition.pk,
        **TIER,
        "required": False,
        "pattern": "",
        "help_text": "",
        "position": 0,
        "show_in_list": True,
        "identifying": False,
        "sensitive": False,
        "read_roles": [],
        "edit_roles": [],
    }
    assert created["Location"] == f"http://testserver/api/v1/custom-fields/{definition.pk}"

    etag = client.get(f"{URL}/{definition.pk}", **as_admin)["ETag"]
    patched = client.patch(
        f"{URL}/{definition.pk}",
        {"choices": ["gold", "silver", "bronze"], "required": True},
        content_type=JSON,
        HTTP_IF_MATCH=etag,
        **as_admin,
    )
    assert patched.status_code == 200
    assert patched.json()["choices"] == ["gold", "silver", "bronze"]
    assert patched.json()["required"] is True

    stale = client.delete(f"{URL}/{definition.pk}", HTTP_IF_MATCH=etag, **as_admin)
    assert stale.status_code == 412
    assert client.delete(f"{URL}/{definition.pk}", **as_admin).status_code == 204
    assert not CustomFieldDefinition.objects.exists()


def test_members_read_but_cannot_write_definitions(client, admin_user, as_member):
    definition = definition_save(actor=admin_user, data=dict(TIER))
    listed = client.get(URL, {"entity": "contact"}, **as_member).json()["items"]
    assert [item["key"] for item in listed] == ["tier"]

    other = {**TIER, "key": "other"}
    assert client.post(URL, other, content_type=JSON, **as_member).status_code == 403
    changed = client.patch(
        f"{URL}/{definition.pk}", {"label": "Hacked"}, content_type=JSON, **as_member
    )
    assert changed.status_code == 403
    assert client.delete(f"{URL}/{definition.pk}", **as_member).status_code == 403
    assert list(CustomFieldDefinition.objects.values_list("key", "label")) == [("tier", "Tier")]


def test_key_and_entity_cannot_change(client, admin_user, as_admin):
    definition = definition_save(actor=admin_user, data=dict(TIER))
    response = client.patch(
        f"{URL}/{definition.pk}", {"key": "rank"}, content_type=JSON, **as_admin
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"key": "Unknown field."}
    assert CustomFieldDefinition.objects.get().key == "tier"


def test_invalid_definitions_name_the_field(client, as_admin):
    bad_key = client.post(URL, {**TIER, "key": "Bad Key"}, content_type=JSON, **as_admin)
    assert bad_key.status_code == 422
    assert set(bad_key.json()["errors"]) == {"key"}
    no_choices = client.post(URL, {**TIER, "choices": []}, content_type=JSON, **as_admin)
    assert no_choices.status_code == 422
    assert no_choices.json()["errors"] == {"choices": "List at least one choice."}
    bad_type = client.post(URL, {**TIER, "field_type": "colour"}, content_type=JSON, **as_admin)
    assert bad_type.status_code == 422
    assert set(bad_type.json()["errors"]) == {"field_type"}
    assert not CustomFieldDefinition.objects.exists()


def test_entity_filter_is_validated(client, as_member):
    response = client.get(URL, {"entity": "planet"}, **as_member)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"entity"}


def test_a_definition_is_marked_identifying(client, as_admin):
    """The duplicate scan compares the values of identifying fields (ADR 0014)."""
    created = client.post(
        URL,
        {
            "entity": "contact",
            "key": "ssn",
            "label": "SSN",
            "field_type": "text",
            "identifying": True,
        },
        content_type=JSON,
        **as_admin,
    )
    assert created.status_code == 201
    assert created.json()["identifying"] is True
    assert CustomFieldDefinition.objects.get().identifying is True
