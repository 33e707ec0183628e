"""Per-area token scopes (ADR 0036): the area of every operation is given where its router is
mounted, a token needs the area's read or write scope (the old ``read``/``write`` still mean every
area), a missing scope answers a 403 problem naming it, and nothing changes."""

from __future__ import annotations

import pytest
from ninja.security import HttpBearer

from rubrica.accounts.scopes import ADMIN, AREAS
from rubrica.accounts.services import token_create
from rubrica.api.api import api
from rubrica.api.auth import TokenAuth
from rubrica.contacts.models import Contact
from rubrica.organizations.models import Organization
from tests.api.conftest import JSON
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def headers(user, *scopes: str) -> dict[str, str]:
    _token, raw = token_create(actor=user, user=user, name="scoped", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def all_operations():
    for bound in api._get_bound_routers():
        for path, view in bound.path_operations.items():
            for operation in view.operations:
                yield bound.prefix + path, operation


def test_every_operation_that_takes_tokens_belongs_to_a_known_area():
    seen = set()
    for path, operation in all_operations():
        bearers = [cb for cb in operation.auth_callbacks if isinstance(cb, HttpBearer)]
        if not operation.auth_callbacks:
            continue  # the public fallback (404 problem) only
        assert bearers, path
        for callback in bearers:
            assert isinstance(callback, TokenAuth), path
            assert callback.area is not None, f"{path}: mounted without an area (use api.mount)"
            assert callback.area == ADMIN or callback.area in AREAS, path
            seen.add(callback.area)
    assert "contacts" in seen and ADMIN in seen


def test_a_router_added_without_an_area_refuses_every_token(member):
    from django.core.exceptions import PermissionDenied

    from rubrica.accounts.services import token_authenticate
    from rubrica.api.auth import AUTH

    (token_auth,) = [cb for cb in AUTH if isinstance(cb, TokenAuth)]
    assert token_auth.area is None  # what api.add_router without mount() gives
    _token, raw = token_create(actor=member, user=member, name="all")
    with pytest.raises(PermissionDenied):
        token_authenticate(raw, area=None, write=False)


def test_area_read_scope_reads_its_area_only(client, member):
    make_contact(member, given_name="Ann")
    auth = headers(member, "contacts:read")
    assert client.get("/api/v1/contacts", **auth).status_code == 200
    response = client.get("/api/v1/organizations", **auth)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:rubrica:problem:missing-scope"
    assert body["scope"] == "organizations:read"
    assert "organizations:read" in body["detail"]


def test_area_read_scope_cannot_write_and_nothing_changes(client, member):
    auth = headers(member, "contacts:read", "organizations:write")
    response = client.post("/api/v1/contacts", {"given_name": "Eve"}, content_type=JSON, **auth)
    assert response.status_code == 403
    assert response.json()["scope"] == "contacts:write"
    assert Contact.all_objects.count() == 0


def test_area_write_scope_writes_its_area(client, member):
    auth = headers(member, "organizations:*")
    response = client.post("/api/v1/organizations", {"name": "Acme"}, content_type=JSON, **auth)
    assert response.status_code == 201, response.content
    assert Organization.objects.filter(name="Acme").count() == 1


def test_scopes_never_grant_more_than_the_user_may(client, viewer):
    auth = headers(viewer, "contacts:read", "contacts:write")
    response = client.post("/api/v1/contacts", {"given_name": "Eve"}, content_type=JSON, **auth)
    assert response.status_code == 403
    assert Contact.all_objects.count() == 0


def test_old_read_and_write_scopes_keep_meaning_every_area(client, member):
    auth = headers(member, "read")
    urls = ("/api/v1/contacts", "/api/v1/organizations", "/api/v1/tasks", "/api/v1/me/settings")
    for url in urls:
        assert client.get(url, **auth).status_code == 200, url
    both = headers(member, "read", "write")
    response = client.post("/api/v1/organizations", {"name": "Acme"}, content_type=JSON, **both)
    assert response.status_code == 201


def test_admin_scope_opens_team_settings(client, admin_user):
    admin = admin_user
    assert client.get("/api/v1/team/settings", **headers(admin, "admin")).status_code == 200
    refused = client.get("/api/v1/team/settings", **headers(admin, "contacts:read"))
    assert refused.status_code == 403
    assert refused.json()["scope"] == "admin"


def test_session_is_not_limited_by_scopes(client, member):
    client.force_login(member)
    assert client.get("/api/v1/organizations").status_code == 200
