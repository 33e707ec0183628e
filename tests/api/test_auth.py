"""Who may call the API: bearer tokens, the browser session with CSRF, and nobody else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.middleware.csrf import get_token
from django.test import Client
from django.utils import timezone

from rubrica.accounts.models import ApiToken
from rubrica.accounts.services import token_create, token_revoke
from rubrica.contacts.models import Contact
from tests.api.conftest import JSON, bearer
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts"


def assert_401(response) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="rubrica"'
    body = response.json()
    assert body["status"] == 401
    assert body["type"] == "urn:rubrica:problem:unauthenticated"


def test_request_without_credentials_answers_401_problem(client):
    assert_401(client.get(URL))


def test_unknown_token_answers_401(client, member):
    assert_401(client.get(URL, HTTP_AUTHORIZATION="Bearer rbk_not-a-real-token"))


def test_token_without_prefix_answers_401(client, member):
    assert_401(client.get(URL, HTTP_AUTHORIZATION="Bearer something-else"))


def test_revoked_token_answers_401(client, member):
    token, raw = token_create(actor=member, user=member, name="laptop")
    token_revoke(actor=member, token=token)
    assert_401(client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}"))


def test_expired_token_answers_401(client, member):
    token, raw = token_create(
        actor=member,
        user=member,
        name="old",
        expires_at=timezone.now() + dt.timedelta(minutes=1),
    )
    # Time passes: a token cannot be made already expired (ADR 0029), but it can expire.
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert_401(client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}"))


def test_token_of_inactive_user_answers_401(client, member):
    headers = bearer(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert_401(client.get(URL, **headers))


def test_unauthenticated_write_creates_nothing(client):
    response = client.post(URL, {"given_name": "Eve"}, content_type=JSON)
    assert_401(response)
    assert Contact.all_objects.count() == 0


def test_valid_token_reads_and_records_last_use(client, member):
    token, raw = token_create(actor=member, user=member, name="script")
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_token_write_needs_no_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"given_name": "Grace"}, content_type=JSON, **bearer(member))
    assert response.status_code == 201
    assert Contact.objects.get().given_name == "Grace"


def test_session_read_needs_no_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    make_contact(member)
    response = client.get(URL)
    assert response.status_code == 200
    assert [item["display_name"] for item in response.json()["items"]] == ["Ada Lovelace"]


def test_session_write_without_csrf_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(URL, {"given_name": "Grace"}, content_type=JSON)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:rubrica:problem:csrf"
    assert Contact.all_objects.count() == 0


def test_session_write_with_csrf_token_is_accepted(member, rf):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    token = get_token(rf.get("/"))
    client.cookies["csrftoken"] = token
    response = client.post(URL, {"given_name": "Grace"}, content_type=JSON, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert Contact.objects.get().given_name == "Grace"


def test_bad_token_is_not_rescued_by_a_session(member):
    client = Client()
    client.force_login(member)
    response = client.get(URL, HTTP_AUTHORIZATION="Bearer rbk_wrong")
    assert_401(response)


def test_openapi_document_and_docs_need_no_login(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    assert client.get("/api/v1/openapi.json").status_code == 200
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
