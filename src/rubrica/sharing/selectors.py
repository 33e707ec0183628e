"""Reads about shares: what shares open to a person (the policy's filter), the shares of a
record, who may manage them and whom a record can be shared with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet

from rubrica.accounts.models import Team, User
from rubrica.core.policies import Action, policy_for, signed_in, team_ids
from rubrica.sharing.models import RecordShare, ShareLevel
from rubrica.sharing.registry import kind_of_model

if TYPE_CHECKING:
    from rubrica.core.policies import AnyUser


def shared_records_q(user: AnyUser, action: str, model: type[models.Model]) -> Q | None:
    """The records of ``model`` that shares let ``user`` ``action`` (``core.shares`` filter).

    Read shares open VIEW; write shares VIEW and CHANGE; no share opens DELETE. A write share
    never lets a person change what their role forbids changing at all (a read-only user reads
    it). Shares with a team count for its members at the time of the read."""
    if action not in (Action.VIEW, Action.CHANGE) or kind_of_model(model) is None:
        return None
    person = signed_in(user)
    if person is None or person.is_administrator:
        return None
    if action == Action.CHANGE and not policy_for(model).user_has_permission(person, action):
        return None
    grantee = Q(user=person)
    teams = team_ids(person)
    if teams:
        grantee |= Q(team_id__in=teams)
    shares = RecordShare.objects.filter(
        grantee, content_type_id=ContentType.objects.get_for_model(model).pk
    )
    if action == Action.CHANGE:
        shares = shares.filter(level=ShareLevel.WRITE)
    return Q(pk__in=shares.values("object_id"))


def shares_of(record: models.Model) -> QuerySet[RecordShare]:
    """The shares of ``record`` (the caller has read it through ``restrict()``)."""
    return RecordShare.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    ).select_related("user", "team", "shared_by")


def can_share(user: AnyUser, record: models.Model) -> bool:
    """Whether ``user`` may share ``record`` and remove its shares: its owner, anyone who may
    change it (a write share included), administrators."""
    person = signed_in(user)
    if person is None:
        return False
    if getattr(record, "owner_id", None) == person.pk:
        return True
    return policy_for(type(record)).user_can(person, Action.CHANGE, record)


def grantee_users(record: Any) -> QuerySet[User]:
    """The people a record can be shared with: the active users but its owner."""
    users = User.objects.filter(is_active=True).order_by("username")
    owner_id = getattr(record, "owner_id", None)
    return users if owner_id is None else users.exclude(pk=owner_id)


def grantee_teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")
