"""accounts.services: user_update (last-administrator rule), teams, tokens."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.accounts import services
from rubrica.accounts.models import Role, Team, User
from tests.factories import TeamFactory, UserFactory


def test_user_update_by_member_is_refused_and_changes_nothing(member, other_member):
    with pytest.raises(PermissionDenied):
        services.user_update(actor=member, user=other_member, data={"role": Role.ADMIN})

    other_member.refresh_from_db()
    assert other_member.role == Role.MEMBER
    assert other_member.is_superuser is False


def test_user_update_changes_names_email_and_role(admin_user, member):
    services.user_update(
        actor=admin_user,
        user=member,
        data={"first_name": " Grace ", "last_name": "Hopper", "email": "Grace@Example.ORG"},
    )
    services.user_update(actor=admin_user, user=member, data={"role": Role.ADMIN})

    member.refresh_from_db()
    assert (member.first_name, member.last_name) == ("Grace", "Hopper")
    assert member.email == "Grace@example.org"
    assert (member.role, member.is_superuser, member.is_staff) == (Role.ADMIN, True, True)


def test_demoting_an_administrator_clears_superuser(admin_user):
    second = UserFactory(username="second", role=Role.ADMIN, is_superuser=True, is_staff=True)

    services.user_update(actor=admin_user, user=second, data={"role": Role.VIEWER})

    second.refresh_from_db()
    assert (second.role, second.is_superuser, second.is_staff) == (Role.VIEWER, False, False)
    assert second.is_administrator is False


def test_last_active_administrator_cannot_be_demoted(admin_user):
    with pytest.raises(ValidationError) as info:
        services.user_update(actor=admin_user, user=admin_user, data={"role": Role.MEMBER})

    assert "last active administrator" in info.value.message_dict["role"][0]
    admin_user.refresh_from_db()
    assert admin_user.is_administrator is True
    assert admin_user.role == Role.ADMIN


def test_last_active_administrator_cannot_be_deactivated_by_an_inactive_one(admin_user):
    # An administrator deactivated meanwhile, acting from a stale session, does not count.
    actor = UserFactory(username="gone", role=Role.ADMIN, is_active=False)

    with pytest.raises(ValidationError) as info:
        services.user_update(actor=actor, user=admin_user, data={"is_active": False})

    assert "last active administrator" in info.value.message_dict["is_active"][0]
    admin_user.refresh_from_db()
    assert admin_user.is_active is True


def test_an_administrator_can_step_down_when_another_remains(admin_user):
    UserFactory(username="second", role=Role.ADMIN)

    services.user_update(actor=admin_user, user=admin_user, data={"role": Role.MEMBER})

    admin_user.refresh_from_db()
    assert admin_user.is_administrator is False


def test_user_deactivate_keeps_the_user_row(admin_user, member):
    services.user_deactivate(actor=admin_user, user=member)

    member.refresh_from_db()
    assert member.is_active is False
    assert User.objects.filter(pk=member.pk).count() == 1


def test_user_cannot_deactivate_themselves(admin_user):
    UserFactory(username="second", role=Role.ADMIN)

    with pytest.raises(ValidationError) as info:
        services.user_deactivate(actor=admin_user, user=admin_user)

    assert info.value.message_dict == {"is_active": ["You cannot deactivate your own account."]}
    admin_user.refresh_from_db()
    assert admin_user.is_active is True


def test_user_update_rejects_bad_email_and_role_naming_the_fields(admin_user, member):
    with pytest.raises(ValidationError) as info:
        services.user_update(
            actor=admin_user, user=member, data={"email": "not an email", "role": "boss"}
        )

    assert set(info.value.message_dict) == {"email", "role"}
    member.refresh_from_db()
    assert (member.email, member.role) == ("member@example.org", Role.MEMBER)


def test_user_reset_password_returns_a_working_password(admin_user, member):
    password = services.user_reset_password(actor=admin_user, user=member)

    member.refresh_from_db()
    assert member.check_password(password) is True


def test_team_create_and_update_membership(admin_user, member, other_member):
    team = services.team_create(actor=admin_user, name="  Sales  ", members=[member])

    assert team.name == "Sales"
    assert list(team.members.all()) == [member]

    services.team_update(actor=admin_user, team=team, name="Sales EU", members=[other_member])

    team.refresh_from_db()
    assert team.name == "Sales EU"
    assert list(team.members.all()) == [other_member]


def test_team_name_must_be_unique_regardless_of_case(admin_user):
    TeamFactory(name="Sales")

    with pytest.raises(ValidationError) as info:
        services.team_create(actor=admin_user, name="sales")

    assert info.value.message_dict == {"name": ["A team with this name already exists."]}
    assert Team.objects.count() == 1


def test_team_create_by_member_is_refused(member):
    with pytest.raises(PermissionDenied):
        services.team_create(actor=member, name="Sales", members=[member])

    assert Team.objects.count() == 0


def test_token_authenticates_until_revoked(member):
    token, secret = services.token_create(actor=member, user=member, name="sync")

    assert services.token_authenticate(secret, area="contacts") == member

    services.token_revoke(actor=member, token=token)

    assert services.token_authenticate(secret, area="contacts") is None


def test_token_of_a_deactivated_user_does_not_authenticate(admin_user, member):
    _token, secret = services.token_create(actor=member, user=member, name="sync")

    services.user_deactivate(actor=admin_user, user=member)

    assert services.token_authenticate(secret, area="contacts") is None


def test_user_create_refuses_an_invalid_email_and_creates_nothing(db):
    from django.core.exceptions import ValidationError

    from rubrica.accounts.models import User
    from rubrica.accounts.services import user_create

    with pytest.raises(ValidationError) as caught:
        user_create(actor=None, username="newbie", email="not-an-email")

    assert list(caught.value.message_dict) == ["email"]
    assert not User.objects.filter(username="newbie").exists()
