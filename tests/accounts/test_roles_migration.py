"""The data migration of issue 17 maps the three roles of old onto the shipped roles."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0002_site_and_user_settings")]
AFTER = [("accounts", "0003_roles_and_grants")]


@pytest.mark.django_db(transaction=True)
def test_the_roles_of_old_become_shipped_roles():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldUser = old.get_model("accounts", "User")
    for username, role, superuser in [
        ("ada", "admin", False),
        ("root", "member", True),
        ("bob", "member", False),
        ("cy", "viewer", False),
    ]:
        OldUser.objects.create(username=username, role=role, is_superuser=superuser)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from rubrica.accounts.models import AccessRole, User

    held = {
        user.username: sorted(user.roles.values_list("key", flat=True))
        for user in User.objects.filter(username__in=["ada", "root", "bob", "cy"])
    }
    assert held == {
        "ada": ["administrator"],
        "root": ["administrator", "sales"],
        "bob": ["sales"],
        "cy": ["read_only"],
    }
    assert sorted(AccessRole.objects.filter(shipped=True).values_list("key", flat=True)) == [
        "administrator",
        "manager",
        "marketing",
        "read_only",
        "sales",
        "support",
    ]
    by_name = {u.username: u for u in User.objects.all()}
    assert by_name["ada"].is_administrator and not by_name["ada"].is_read_only
    assert not by_name["bob"].is_administrator and not by_name["bob"].is_read_only
    assert by_name["cy"].is_read_only and not by_name["cy"].is_administrator
