"""Who may do what with segments: the owned-record rule, with a narrower delete.

view and change follow the core owner/team/visibility rule (``core.policies.OwnedRecordPolicy``:
the owner, the owner's team when shared with a team, everyone when shared with everyone; read-only
users change nothing), so a team can keep a shared list together. delete is narrower: only the
owner or an administrator, because a deleted segment does not go to a Trash. The levels are those
the person's roles grant on "segments" (issue 17); delete reaches others' segments only at all,
and those of the members of one's teams at "team, private included" (ADR 0033).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from rubrica.core.policies import (
    Action,
    AnyUser,
    Level,
    OwnedRecordPolicy,
    managed_team_ids,
    signed_in,
    team_members_q,
)

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


class SegmentPolicy(OwnedRecordPolicy):
    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        qs = super().queryset_for(user, action, queryset)
        person = signed_in(user)
        if (
            action == Action.DELETE
            and person is not None
            and self.level(person, action) != Level.ALL
        ):
            if self.level(person, action) == Level.TEAM_ALL:
                qs = qs.filter(Q(owner=person) | team_members_q(person, managed_team_ids(person)))
            else:
                qs = qs.filter(owner=person)
        return qs
