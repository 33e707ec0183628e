"""Who may do what with activities (``Activity.permission_policy``).

At the level the person's roles grant on "activities" (issue 17): all is every activity, none
none, own the activities one owns; team is the rule below (the Sales role of today); team_all
(a manager, ADR 0033) is the rule below plus every activity a member of one of one's teams owns,
private or not, for view, change and delete.

- Anonymous and inactive users may do nothing; administrators may do everything.
- view: the activities a person owns, and the activities that are not private and concern at
  least one record (a person or an organization) the person may see. A private activity is seen
  by its owner and the administrators only.
- change and delete: the owner (unless read-only) and the administrators.
- add: any active person who is not read-only (the services also require that they may see the
  records they link the activity to).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet

from rubrica.core.policies import (
    Action,
    AnyUser,
    Level,
    Policy,
    check_action,
    level_q,
    managed_team_ids,
    signed_in,
    team_members_q,
)

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


class ActivityPolicy(Policy):
    def visible_q(self, user: AnyUser) -> Q | None:
        """The filter of what ``user`` may see; None for no restriction (administrators)."""
        from rubrica.activities.models import ActivityOrganization, ActivityPerson
        from rubrica.contacts.models import Contact
        from rubrica.organizations.models import Organization

        person = signed_in(user)
        if person is None:
            return Q(pk__in=[])
        level = self.level(person, Action.VIEW)
        if level in (Level.ALL, Level.NONE):
            return level_q(person, level)
        if level == Level.OWN:
            return Q(owner=person)
        people = Contact.objects.restrict(person, Action.VIEW).filter(pk=OuterRef("contact_id"))
        organizations = Organization.objects.restrict(person, Action.VIEW).filter(
            pk=OuterRef("organization_id")
        )
        through_people = ActivityPerson.objects.filter(activity_id=OuterRef("pk")).filter(
            Exists(people)
        )
        through_organizations = ActivityOrganization.objects.filter(
            activity_id=OuterRef("pk")
        ).filter(Exists(organizations))
        q = Q(owner=person) | (
            Q(private=False) & (Exists(through_people) | Exists(through_organizations))
        )
        if level == Level.TEAM_ALL:  # a manager: their teams' members' activities, private too
            q |= team_members_q(person, managed_team_ids(person))
        return q

    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        check_action(action)
        person = signed_in(user)
        if person is None:
            return queryset.none()
        if action == Action.VIEW:
            q = self.visible_q(person)
            return queryset if q is None else queryset.filter(q)
        level = self.level(person, action)
        if level == Level.ALL:
            return queryset
        if level == Level.NONE:
            return queryset.none()
        if level == Level.TEAM_ALL:
            return queryset.filter(
                Q(owner=person) | team_members_q(person, managed_team_ids(person))
            )
        return queryset.filter(owner=person)

    def user_has_permission(self, user: AnyUser, action: str) -> bool:
        check_action(action, (*Action.ALL, Action.ADD))
        person = signed_in(user)
        if person is None:
            return False
        return self.level(person, action) != Level.NONE
