"""The committed OpenAPI document is the API's contract: it must match the code."""

from __future__ import annotations

import json

import pytest

from rubrica.api.schema_file import SCHEMA_PATH, render_schema


def test_committed_openapi_document_matches_the_code():
    committed = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    assert committed == render_schema(), (
        f"{SCHEMA_PATH} differs from the API code: run `make schema` and commit the result."
    )


def test_openapi_document_is_pretty_printed_with_sorted_keys():
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.django_db
def test_served_document_is_the_committed_one(client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_errors_are_documented_as_problem_documents():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    responses = schema["paths"]["/api/v1/contacts/{contact_id}"]["patch"]["responses"]
    assert set(responses) == {"200", "401", "403", "404", "409", "412", "422"}
    assert set(responses["412"]["content"]) == {"application/problem+json"}
    assert set(responses["409"]["content"]) == {"application/problem+json"}
    assert set(responses["200"]["content"]) == {"application/json"}
