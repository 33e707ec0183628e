"""Who may do what with mail (the models' ``permission_policy``).

- Mailboxes: the owner, and the administrators; the members of its team may view it.
- Captured messages: their owner (the user they were captured for) and the administrators see
  them; a colleague sees a message whose timeline entry (activity) they may see, and only as much
  of it as the owner's preference says (``mail.selectors`` applies the level). Only the owner and
  the administrators change or delete them.
- Templates and outgoing mail: the owner and the administrators.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet

from rubrica.core.policies import Action, AnyUser, Policy, check_action, signed_in

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


class OwnPolicy(Policy):
    """The owner and the administrators; read-only users only view."""

    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        check_action(action)
        person = signed_in(user)
        if person is None:
            return queryset.none()
        if person.is_administrator:
            return queryset
        if action != Action.VIEW and person.is_read_only:
            return queryset.none()
        return queryset.filter(owner=person)

    def user_has_permission(self, user: AnyUser, action: str) -> bool:
        check_action(action, (*Action.ALL, Action.ADD))
        person = signed_in(user)
        if person is None:
            return False
        return action == Action.VIEW or not person.is_read_only


class MailboxPolicy(OwnPolicy):
    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        person = signed_in(user)
        if action == Action.VIEW and person is not None and not person.is_administrator:
            check_action(action)
            teams = list(person.teams.values_list("pk", flat=True))
            return queryset.filter(Q(owner=person) | Q(team_id__in=teams))
        return super().queryset_for(user, action, queryset)


class MailMessagePolicy(OwnPolicy):
    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        from rubrica.activities.models import Activity

        person = signed_in(user)
        if action == Action.VIEW and person is not None and not person.is_administrator:
            check_action(action)
            timeline = Activity.objects.restrict(person, Action.VIEW).filter(
                pk=OuterRef("activity_id")
            )
            return queryset.filter(Q(owner=person) | Exists(timeline))
        return super().queryset_for(user, action, queryset)
