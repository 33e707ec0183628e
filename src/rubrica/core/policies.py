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

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeAlias, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rubrica.core.registry import Registry
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
    # Actions a role grants beyond the four above (issue 17); the doors that offer them ask
    # ``can(user, entity, action)``.
    EXPORT = "export"
    IMPORT = "import"
    MERGE = "merge"
    BULK_EDIT = "bulk_edit"
    MANAGE_FIELDS = "manage_fields"
    MANAGE_USERS = "manage_users"
    #: Erase a person for good (ADR 0035): irreversible, so no shipped role but Administrator
    #: has it.
    ERASE = "erase"
    #: Every action a grant may name, in the order the grant matrix shows them.
    GRANTABLE: ClassVar[tuple[str, ...]] = (
        VIEW,
        ADD,
        CHANGE,
        DELETE,
        EXPORT,
        IMPORT,
        MERGE,
        BULK_EDIT,
        MANAGE_FIELDS,
        MANAGE_USERS,
        ERASE,
    )


#: The names of the actions, as the grant matrix shows them.
ACTION_LABELS: dict[str, Any] = {
    Action.VIEW: _("View"),
    Action.ADD: _("Add"),
    Action.CHANGE: _("Change"),
    Action.DELETE: _("Delete"),
    Action.EXPORT: _("Export"),
    Action.IMPORT: _("Import"),
    Action.MERGE: _("Merge"),
    Action.BULK_EDIT: _("Bulk edit"),
    Action.MANAGE_FIELDS: _("Manage custom fields"),
    Action.MANAGE_USERS: _("Manage users"),
    Action.ERASE: _("Erase"),
}


class Level(models.TextChoices):
    """How far a grant reaches (issue 17): every record; the records of one's teams, private
    ones included (a manager's reach, ADR 0033); the records of one's teams as the
    owner/team/visibility rule shares them; one's own records; or none."""

    ALL = "all", _("All")
    TEAM_ALL = "team_all", _("Team (private included)")
    TEAM = "team", _("Team")
    OWN = "own", _("Own")
    NONE = "none", _("None")


#: Levels from the narrowest to the widest: of several roles' levels the widest wins.
LEVEL_RANK: dict[str, int] = {
    Level.NONE: 0,
    Level.OWN: 1,
    Level.TEAM: 2,
    Level.TEAM_ALL: 3,
    Level.ALL: 4,
}

#: The levels that reach the records of one's teams (with or without their private ones).
TEAM_LEVELS: frozenset[str] = frozenset({Level.TEAM, Level.TEAM_ALL})


def widest(*levels: str) -> str:
    """The most permissive of ``levels`` (none when there are none)."""
    return max(levels, key=LEVEL_RANK.__getitem__, default=Level.NONE)


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


def managed_team_ids(person: User) -> list[int]:
    """The ids of the teams ``person`` manages (ADR 0049): those they belong to that name them
    among their managers or name no active manager at all (a manager deactivated leaves the
    team to its members, as if unnamed). What "Team (private included)" reaches
    beyond the plain team rule; read once per ``remembered_teams()`` block."""
    memo = _TEAMS.get()
    key = -person.pk  # the memo's second entry per person (team ids are under +pk)
    if memo is not None and key in memo:
        return memo[key]
    named = person.managed_teams.through.objects.filter(
        team_id=OuterRef("pk"), user__is_active=True
    )
    ids = list(
        person.teams.filter(Q(pk__in=person.managed_teams.values("pk")) | ~Exists(named))
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    if memo is not None:
        memo[key] = ids
    return ids


# Grants (issue 17) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantEntity:
    """A kind of record roles grant actions on (``people``, ``tasks``...), registered by the app
    that owns it from its ``AppConfig.ready()``; ``actions`` are the grantable actions that mean
    something for it (the grant matrix shows only those)."""

    key: str
    label: Any
    actions: tuple[str, ...] = (
        Action.VIEW,
        Action.ADD,
        Action.CHANGE,
        Action.DELETE,
    )
    position: int = 100


#: The entities roles grant on; apps fill it from ``ready()`` (``register_entity``).
grant_entities: Registry[GrantEntity] = Registry(
    "grant entity",
    key=lambda entry: entry.key,
    hint="register it with rubrica.core.policies.register_entity() from the app's ready()",
)


def register_entity(entity: GrantEntity) -> GrantEntity:
    for action in entity.actions:
        check_action(action, Action.GRANTABLE)
    return grant_entities.register(entity)


class GrantReader(Protocol):
    """What reads a person's grants: ``{(entity, action): level}`` with the widest level of every
    role they hold (directly or through a team); a missing pair means none. Registered by
    ``accounts`` at start-up (core imports no app)."""

    def __call__(self, person: User, /) -> Mapping[tuple[str, str], str]: ...


_grant_reader: list[GrantReader] = []


def register_grant_reader(reader: GrantReader) -> None:
    """Install the function that reads grants (``accounts`` does, from its ``ready()``)."""
    _grant_reader[:] = [reader]


def grant_level(user: AnyUser | None, entity: str, action: str) -> str:
    """The level at which ``user`` may ``action`` records of ``entity``: none for anonymous and
    inactive users, all for superusers, else the widest level of their roles."""
    check_action(action, Action.GRANTABLE)
    person = signed_in(user)
    if person is None:
        return Level.NONE
    if person.is_superuser:
        return Level.ALL
    grant_entities.get(entity)  # an entity nobody registered is a programming error
    if not _grant_reader:
        raise ImproperlyConfigured("No grant reader is registered (rubrica.accounts does).")
    return _grant_reader[0](person).get((entity, action), Level.NONE)


def can(user: AnyUser | None, entity: str, action: str) -> bool:
    """Whether ``user`` may ``action`` some records of ``entity`` (their level is not none): the
    question of the doors that offer an action (export, import, merge, bulk edit, custom fields,
    users)."""
    return grant_level(user, entity, action) != Level.NONE


def team_members_q(person: User, teams: list[int], *, owner_field: str = "owner") -> Q:
    """The records owned by a member of one of ``teams`` (a subquery, no join: no duplicates)."""
    if not teams:
        return Q(pk__in=[])
    memberships = person.teams.through.objects.filter(team_id__in=teams).values("user_id")
    return Q(**{f"{owner_field}_id__in": memberships})


def level_q(person: User, level: str, *, owner_field: str = "owner") -> Q | None:
    """The filter of the records a ``level`` reaches for ``person`` on a model with ``owner``,
    ``team`` and ``visibility``; None means every record.

    - all: every record;
    - team_all: what team reaches, plus every record of a team one manages and every record a
      member of a team one manages owns, whatever its visibility (private included, ADR 0033;
      the teams one manages: ``managed_team_ids``, ADR 0049);
    - team: today's owner/team/visibility rule (ADR 0003): one's own records, the records shared
      with everyone, and those shared with a team one belongs to;
    - own: one's own records;
    - none: nothing.
    """
    if level == Level.ALL:
        return None
    if level == Level.NONE:
        return Q(pk__in=[])
    own = Q(**{owner_field: person})
    if level == Level.OWN:
        return own
    teams = team_ids(person)
    q = own | Q(visibility=Visibility.EVERYONE)
    if teams:
        q |= Q(visibility=Visibility.TEAM, team_id__in=teams)
    if level == Level.TEAM_ALL:
        managed = managed_team_ids(person)
        if managed:
            q |= Q(team_id__in=managed)
        return q | team_members_q(person, managed, owner_field=owner_field)
    return q


class Policy:
    """The base of every permission policy.

    A subclass states its rule in ``queryset_for`` and ``user_has_permission``; ``user_can`` asks
    ``queryset_for`` about the one stored row, so a list and a single record never disagree. A
    policy holds no state of its own; ``entity`` is the grant entity its model's records are
    (``people``...), whose grants decide; a policy without one follows the roles of old
    (administrators everything, read-only users view only).
    """

    def __init__(self, entity: str | None = None) -> None:
        self.entity = entity

    def level(self, person: User, action: str) -> str:
        """``person``'s level for ``action`` on this policy's entity."""
        entity = getattr(self, "entity", None)  # a subclass may keep its own __init__
        if entity is not None:
            return grant_level(person, entity, action)
        if person.is_administrator:
            return Level.ALL
        if action != Action.VIEW and person.is_read_only:
            return Level.NONE
        return Level.TEAM

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
    """Owner, team and visibility, at the level the person's roles grant on the policy's entity:
    the rule of every record people own (``core.OwnedRecord``).

    - Anonymous and inactive users may do nothing; superusers everything.
    - view, change, delete: the records ``level_q`` gives for the person's level of that action
      (all, team: own + shared with everyone + shared with one of their teams, own, none).
    - add: any active person whose level for add is not none.

    The shipped roles keep the rule of old (ADR 0003): Administrator all, Sales (the members of
    old) team, Read-only team for view and none for the rest. The model has ``owner``, ``team``
    and ``visibility`` fields.
    """

    def visibility_q(self, user: AnyUser, action: str) -> Q | None:
        """The filter a user's reads pass through; None means no restriction (level all)."""
        check_action(action)
        person = signed_in(user)
        if person is None:
            return Q(pk__in=[])
        return level_q(person, self.level(person, action))

    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        with remembered_teams():  # the rule and the shares (core.shares) read the teams once
            q = with_shares(self.visibility_q(user, action), user, action, queryset.model)
        return queryset if q is None else queryset.filter(q)

    def user_has_permission(self, user: AnyUser, action: str) -> bool:
        check_action(action, (*Action.ALL, Action.ADD))
        person = signed_in(user)
        if person is None:
            return False
        return self.level(person, action) != Level.NONE


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
