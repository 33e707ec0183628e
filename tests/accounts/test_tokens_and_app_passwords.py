"""API token scopes, expiry, last use and revocation on every door that makes them (service, web
page, CLI), and the per-device app passwords DAV clients sign in with (ADR 0029)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from rubrica.accounts.app_passwords import (
    app_password_authenticate,
    app_password_create,
    app_password_revoke,
    basic_auth_user,
)
from rubrica.accounts.models import ApiToken, AppPassword
from rubrica.accounts.services import token_authenticate, token_create
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction
from rubrica.contacts.models import Contact
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts"


def test_a_read_only_token_reads_but_cannot_write(client, member):
    _token, raw = token_create(actor=member, user=member, name="report", scopes=["read"])
    headers = {"Authorization": f"Bearer {raw}"}

    read = client.get(URL, headers=headers)
    write = client.post(
        URL, {"given_name": "Eve"}, content_type="application/json", headers=headers
    )

    assert read.status_code == 200
    assert write.status_code == 403
    assert write["Content-Type"] == "application/problem+json"
    assert write.json()["scope"] == "contacts:write"
    assert Contact.all_objects.count() == 0


def test_a_read_and_write_token_writes(client, member):
    _token, raw = token_create(actor=member, user=member, name="sync", scopes=["read", "write"])

    response = client.post(
        URL,
        {"given_name": "Grace"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )

    assert response.status_code == 201


def test_unknown_or_empty_scopes_and_past_expiry_are_refused(member):
    with pytest.raises(ValidationError) as unknown:
        token_create(actor=member, user=member, name="x", scopes=["nonsense"])
    with pytest.raises(ValidationError) as empty:
        token_create(actor=member, user=member, name="x", scopes=[])
    with pytest.raises(ValidationError) as past:
        token_create(
            actor=member, user=member, name="x", expires_at=timezone.now() - dt.timedelta(days=1)
        )

    assert "scopes" in unknown.value.message_dict
    assert "scopes" in empty.value.message_dict
    assert "expires_at" in past.value.message_dict
    assert ApiToken.objects.count() == 0


def test_token_use_is_recorded_at_most_once_a_minute(member):
    token, raw = token_create(actor=member, user=member, name="script")

    assert token_authenticate(raw, area="contacts") == member
    assert token_authenticate(raw, area="contacts") == member

    token.refresh_from_db()
    assert token.last_used_at is not None
    uses = AuditEntry.objects.filter(action=AuditAction.TOKEN_USE)
    assert uses.count() == 1
    assert uses.get().details == {"prefix": token.key_prefix}


def test_the_token_page_makes_a_read_only_token_shown_once_and_revokes_it(member_client, member):
    created = member_client.post(
        reverse("settings:token_create"), {"name": "Dashboard", "lifetime": "30", "access": "read"}
    )

    assert created.status_code == 200
    token = ApiToken.objects.get(user=member)
    assert token.scopes == ["read"]
    assert token.expires_at is not None
    assert created.context["secret"].startswith("rbk_")
    listing = member_client.get(reverse("settings:tokens")).content.decode()
    assert created.context["secret"] not in listing  # shown once, never again
    assert "Read only" in listing

    member_client.post(reverse("settings:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_authenticate(created.context["secret"], area="contacts") is None


def test_the_cli_makes_lists_and_revokes_scoped_expiring_tokens(rubrica, member):
    code, out, _err = rubrica(
        "token", "create", "--user", "member", "--name", "backup", "--scope", "read",
        "--expires-days", "7",
    )  # fmt: skip
    assert code == 0
    token = ApiToken.objects.get(user=member)
    assert token.scopes == ["read"]
    assert dt.timedelta(days=6) < token.expires_at - timezone.now() <= dt.timedelta(days=7)
    assert [line for line in out.splitlines() if line.startswith("rbk_")]

    code, out, _err = rubrica("token", "list", "--user", "member")
    assert code == 0
    fields = out.strip().split("\t")
    assert fields[0] == str(token.pk) and fields[2] == "backup"
    assert fields[3] == "read" and fields[4] == "active"
    assert "rbk_" not in out.replace(token.key_prefix, "")

    code, out, _err = rubrica("token", "revoke", str(token.pk))
    assert code == 0
    token.refresh_from_db()
    assert token.revoked_at is not None


# App passwords ----------------------------------------------------------------------------


def _basic(username: str, password: str):
    value = base64.b64encode(f"{username}:{password}".encode()).decode()
    return RequestFactory().get("/dav/", HTTP_AUTHORIZATION=f"Basic {value}")


def test_an_app_password_signs_in_a_dav_client_and_is_stored_hashed(member):
    row, secret = app_password_create(actor=member, user=member, name="Phone")

    assert basic_auth_user(_basic("member", secret)) == member
    assert basic_auth_user(_basic("MEMBER", secret)) == member
    row.refresh_from_db()
    assert secret not in row.key_hash and len(row.key_hash) == 64
    assert row.last_used_at is not None
    assert list(
        AuditEntry.objects.filter(
            action__in=[AuditAction.APP_PASSWORD_CREATE, AuditAction.APP_PASSWORD_USE]
        ).values_list("action", flat=True)
    ) == [AuditAction.APP_PASSWORD_CREATE, AuditAction.APP_PASSWORD_USE]


def test_basic_auth_refuses_the_sign_in_password_other_users_and_revoked_passwords(
    member, other_member
):
    row, secret = app_password_create(actor=member, user=member, name="Laptop")

    assert basic_auth_user(_basic("member", PASSWORD)) is None  # never the real password
    assert basic_auth_user(_basic("other", secret)) is None
    assert basic_auth_user(RequestFactory().get("/dav/", HTTP_AUTHORIZATION="Basic ???")) is None
    assert basic_auth_user(RequestFactory().get("/dav/")) is None
    app_password_revoke(actor=member, app_password=row)
    assert app_password_authenticate("member", secret) is None
    member.is_active = False
    member.save(update_fields=["is_active"])
    _row, again = app_password_create(actor=member, user=member, name="Tablet")
    assert app_password_authenticate("member", again) is None


def test_nobody_makes_or_revokes_app_passwords_for_someone_else(member, other_member):
    row, _secret = app_password_create(actor=member, user=member, name="Phone")

    with pytest.raises(PermissionDenied):
        app_password_create(actor=other_member, user=member, name="Sneaky")
    with pytest.raises(PermissionDenied):
        app_password_revoke(actor=other_member, app_password=row)

    row.refresh_from_db()
    assert row.revoked_at is None
    assert AppPassword.objects.count() == 1


def test_the_app_password_page_shows_the_secret_once_and_names_a_missing_device(
    member_client, member, other_member
):
    empty = member_client.post(reverse("settings:app_passwords"), {"name": "  "})
    assert empty.status_code == 200
    assert empty.context["form"].errors["name"]
    assert AppPassword.objects.count() == 0

    created = member_client.post(reverse("settings:app_passwords"), {"name": "Phone"})
    secret = created.context["secret"]
    assert secret.startswith("rbp-")
    listing = member_client.get(reverse("settings:app_passwords")).content.decode()
    assert "Phone" in listing and secret not in listing

    other_row, _ = app_password_create(actor=other_member, user=other_member, name="Theirs")
    denied = member_client.post(reverse("settings:app_password_revoke", args=[other_row.pk]))
    assert denied.status_code == 404
    other_row.refresh_from_db()
    assert other_row.revoked_at is None


def test_the_token_page_makes_a_token_for_chosen_areas_and_lists_its_scopes(member_client, member):
    created = member_client.post(
        reverse("settings:token_create"),
        {"name": "Tasks bot", "access": "areas", "scopes": ["tasks:read", "tasks:write"]},
    )

    assert created.status_code == 200
    token = ApiToken.objects.get(user=member)
    assert token.scopes == ["tasks:read", "tasks:write"]
    listing = member_client.get(reverse("settings:tokens")).content.decode()
    assert "<code>tasks:read</code>" in listing and "<code>tasks:write</code>" in listing


def test_the_token_page_refuses_areas_without_any_chosen(member_client, member):
    refused = member_client.post(
        reverse("settings:token_create"), {"name": "Empty", "access": "areas"}
    )

    assert refused.status_code == 200
    assert "scopes" in refused.context["form"].errors
    assert ApiToken.objects.count() == 0


def test_the_cli_makes_a_token_for_one_area(rubrica, member):
    code, _out, _err = rubrica(
        "token", "create", "--user", "member", "--name", "crm", "--scope", "contacts:*",
        "--scope", "admin",
    )  # fmt: skip

    assert code == 0
    assert ApiToken.objects.get(user=member).scopes == ["contacts:read", "contacts:write", "admin"]
    code, _out, err = rubrica(
        "token", "create", "--user", "member", "--name", "bad", "--scope", "planets:read"
    )
    assert code != 0 and "planets:read" in err
    assert ApiToken.objects.count() == 1
