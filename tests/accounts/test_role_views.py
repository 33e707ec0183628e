"""The roles pages (settings/roles/): list, create, the grant matrix, and roles on users and
teams; only administrators, and a refused or bad request changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.accounts.models import AccessRole, Grant, Team
from rubrica.accounts.services import grant_field, role_levels
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction
from rubrica.contacts.models import Contact
from tests.factories import UserFactory, make_contact

pytestmark = pytest.mark.django_db


def _matrix_post(role: AccessRole, **changes: str) -> dict[str, str]:
    """The grant matrix as the page would post it, with ``changes`` (field → level)."""
    data = {"name": role.name, "description": role.description}
    for (entity, action), level in role_levels(role).items():
        data[grant_field(entity, action)] = level
    data.update(changes)
    return data


def test_the_roles_list_shows_the_shipped_roles(admin_client):
    page = admin_client.get(reverse("settings:roles")).content.decode()
    for name in ("Administrator", "Manager", "Sales", "Support", "Marketing", "Read-only"):
        assert f"<bdi>{name}</bdi>" in page


def test_the_grant_matrix_shows_every_registered_entity(admin_client):
    sales = AccessRole.objects.get(key="sales")
    page = admin_client.get(reverse("settings:role_edit", args=[sales.pk])).content.decode()
    for field in ("people__view", "organizations__export", "tasks__delete", "users__manage_users"):
        assert f'name="{field}"' in page
    assert 'name="documents__merge"' not in page  # not grantable on documents
    assert '<option value="team" selected>' in page


def test_an_administrator_changes_a_grant_and_it_takes_effect(admin_client, member, other_member):
    target = make_contact(other_member, given_name="Shared", visibility="everyone")
    sales = AccessRole.objects.get(key="sales")

    response = admin_client.post(
        reverse("settings:role_edit", args=[sales.pk]),
        _matrix_post(sales, people__delete="own"),
    )

    assert response.status_code == 302
    assert list(Grant.objects.filter(role=sales).values_list("entity", "action", "level")) == [
        ("people", "delete", "own")
    ]
    fresh = type(member).objects.get(pk=member.pk)
    assert not Contact.objects.restrict(fresh, "delete").filter(pk=target.pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.GRANT_CHANGE)
    assert entry.details == {"key": "sales", "changes": {"people.delete": ["team", "own"]}}


def test_a_bad_level_names_the_field_and_changes_nothing(admin_client):
    sales = AccessRole.objects.get(key="sales")
    response = admin_client.post(
        reverse("settings:role_edit", args=[sales.pk]),
        _matrix_post(sales, people__view="everything", people__delete="none"),
    )
    assert response.status_code == 200
    assert 'id="id_people__view"' in response.content.decode()
    assert "Select a valid choice" in response.content.decode()
    assert not Grant.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.GRANT_CHANGE).exists()


def test_members_may_not_see_or_change_roles_and_nothing_changes(member_client):
    sales = AccessRole.objects.get(key="sales")
    assert member_client.get(reverse("settings:roles")).status_code == 403
    response = member_client.post(
        reverse("settings:role_edit", args=[sales.pk]), _matrix_post(sales, people__view="all")
    )
    assert response.status_code == 403
    response = member_client.post(
        reverse("settings:role_create"), {"key": "mine", "name": "Mine", "description": ""}
    )
    assert response.status_code == 403
    assert not Grant.objects.exists()
    assert not AccessRole.objects.filter(key="mine").exists()
    assert AuditEntry.objects.filter(action__startswith="role.").count() == 0


def test_an_administrator_creates_a_role_from_another_and_deletes_it(admin_client):
    response = admin_client.post(
        reverse("settings:role_create"),
        {"key": "field_sales", "name": "Field sales", "description": "", "copy_of": "sales"},
    )
    role = AccessRole.objects.get(key="field_sales")
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:role_edit", args=[role.pk])
    assert role_levels(role) == role_levels(AccessRole.objects.get(key="sales"))
    assert not role.shipped

    response = admin_client.post(reverse("settings:role_delete", args=[role.pk]))
    assert response.status_code == 302
    assert not AccessRole.objects.filter(key="field_sales").exists()


def test_a_shipped_role_cannot_be_deleted_from_the_page(admin_client):
    sales = AccessRole.objects.get(key="sales")
    response = admin_client.post(reverse("settings:role_delete", args=[sales.pk]))
    assert response.status_code == 302
    assert AccessRole.objects.filter(key="sales").exists()


def test_a_team_carries_roles_chosen_on_its_page(admin_client):
    newcomer = UserFactory(username="newcomer", roles=[])
    response = admin_client.post(
        reverse("settings:team_create"),
        {"name": "Desk", "members": [newcomer.pk], "roles": ["support"]},
    )
    assert response.status_code == 302
    team = Team.objects.get(name="Desk")
    assert list(team.roles.values_list("key", flat=True)) == ["support"]
    fresh = type(newcomer).objects.get(pk=newcomer.pk)
    assert Contact.permission_policy.user_has_permission(fresh, "add")
    created = AuditEntry.objects.get(action=AuditAction.TEAM_CREATE)
    assert created.details == {"members": ["newcomer"], "managers": [], "roles": ["support"]}
