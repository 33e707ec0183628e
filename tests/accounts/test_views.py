"""Settings pages for users, teams, tokens and one's own password."""

from __future__ import annotations

import re

import pytest
from django.http import HttpRequest
from django.urls import reverse

from rubrica.accounts.models import ApiToken, Role, Team, User
from rubrica.accounts.services import token_authenticate, token_create
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction
from tests.factories import PASSWORD, UserFactory

ADMIN_PAGES = [
    ("settings:users", {}),
    ("settings:user_create", {}),
    ("settings:teams", {}),
    ("settings:team_create", {}),
    ("settings:fields", {}),
    ("settings:field_create", {"entity": "contact"}),
    ("settings:tags", {}),
    ("settings:stages", {}),
    ("settings:kinds", {}),
]


def _one_time_secret(response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]+)<', response.content.decode())
    assert match is not None
    return match.group(1).strip()


@pytest.mark.parametrize(("name", "kwargs"), ADMIN_PAGES)
def test_admin_pages_answer_403_to_a_member(member_client, name, kwargs):
    response = member_client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), ADMIN_PAGES)
def test_admin_pages_open_for_an_administrator(admin_client, name, kwargs):
    response = admin_client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 200


def test_settings_pages_send_anonymous_visitors_to_login(client, db):
    response = client.get(reverse("settings:tokens"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_admin_creates_a_user_and_the_shown_password_logs_in(admin_client, client):
    response = admin_client.post(
        reverse("settings:user_create"),
        {"username": "grace", "email": "grace@example.org", "role": Role.MEMBER, "password": ""},
    )

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    password = _one_time_secret(response, "one-time-password")
    user = User.objects.get(username="grace")
    assert user.role == Role.MEMBER
    admin_client.logout()
    assert admin_client.login(request=HttpRequest(), username="grace", password=password) is True


def test_admin_creates_a_user_with_a_chosen_password(admin_client):
    response = admin_client.post(
        reverse("settings:user_create"),
        {"username": "grace", "roles": "read_only", "password": "a quite long passphrase 42"},
    )

    assert response.status_code == 302
    user = User.objects.get(username="grace")
    assert user.check_password("a quite long passphrase 42") is True
    assert user.role == Role.VIEWER
    assert list(user.roles.values_list("key", flat=True)) == ["read_only"]
    assert user.is_read_only


def test_user_create_shows_the_duplicate_username_error(admin_client, member):
    response = admin_client.post(
        reverse("settings:user_create"), {"username": "MEMBER", "role": Role.MEMBER}
    )

    assert response.status_code == 200
    assert "A user with this username already exists." in response.content.decode()
    assert User.objects.filter(username__iexact="member").count() == 1


def test_member_cannot_create_users_and_nothing_is_created(member_client):
    response = member_client.post(
        reverse("settings:user_create"), {"username": "intruder", "role": Role.ADMIN}
    )

    assert response.status_code == 403
    assert not User.objects.filter(username="intruder").exists()


def test_member_cannot_edit_or_deactivate_users_and_nothing_changes(member_client, other_member):
    edit = member_client.post(
        reverse("settings:user_edit", args=[other_member.pk]),
        {"role": Role.ADMIN, "is_active": "on"},
    )
    deactivate = member_client.post(reverse("settings:user_deactivate", args=[other_member.pk]))

    assert (edit.status_code, deactivate.status_code) == (403, 403)
    other_member.refresh_from_db()
    assert (other_member.role, other_member.is_active) == (Role.MEMBER, True)


def _row_of(page: str, username: str) -> str:
    rows = [row for row in page.split("<tr")[1:] if f"><bdi>{username}</bdi></div>" in row]
    assert len(rows) == 1
    return rows[0]


def test_user_list_shows_role_and_active_flag(admin_client, member):
    UserFactory(username="left", role=Role.VIEWER, is_active=False)

    page = admin_client.get(reverse("settings:users")).content.decode()

    member_row, left_row = _row_of(page, "member"), _row_of(page, "left")
    assert '"Roles"><bdi>Sales</bdi></td>' in member_row
    assert ">Active</span>" in member_row
    assert '"Roles"><bdi>Read-only</bdi></td>' in left_row
    assert ">Inactive</span>" in left_row
    assert '"Roles"><bdi>Administrator</bdi></td>' in _row_of(page, "admin")


def test_admin_edits_role_and_name(admin_client, member):
    response = admin_client.post(
        reverse("settings:user_edit", args=[member.pk]),
        {
            "first_name": "Ada",
            "last_name": "King",
            "email": "",
            "roles": ["read_only", "support"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.email) == ("Ada", "King", "")
    assert sorted(member.roles.values_list("key", flat=True)) == ["read_only", "support"]
    assert not member.is_read_only  # support changes records
    entry = AuditEntry.objects.get(action=AuditAction.USER_ROLES)
    assert entry.details == {"before": ["sales"], "after": ["read_only", "support"]}


def test_last_admin_cannot_be_demoted_from_the_page(admin_client, admin_user):
    response = admin_client.post(
        reverse("settings:user_edit", args=[admin_user.pk]),
        {"first_name": "", "last_name": "", "email": "", "role": Role.MEMBER, "is_active": "on"},
    )

    assert response.status_code == 200
    assert "is the last active administrator" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_administrator is True


def test_admin_deactivates_a_user_who_keeps_existing(admin_client, member):
    confirm = admin_client.get(reverse("settings:user_deactivate", args=[member.pk]))
    response = admin_client.post(reverse("settings:user_deactivate", args=[member.pk]))

    assert confirm.status_code == 200
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active is False


def test_admin_resets_a_password_shown_once(admin_client, member):
    response = admin_client.post(reverse("settings:user_reset_password", args=[member.pk]))

    password = _one_time_secret(response, "one-time-password")
    member.refresh_from_db()
    assert member.check_password(password) is True
    assert member.check_password(PASSWORD) is False


def test_admin_creates_a_team_with_members(admin_client, member, other_member):
    response = admin_client.post(
        reverse("settings:team_create"), {"name": "Sales", "members": [member.pk]}
    )

    assert response.status_code == 302
    team = Team.objects.get(name="Sales")
    assert list(team.members.all()) == [member]

    admin_client.post(
        reverse("settings:team_edit", args=[team.pk]),
        {"name": "Sales", "members": [member.pk, other_member.pk]},
    )

    assert set(team.members.all()) == {member, other_member}


# API tokens -----------------------------------------------------------------------------------


def test_token_secret_is_shown_once_and_authenticates(member_client, member):
    response = member_client.post(
        reverse("settings:token_create"), {"name": "Phone sync", "access": "read"}
    )

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    secret = _one_time_secret(response, "token-secret")
    assert token_authenticate(secret, area="contacts") == member
    listing = member_client.get(reverse("settings:tokens")).content.decode()
    assert "Phone sync" in listing
    assert secret not in listing
    assert secret[:10] in listing


def test_token_with_a_lifetime_gets_an_expiry(member_client, member):
    member_client.post(
        reverse("settings:token_create"),
        {"name": "Script", "lifetime": "30", "access": "read,write"},
    )

    token = ApiToken.objects.get(user=member)
    assert token.expires_at is not None
    assert 29 <= (token.expires_at - token.created_at).days <= 30


def test_token_without_a_name_shows_an_error(member_client, member):
    response = member_client.post(
        reverse("settings:token_create"), {"name": "  ", "access": "read"}
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert ApiToken.objects.filter(user=member).count() == 0


def test_revoked_token_does_not_authenticate(member_client, member):
    token, secret = token_create(actor=member, user=member, name="old")

    response = member_client.post(reverse("settings:token_revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_authenticate(secret, area="contacts") is None


def test_member_cannot_see_or_revoke_others_tokens(member_client, other_member):
    token, secret = token_create(actor=other_member, user=other_member, name="theirs")

    listing = member_client.get(reverse("settings:tokens") + "?all=1").content.decode()
    response = member_client.post(reverse("settings:token_revoke", args=[token.pk]))

    assert "theirs" not in listing
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert token_authenticate(secret, area="contacts") == other_member


def test_admin_sees_and_revokes_every_token(admin_client, member):
    token, secret = token_create(actor=member, user=member, name="members-token")

    own = admin_client.get(reverse("settings:tokens")).content.decode()
    every = admin_client.get(reverse("settings:tokens") + "?all=1").content.decode()
    admin_client.post(reverse("settings:token_revoke", args=[token.pk]), {"all": "1"})

    assert "members-token" not in own
    assert "members-token" in every
    assert token_authenticate(secret, area="contacts") is None


# Own password ---------------------------------------------------------------------------------


def test_password_change_keeps_the_session_and_sets_the_new_password(member_client, member):
    response = member_client.post(
        reverse("settings:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another fine passphrase 7",
            "new_password2": "another fine passphrase 7",
        },
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("another fine passphrase 7") is True
    assert member_client.get(reverse("settings:tokens")).status_code == 200


def test_password_change_with_wrong_old_password_changes_nothing(member_client, member):
    response = member_client.post(
        reverse("settings:password_change"),
        {
            "old_password": "wrong",
            "new_password1": "another fine passphrase 7",
            "new_password2": "another fine passphrase 7",
        },
    )

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.check_password(PASSWORD) is True
