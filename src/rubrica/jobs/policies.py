"""Who may do what with jobs (ADR 0033).

A job of a kind that names a grant entity (imports, their reverts and exports name
"imports_exports") follows the level the person's roles grant for viewing that entity:

- view (the list, a job's page, its counts): all → every job of the kind; team and team_all →
  the jobs of the members of one's teams; own → one's own.
- change and delete (cancel, resume, download the file): one's own, or every job of the kind at
  all, or the team members' jobs at "team, private included". At plain team a colleague's job is
  seen but its file (an export holds the records its owner may see, their private ones too) is
  not handed out.

A job of any other kind (duplicate scans, backups, cleanings...) is its owner's, and every
administrator's. A person always sees and acts on the jobs they started.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from rubrica.core.policies import (
    TEAM_LEVELS,
    Action,
    AnyUser,
    Level,
    Policy,
    grant_level,
    managed_team_ids,
    signed_in,
    team_ids,
    team_members_q,
)

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


class JobPolicy(Policy):
    def queryset_for(self, user: AnyUser | None, action: str, queryset: _QS) -> _QS:
        from rubrica.jobs.registry import JOB_KINDS

        person = signed_in(user)
        if person is None:
            return queryset.none()
        graded: set[str] = set()
        everyone: list[str] = []
        team: list[str] = []
        managed: list[str] = []
        for kind in JOB_KINDS:
            if kind.grant_entity is None:
                continue
            graded.add(kind.key)
            level = grant_level(person, kind.grant_entity, Action.VIEW)
            if level == Level.ALL:
                everyone.append(kind.key)
            elif level in TEAM_LEVELS and action == Action.VIEW:
                team.append(kind.key)  # seen in the list: the jobs of one's teams' members
            elif level == Level.TEAM_ALL:
                managed.append(kind.key)  # acted on: those of the teams one manages (ADR 0049)
        q = Q(owner=person)
        if person.is_administrator:
            q |= ~Q(kind__in=graded)
        if everyone:
            q |= Q(kind__in=everyone)
        if team:
            q |= Q(kind__in=team) & team_members_q(person, team_ids(person))
        if managed:
            q |= Q(kind__in=managed) & team_members_q(person, managed_team_ids(person))
        return queryset.filter(q)

    def user_has_permission(self, user: AnyUser | None, action: str) -> bool:
        return signed_in(user) is not None
