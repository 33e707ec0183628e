"""The people the matrix asks as, and the one helper that gives a user a role.

When the editable roles of issue 17 land (Administrator, Manager, Sales, Support, Marketing,
Read-only), ``give_role`` is the one function to change: the matrix names roles by their shipped
keys already.
"""

from __future__ import annotations

from typing import Any

#: Who asks, in the order the matrix reports them. ``other_team`` is a sales user of another team,
#: ``inactive`` a sales user who was deactivated, ``anonymous`` nobody signed in.
ROLES = ("administrator", "sales", "read_only", "other_team", "inactive", "anonymous")

#: Today's ``User.role`` for each shipped role key the matrix uses.
_LEGACY_ROLE = {"administrator": "admin", "sales": "member", "read_only": "viewer"}


def give_role(user: Any, role_key: str) -> None:
    """Make ``user`` hold the shipped role ``role_key`` (and only it)."""
    user.role = _LEGACY_ROLE[role_key]
    user.save(update_fields=["role"])
