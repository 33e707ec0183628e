"""The shipped roles and their default grants (issue 17, ADR 0025).

Six roles ship with Rubrica (``SHIPPED_ROLES``). Their grants are editable like any role's; where a
shipped role has no grant row for an (entity, action) pair — every pair until an administrator
saves the role, and the pairs of an app added later — it has the level this table gives, so a new
app joins the shipped roles without a migration. The table is written per action, not per
entity, for that reason; ``ENTITY_LEVELS`` holds the few exceptions.

The first, third and last keep the behaviour of the three roles of old exactly (ADR 0003):
Administrator may do everything; Sales is the member of old (the owner/team/everyone rule on
every action a member had, nothing of the administrators'); Read-only views what a member
would and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from rubrica.core.policies import Action, Level


@dataclass(frozen=True)
class ShippedRole:
    key: str
    name: Any
    description: Any


SHIPPED_ROLES: tuple[ShippedRole, ...] = (
    ShippedRole(
        "administrator",
        _("Administrator"),
        _("Sees and changes everything; manages users, roles, teams, lists and custom fields."),
    ),
    ShippedRole(
        "manager",
        _("Manager"),
        _(
            "Sees, changes and deletes every record of their teams' members, private ones "
            "included (and their own, and those shared with everyone); exports, imports, merges, "
            "edits in bulk and manages custom fields."
        ),
    ),
    ShippedRole(
        "sales",
        _("Sales"),
        _(
            "Creates records; sees and changes their own, those shared with everyone and those "
            "of their teams; exports, imports, merges and edits in bulk what they may see."
        ),
    ),
    ShippedRole(
        "support",
        _("Support"),
        _(
            "Sees and changes the records of their teams; deletes only their own; no exports, "
            "imports, merges or bulk edits."
        ),
    ),
    ShippedRole(
        "marketing",
        _("Marketing"),
        _(
            "Sees the records of their teams, changes them, exports, imports and edits them in "
            "bulk; deletes only their own; no merges."
        ),
    ),
    ShippedRole(
        "read_only",
        _("Read-only"),
        _("Sees what a Sales user would and changes nothing."),
    ),
)

_T, _O, _N, _A, _TA = Level.TEAM, Level.OWN, Level.NONE, Level.ALL, Level.TEAM_ALL
_RECORD_WORK = {
    Action.VIEW: _T,
    Action.ADD: _T,
    Action.CHANGE: _T,
    Action.DELETE: _T,
    Action.EXPORT: _T,
    Action.IMPORT: _T,
    Action.MERGE: _T,
    Action.BULK_EDIT: _T,
    Action.MANAGE_FIELDS: _N,
    Action.MANAGE_USERS: _N,
    Action.ERASE: _N,
}

#: The level of each shipped role per action, whatever the entity (but see ``ENTITY_LEVELS``).
ACTION_LEVELS: dict[str, dict[str, str]] = {
    "administrator": dict.fromkeys(Action.GRANTABLE, _A),
    "manager": {
        **_RECORD_WORK,
        Action.VIEW: _TA,
        Action.CHANGE: _TA,
        Action.DELETE: _TA,
        Action.MANAGE_FIELDS: _A,
    },
    "sales": dict(_RECORD_WORK),
    "support": {
        **_RECORD_WORK,
        Action.DELETE: _O,
        Action.EXPORT: _N,
        Action.IMPORT: _N,
        Action.MERGE: _N,
        Action.BULK_EDIT: _N,
    },
    "marketing": {**_RECORD_WORK, Action.DELETE: _O, Action.MERGE: _N},
    "read_only": {**dict.fromkeys(Action.GRANTABLE, _N), Action.VIEW: _T},
}

#: Exceptions by (role, entity, action): marketing keeps the team's segments together.
ENTITY_LEVELS: dict[tuple[str, str, str], str] = {
    ("marketing", "segments", Action.DELETE): _T,
}


def shipped_level(role_key: str, entity: str, action: str) -> str:
    """The default level of the shipped role ``role_key`` (none for any other role)."""
    exception = ENTITY_LEVELS.get((role_key, entity, action))
    if exception is not None:
        return exception
    return ACTION_LEVELS.get(role_key, {}).get(action, Level.NONE)
