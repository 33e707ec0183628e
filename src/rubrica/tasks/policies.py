"""Who may see and change a task (``TaskPolicy``); the rule is documented in ADR 0016.

At the level the person's roles grant on "tasks" (issue 17): all is every task, none no task;
own is the tasks one owns or is assigned; team is the rule below (the Sales role of today).

- Anonymous and inactive users: nothing. Administrators: everything.
- view: the owner; the assignee; everyone when the task is shared with everyone; the members of
  its team when shared with a team; and, unless the task is private, whoever may see one of the
  people or organizations it is linked to (a task about a person is part of that person's
  story).
- change and delete: the owner, the assignee, and the team / everyone as the owned-record rule
  says (seeing a linked person lets one read the task, not change it); never a read-only user.
- add: any active person who is not read-only.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet

from rubrica.accounts.models import User
from rubrica.core.policies import (
    TEAM_LEVELS,
    Action,
    AnyUser,
    Level,
    OwnedRecordPolicy,
    Visibility,
    check_action,
    level_q,
    signed_in,
)

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


class TaskPolicy(OwnedRecordPolicy):
    def visibility_q(self, user: AnyUser, action: str) -> Q | None:
        check_action(action)
        person = signed_in(user)
        if person is None:
            return Q(pk__in=[])
        level = self.level(person, action)
        if level in (Level.ALL, Level.NONE):
            return level_q(person, level)
        shared = level_q(person, level)
        q = Q(assignee=person)
        if shared is not None:
            q |= shared
        if action == Action.VIEW and level in TEAM_LEVELS:
            q |= ~Q(visibility=Visibility.PRIVATE) & (
                Exists(self._linked_people(person)) | Exists(self._linked_organizations(person))
            )
        return q

    def assigned_to(self, user: AnyUser, queryset: _QS) -> _QS:
        """The tasks of ``queryset`` assigned to ``user``: all of them are visible to their
        assignee (the rule above), so "My tasks" needs no other filter, and its queries stay
        on the ``(assignee, status, due...)`` index."""
        person = signed_in(user)
        if person is None:
            return queryset.none()
        return queryset.filter(assignee=person)

    @staticmethod
    def _linked_people(person: User) -> QuerySet[Any, Any]:
        from rubrica.contacts.models import Contact
        from rubrica.tasks.models import Task

        visible = Contact.objects.restrict(person).values("pk")
        return Task.people.through.objects.filter(task_id=OuterRef("pk"), contact_id__in=visible)

    @staticmethod
    def _linked_organizations(person: User) -> QuerySet[Any, Any]:
        from rubrica.organizations.models import Organization
        from rubrica.tasks.models import Task

        visible = Organization.objects.restrict(person).values("pk")
        return Task.organizations.through.objects.filter(
            task_id=OuterRef("pk"), organization_id__in=visible
        )
