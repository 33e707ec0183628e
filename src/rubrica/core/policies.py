"""Permission policies: one object per model decides what a person may do with its records.

Every permission question about a model's records goes to the policy the model names
(``Model.permission_policy``), in the manner of Wagtail's ``permission_policies``: reads through
``Model.objects.restrict(user, action)``, the services' ``ensure_can``/``ensure_can_create`` and
the pages' ``can``/``require``/``require_can_create``. Roles, teams or record sharing can then
arrive by giving a model another policy, without touching the querysets, services and views that
ask.

A policy answers three questions, and its answers must agree with one another:

- ``queryset_for(user, action, queryset)``: the records of ``queryset`` the user may act on. Every
  read a person can trigger starts here, so it is the rule itself; the other two follow from it.
- ``user_can(user, action, instance)``: may the user act on this one record, as stored (in the
  Trash or not: restoring is acting on a record in the Trash).
- ``user_has_permission(user, action)``: may the user act on some record of the model at all. It is
  the only question for ``Action.ADD``, since a record being created has no row yet.

This module knows no app: ``User`` is named for mypy only, and a policy reads only the fields
that its model declares.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rubrica.core.shares import with_shares

if TYPE_CHECKING:
    from rubrica.accounts.models import User

#: Who may be asking: a person who logged in, or nobody (``request.user`` before login).
AnyUser: TypeAlias = "User | AnonymousUser"

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


class Visibility(models.TextChoices):
    """How widely the owner of a record shares it; what ``OwnedRecordPolicy`` reads."""

    PRIVATE = "private", _("Private (owner only)")
    TEAM = "team", _("Team")
    EVERYONE = "everyone", _("Everyone")


class Action:
    """What a person may ask to do.

    VIEW, CHANGE and DELETE concern records that exist (``ALL``: what ``restrict`` accepts); ADD
    concerns a model, for creating a record (``user_has_permission`` only).
    """

    VIEW = "view"
    CHANGE = "change"
    DELETE = "delete"
    ADD = "add"
    ALL: ClassVar[tuple[str, ...]] = (VIEW, CHANGE, DELETE)


def check_action(action: str, known: tuple[str, ...] = Action.ALL) -> None:
    """An action nobody defined is a programming error, never a silent "no"."""
    if action not in known:
        raise ValueError(f"unknown action {action!r}")


def signed_in(user: AnyUser | None) -> User | None:
    """``user`` when it is an active person who logged in, else None (they may do nothing)."""
    if user is None or isinstance(user, AnonymousUser):
        return None
    if not user.is_authenticated or not user.is_active:
        return None
    return user


#: The team ids read in the current ``remembered_teams()`` block, by person; None outside one.
_TEAMS: ContextVar[dict[int, list[int]] | None] = ContextVar("rubrica_team_ids", default=None)


@contextmanager
def remembered_teams() -> Iterator[None]:
    """Within the block, each person's teams are read once (``team_ids``).

    One question may ask several policies about the same person: a search restricts every kind
    it searches, and a task's or an activity's policy asks the people's and the organizations'
    in turn. Each read the person's teams again; inside this block the first read is kept. A
    nested block shares the outer one's memo. Outside any block every read goes to the database,
    so a membership changed between two questions is always seen.
    """
    if _TEAMS.get() is not None:
        yield
        return
    token = _TEAMS.set({})
    try:
        yield
    finally:
        _TEAMS.reset(token)


def team_ids(person: User) -> list[int]:
    """The ids of the teams ``person`` belongs to (read once per ``remembered_teams()`` block)."""
    memo = _TEAMS.get()
    if memo is not None and person.pk in memo:
        return memo[person.pk]
    ids = list(person.teams.values_list("pk", flat=True))
    if memo is not None:
        memo[person.pk] = ids
    return ids


class Policy:
    """The base of every permission policy.

    A subclass states its rule in ``queryset_for`` and ``user_has_permission``; ``user_can`` asks
    ``queryset_for`` about the one stored row, so a list and a single record never disagree. A
    policy holds no state of its own and may be shared by several models.
    """

    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        """The part of ``queryset`` that ``user`` may ``action``."""
        raise NotImplementedError

    def user_has_permission(self, user: AnyUser, action: str) -> bool:
        """Whether ``user`` may ``action`` some record of the model (for ADD: create one)."""
        raise NotImplementedError

    def user_can(self, user: AnyUser, action: str, instance: models.Model) -> bool:
        """Whether ``user`` may ``action`` ``instance``, read as stored (one query).

        The row is looked up through the model's base manager, so a record in the Trash is
        answered for too (the restore service asks about one).
        """
        model = type(instance)
        candidates = model._base_manager.filter(pk=instance.pk)
        return bool(self.queryset_for(user, action, candidates).exists())


class OwnedRecordPolicy(Policy):
    """Owner, team and visibility: the rule of every record people own (``core.OwnedRecord``).

    - Anonymous and inactive users may do nothing.
    - Administrators may do everything.
    - view: a person's own records, records shared with everyone, and records shared with a team
      the person belongs to.
    - change and delete: the same records, unless the person is read-only (then none).
    - add: any active person who is not read-only.

    The model has ``owner``, ``team`` and ``visibility`` fields.
    """

    def visibility_q(self, user: AnyUser, action: str) -> Q | None:
        """The filter a user's reads pass through; None means no restriction (administrators)."""
        check_action(action)
        person = signed_in(user)
        if person is None:
            return Q(pk__in=[])
        if person.is_administrator:
            return None
        if action != Action.VIEW and person.is_read_only:
            return Q(pk__in=[])
        teams = team_ids(person)
        q = Q(owner=person) | Q(visibility=Visibility.EVERYONE)
        if teams:
            q |= Q(visibility=Visibility.TEAM, team_id__in=teams)
        return q

    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        with remembered_teams():  # the rule and the shares (core.shares) read the teams once
            q = with_shares(self.visibility_q(user, action), user, action, queryset.model)
        return queryset if q is None else queryset.filter(q)

    def user_has_permission(self, user: AnyUser, action: str) -> bool:
        check_action(action, (*Action.ALL, Action.ADD))
        person = signed_in(user)
        if person is None:
            return False
        return action == Action.VIEW or not person.is_read_only


def policy_for(model: type[models.Model]) -> Policy:
    """The policy ``model`` names in its ``permission_policy`` attribute; a model that names none
    cannot be read through ``restrict`` (a loud error rather than a guess)."""
    policy = getattr(model, "permission_policy", None)
    if not isinstance(policy, Policy):
        raise ImproperlyConfigured(
            f"{model.__name__} names no permission policy: give it a permission_policy attribute "
            "(a rubrica.core.policies.Policy)."
        )
    return policy
