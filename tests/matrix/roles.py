"""The people the matrix asks as, and the one helper that gives a user a role.

Roles are the editable roles of issue 17 (ADR 0025): ``give_role`` gives the shipped
``AccessRole`` of that key and nothing else (set on the user as ``tests.factories`` does: the
service would refuse the first non-administrator of an empty database, "keep one
administrator").
"""

from __future__ import annotations

from typing import Any

#: Who asks, in the order the matrix reports them. ``manager`` is a Manager of team A,
#: ``other_team`` is a sales user of another team, ``inactive`` a sales user who was deactivated,
#: ``anonymous`` nobody signed in.
ROLES = ("administrator", "manager", "sales", "read_only", "other_team", "inactive", "anonymous")


def give_role(user: Any, role_key: str) -> None:
    """Make ``user`` hold the shipped role ``role_key`` (and only it)."""
    from rubrica.accounts.selectors import forget_grants
    from rubrica.accounts.services import legacy_role, shipped_role

    role = shipped_role(role_key)
    user.roles.set([role])
    forget_grants(user)
    # The role of old, kept in step as the services keep it (nothing decides by it).
    user.role = legacy_role([role])
    user.save(update_fields=["role"])
