"""`rubrica roles`: list, show, grant and assign through the services; members are refused and
nothing changes."""

from __future__ import annotations

import json

import pytest

from rubrica.accounts.models import AccessRole, Grant
from rubrica.accounts.selectors import role_keys
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction

pytestmark = pytest.mark.django_db


def test_list_and_show(admin_user, rubrica):
    code, out, _ = rubrica("roles", "list", "--json")
    assert code == 0
    rows = {row["key"]: row for row in json.loads(out)}
    assert set(rows) == {"administrator", "manager", "sales", "support", "marketing", "read_only"}
    assert rows["administrator"]["users"] == 1

    code, out, _ = rubrica("roles", "show", "read_only")
    assert code == 0
    assert "  people: view=team, add=none, change=none, delete=none, export=none" in out
    assert "  users: manage_users=none" in out


def test_grant_sets_one_level_and_is_audited(admin_user, rubrica):
    code, out, _ = rubrica("roles", "grant", "support", "people", "export", "own")
    assert (code, out) == (0, "support: people export is now own.\n")
    assert list(Grant.objects.values_list("role__key", "entity", "action", "level")) == [
        ("support", "people", "export", "own")
    ]
    assert AuditEntry.objects.filter(action=AuditAction.GRANT_CHANGE).count() == 1


def test_a_bad_grant_exits_2_and_changes_nothing(admin_user, rubrica):
    code, _out, err = rubrica("roles", "grant", "support", "people", "export", "most")
    assert code == 2
    assert "people__export" in err
    code, _out, err = rubrica("roles", "grant", "nobody", "people", "export", "all")
    assert code == 1
    assert "no role with the key nobody" in err
    assert not Grant.objects.exists()


def test_assign_gives_exactly_the_roles(admin_user, member, rubrica):
    code, out, _ = rubrica("roles", "assign", "member", "support", "marketing")
    assert (code, out) == (0, "member holds: marketing, support.\n")
    fresh = type(member).objects.get(pk=member.pk)
    assert role_keys(fresh) == frozenset({"support", "marketing"})


def test_a_member_is_refused_and_nothing_changes(member, rubrica):
    code, _out, err = rubrica("roles", "grant", "sales", "people", "view", "all", "--as", "member")
    assert code == 3
    assert "Only administrators" in err
    code, _out, _err = rubrica("roles", "assign", "member", "administrator", "--as", "member")
    assert code == 3
    assert not Grant.objects.exists()
    assert role_keys(type(member).objects.get(pk=member.pk)) == frozenset({"sales"})
    assert AccessRole.objects.count() == 6
