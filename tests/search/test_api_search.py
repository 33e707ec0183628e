"""GET /api/v1/search."""

from __future__ import annotations

import pytest

from rubrica.accounts.services import token_create
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _token, raw = token_create(actor=user, user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_search_returns_visible_hits_best_first(client, member, other_member):
    ada = make_contact(member, given_name="Ada", family_name="Engine")
    org = make_organization(member, name="Engines Ltd", visibility="everyone")
    make_contact(other_member, given_name="Hidden", family_name="Engine", visibility="private")

    response = client.get("/api/v1/search", {"q": "engine"}, **bearer(member))

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["kind"], i["id"], i["field"]) for i in items] == [
        ("contact", ada.pk, "name"),
        ("organization", org.pk, "name"),
    ]
    first = items[0]
    assert first["snippet"][first["highlight"][0] : first["highlight"][1]] == "engine"


def test_search_kind_and_limit(client, member):
    make_contact(member, given_name="Ada", family_name="Engine")
    org = make_organization(member, name="Engines Ltd")

    response = client.get(
        "/api/v1/search", {"q": "engine", "kind": "organization", "limit": 1}, **bearer(member)
    )

    assert [i["id"] for i in response.json()["items"]] == [org.pk]


def test_search_with_syntax_characters_answers_200(client, member):
    response = client.get("/api/v1/search", {"q": '"*-:() NEAR AND'}, **bearer(member))

    assert response.status_code == 200
    assert response.json() == {"items": []}


def test_search_without_q_or_with_a_huge_q_is_422(client, member):
    headers = bearer(member)

    assert client.get("/api/v1/search", **headers).status_code == 422
    assert client.get("/api/v1/search", {"q": "x" * 1001}, **headers).status_code == 422


def test_search_needs_authentication(client, db):
    assert client.get("/api/v1/search", {"q": "ada"}).status_code == 401
