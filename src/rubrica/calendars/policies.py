"""Who may see and change calendars and appointments (ADR 0023).

The levels are those the person's roles grant on "appointments" (issue 17): all is everything,
none nothing; own and team follow the rules below (own without what the team's visibility shares).

Calendars (``CalendarPolicy``):

- Anonymous and inactive users: nothing. Administrators: everything.
- view: the owner; the users and the members of the teams the calendar is shared with (read-only
  or read-write); and, as for every owned record, everyone / the team when its visibility says so.
- change and delete (the calendar itself: name, sharing, feed, Trash): the owner only, never a
  read-only user; at "team, private included" (a manager, ADR 0033) also the calendars of the
  members of one's teams.
- add: any active person who is not read-only.

Appointments (``AppointmentPolicy``):

- view: the appointments of the calendars one may see, except the private ones of others, and the
  appointments one is invited to as a user. A private appointment of someone else is not
  readable: it shows only as busy time (``busy_queryset``), never through ``restrict``.
- change and delete: the appointments of the calendars one may write (owner, read-write share),
  except the private ones of others; never a read-only user.
- At "team, private included" (ADR 0033) the members of one's teams count as "one" above: their
  calendars are writable and their private appointments readable.
- add: any active person who is not read-only (the service also requires a writable calendar).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from rubrica.core.policies import (
    Action,
    AnyUser,
    Level,
    OwnedRecordPolicy,
    Policy,
    check_action,
    level_q,
    managed_team_ids,
    signed_in,
    team_ids,
    team_members_q,
)

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


class Access:
    READ = "read"
    WRITE = "write"


def _shares(person: Any, *, write: bool) -> QuerySet[Any, Any]:
    from rubrica.calendars.models import CalendarShare

    teams = team_ids(person)  # read once per question (remembered_teams), not a subquery
    shares = CalendarShare.objects.filter(calendar_id=OuterRef("pk")).filter(
        Q(user=person) | Q(team_id__in=teams)
    )
    return shares.filter(access=Access.WRITE) if write else shares


class CalendarPolicy(OwnedRecordPolicy):
    def visibility_q(self, user: AnyUser, action: str) -> Q | None:
        check_action(action)
        person = signed_in(user)
        if person is None:
            return Q(pk__in=[])
        level = self.level(person, action)
        if level in (Level.ALL, Level.NONE):
            return level_q(person, level)
        if action != Action.VIEW:
            if level == Level.TEAM_ALL:  # a manager: their teams' members' calendars too
                return Q(owner=person) | team_members_q(person, managed_team_ids(person))
            return Q(owner=person)
        q: Q = Q(owner=person) | Q(Exists(_shares(person, write=False)))
        if level == Level.OWN:
            return q
        shared = level_q(person, level)
        return q if shared is None else q | shared

    def writable_q(self, user: AnyUser) -> Q:
        """The calendars in which ``user`` may add and change appointments."""
        person = signed_in(user)
        if person is None:
            return Q(pk__in=[])
        level = self.level(person, Action.CHANGE)
        if level == Level.NONE:
            return Q(pk__in=[])
        if level == Level.ALL:
            return Q()
        q = Q(owner=person) | Q(Exists(_shares(person, write=True)))
        if level == Level.TEAM_ALL:
            q |= team_members_q(person, managed_team_ids(person))
        return q


class AppointmentPolicy(Policy):
    def _calendars(self, person: Any, *, write: bool) -> QuerySet[Any, Any]:
        from rubrica.calendars.models import Calendar

        policy = CalendarPolicy("appointments")
        q = policy.writable_q(person) if write else policy.visibility_q(person, Action.VIEW)
        calendars = Calendar.objects.all()
        return calendars.filter(q) if q is not None else calendars

    def _invited(self, person: Any) -> QuerySet[Any, Any]:
        from rubrica.calendars.models import Attendee

        return Attendee.objects.filter(appointment_id=OuterRef("pk"), user=person)

    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        check_action(action)
        person = signed_in(user)
        if person is None:
            return queryset.none()
        level = self.level(person, action)
        if level == Level.ALL:
            return queryset
        if level == Level.NONE:
            return queryset.none()
        mine = Q(owner=person) | Q(organizer=person)
        if level == Level.TEAM_ALL:  # a manager: their teams' members' private ones too
            mine |= team_members_q(person, managed_team_ids(person))
        if action == Action.VIEW:
            calendars = self._calendars(person, write=False).values("pk")
            return queryset.filter(
                (Q(calendar_id__in=calendars) & (Q(private=False) | mine))
                | Exists(self._invited(person))
            )
        calendars = self._calendars(person, write=True).values("pk")
        return queryset.filter(Q(calendar_id__in=calendars) & (Q(private=False) | mine))

    def busy_queryset(self, user: AnyUser, queryset: _QS) -> _QS:
        """Appointments of the calendars ``user`` may see that show to them only as busy time
        (the private appointments of others): their times may be shown, nothing else."""
        person = signed_in(user)
        if person is None:
            return queryset.none()
        calendars = self._calendars(person, write=False).values("pk")
        visible = self.queryset_for(person, Action.VIEW, queryset).values("pk")
        return queryset.filter(calendar_id__in=calendars, private=True).exclude(pk__in=visible)

    def shown_queryset(self, user: AnyUser, queryset: _QS) -> _QS:
        """What ``queryset_for(VIEW)`` and ``busy_queryset`` give together, in one query (the
        calendar views read a window of hundreds of rows): each row annotated ``busy_only``,
        true for the rows that may show as busy time only."""
        person = signed_in(user)
        if person is None:
            return queryset.none()
        calendars = self._calendars(person, write=False).values("pk")
        level = self.level(person, Action.VIEW)
        if level == Level.ALL:
            return queryset.annotate(busy_only=Value(False, output_field=BooleanField()))
        busy = Q(calendar_id__in=calendars, private=True)
        if level == Level.NONE:
            return queryset.filter(busy).annotate(
                busy_only=Value(True, output_field=BooleanField())
            )
        mine = Q(owner=person) | Q(organizer=person)
        readable = (Q(calendar_id__in=calendars) & (Q(private=False) | mine)) | Q(
            Exists(self._invited(person))
        )
        return queryset.filter(readable | (busy & ~readable)).annotate(
            busy_only=Case(When(readable, then=Value(False)), default=Value(True))
        )

    def user_has_permission(self, user: AnyUser, action: str) -> bool:
        check_action(action, (*Action.ALL, Action.ADD))
        person = signed_in(user)
        if person is None:
            return False
        return self.level(person, action) != Level.NONE
