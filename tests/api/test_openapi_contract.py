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


def test_no_two_schemas_share_a_name():
    """The document names each schema by its class name, so two classes of one name describe
    one of them wrongly (the people import was documented as the calendar import's counts)."""
    from collections import defaultdict

    from ninja import Schema

    from rubrica.api.api import api  # noqa: F401 - every router's schemas defined

    def subclasses(cls: type) -> list[type]:
        found = []
        for sub in cls.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    modules: dict[str, set[str]] = defaultdict(set)
    for cls in subclasses(Schema):
        if cls.__module__.startswith("rubrica."):
            modules[cls.__name__].add(cls.__module__)
    assert {name: where for name, where in modules.items() if len(where) > 1} == {}


def test_the_people_import_is_documented_with_its_counts():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    created = schema["paths"]["/api/v1/imports"]["post"]["responses"]["201"]
    ref = created["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][ref]["properties"]
    assert {"counts", "organizations", "report_url", "status"} <= set(properties)
