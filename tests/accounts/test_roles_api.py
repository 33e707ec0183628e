"""/api/v1/roles, /users/{id}/roles, /teams/{id}/roles (ADR 0033): administrators manage roles
through the services the pages use (audited, shipped roles kept, the last administrator kept);
everyone else is refused and nothing changes."""

from __future__ import annotations

import pytest

from rubrica.accounts import services as accounts
from rubrica.accounts.models import AccessRole, Grant
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction
from tests.api.conftest import JSON
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/roles"


def test_an_administrator_creates_reads_renames_grants_and_deletes_a_role(client, as_admin):
    created = client.post(
        URL, {"key": "lead", "name": "Lead", "copy_of": "sales"}, content_type=JSON, **as_admin
    )
    assert created.status_code == 201, created.content
    role = AccessRole.objects.get(key="lead")
    body = created.json()
    assert body["key"] == "lead" and body["shipped"] is False
    assert body["grants"]["people"]["view"] == "team"
    assert created["Location"] == f"http://testserver{URL}/{role.pk}"

    listed = client.get(URL, **as_admin).json()["items"]
    assert "lead" in {item["key"] for item in listed}
    assert {"administrator", "manager", "sales"} <= {item["key"] for item in listed}

    etag = client.get(f"{URL}/{role.pk}", **as_admin)["ETag"]
    renamed = client.patch(
        f"{URL}/{role.pk}", {"name": "Team lead"}, content_type=JSON, HTTP_IF_MATCH=etag, **as_admin
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Team lead"

    stale = client.patch(
        f"{URL}/{role.pk}/grants",
        {"grants": {"people": {"view": "team_all"}}},
        content_type=JSON,
        HTTP_IF_MATCH=etag,
        **as_admin,
    )
    assert stale.status_code == 412
    assert Grant.objects.get(role=role, entity="people", action="view").level == "team"

    granted = client.patch(
        f"{URL}/{role.pk}/grants",
        {"grants": {"people": {"view": "team_all", "change": "team_all"}}},
        content_type=JSON,
        HTTP_IF_MATCH=renamed["ETag"],
        **as_admin,
    )
    assert granted.status_code == 200, granted.content
    assert granted.json()["grants"]["people"]["view"] == "team_all"
    assert AuditEntry.objects.filter(
        action=AuditAction.GRANT_CHANGE, target_id=str(role.pk)
    ).exists()

    assert client.delete(f"{URL}/{role.pk}", **as_admin).status_code == 204
    assert not AccessRole.objects.filter(key="lead").exists()
    assert AuditEntry.objects.filter(action=AuditAction.ROLE_DELETE).exists()


def test_bad_grants_answer_422_and_write_nothing(client, admin_user, as_admin):
    role = accounts.role_create(actor=admin_user, key="lead", name="Lead")
    response = client.patch(
        f"{URL}/{role.pk}/grants",
        {"grants": {"people": {"view": "team", "fly": "all"}, "planets": {"view": "all"}}},
        content_type=JSON,
        **as_admin,
    )
    assert response.status_code == 422
    assert not Grant.objects.filter(role=role).exists()


def test_a_shipped_role_is_not_deleted(client, as_admin):
    sales = accounts.shipped_role("sales")
    assert client.delete(f"{URL}/{sales.pk}", **as_admin).status_code == 422
    assert AccessRole.objects.filter(pk=sales.pk).exists()


def test_the_last_administrator_keeps_managing(client, admin_user, as_admin):
    administrator = accounts.shipped_role("administrator")
    admin_user.is_superuser = False
    admin_user.save(update_fields=["is_superuser"])
    response = client.patch(
        f"{URL}/{administrator.pk}/grants",
        {"grants": {"users": {"manage_users": "none"}}},
        content_type=JSON,
        **as_admin,
    )
    assert response.status_code == 422
    assert not Grant.objects.filter(role=administrator).exists()


def test_roles_are_given_to_a_user_and_a_team(client, admin_user, as_admin):
    person = UserFactory(username="pat", roles=["sales"])
    team = TeamFactory(name="North")
    given = client.put(
        f"/api/v1/users/{person.pk}/roles",
        {"roles": ["sales", "manager"]},
        content_type=JSON,
        **as_admin,
    )
    assert given.status_code == 200, given.content
    assert given.json() == {"id": person.pk, "roles": ["manager", "sales"]}
    assert AuditEntry.objects.filter(
        action=AuditAction.USER_ROLES, target_id=str(person.pk)
    ).exists()

    carried = client.put(
        f"/api/v1/teams/{team.pk}/roles", {"roles": ["marketing"]}, content_type=JSON, **as_admin
    )
    assert carried.status_code == 200
    assert list(team.roles.values_list("key", flat=True)) == ["marketing"]

    unknown = client.put(
        f"/api/v1/users/{person.pk}/roles", {"roles": ["pilot"]}, content_type=JSON, **as_admin
    )
    assert unknown.status_code == 422
    assert sorted(person.roles.values_list("key", flat=True)) == ["manager", "sales"]


def test_others_are_refused_and_nothing_changes(client, admin_user, member, as_member):
    role = accounts.role_create(actor=admin_user, key="lead", name="Lead")
    assert client.get(URL, **as_member).status_code == 403
    assert client.get(f"{URL}/{role.pk}", **as_member).status_code == 403
    assert (
        client.post(URL, {"key": "x", "name": "X"}, content_type=JSON, **as_member).status_code
        == 403
    )
    assert (
        client.patch(
            f"{URL}/{role.pk}", {"name": "Mine"}, content_type=JSON, **as_member
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"{URL}/{role.pk}/grants",
            {"grants": {"people": {"view": "all"}}},
            content_type=JSON,
            **as_member,
        ).status_code
        == 403
    )
    assert client.delete(f"{URL}/{role.pk}", **as_member).status_code == 403
    administrator = accounts.shipped_role("administrator")
    assert (
        client.put(
            f"/api/v1/users/{member.pk}/roles",
            {"roles": ["administrator"]},
            content_type=JSON,
            **as_member,
        ).status_code
        == 403
    )
    role.refresh_from_db()
    assert role.name == "Lead" and not Grant.objects.filter(role=role).exists()
    assert (
        AccessRole.objects.filter(key="lead").exists()
        and not AccessRole.objects.filter(key="x").exists()
    )
    assert administrator not in member.roles.all()
