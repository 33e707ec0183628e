"""Reads of the team and personal settings (ADR 0021).

Both are read on hot paths: the team's country by every phone number parsed (an import reads
thousands a second), a user's settings by every page. So the team settings are kept in memory
for a short while (each process; a change made here clears it at once, one made by another
process is seen within ``TEAM_SETTINGS_TTL``), and a user's settings travel with the user: the
authentication backend loads them in the same query as the user (``select_related``), and
:func:`user_settings` keeps what it found on the user object, so a page does not pay a query.
"""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from rubrica.accounts.grants import shipped_level
from rubrica.accounts.models import AccessRole, SiteSettings, Team, User, UserSettings
from rubrica.core.policies import Action, Level, grant_entities, widest

TEAM_SETTINGS_TTL = 30.0
_team_cache: tuple[float, str] | None = None
_CACHE_ATTR = "_rubrica_user_settings"


def team_country() -> str:
    """The team's default country ("" when none was chosen), cached for a short while."""
    global _team_cache
    now = time.monotonic()
    if _team_cache is not None and now - _team_cache[0] < TEAM_SETTINGS_TTL:
        return _team_cache[1]
    country = (
        SiteSettings.objects.filter(pk=SiteSettings.SINGLETON)
        .values_list("country", flat=True)
        .first()
    ) or ""
    _team_cache = (now, country)
    return country


def remember_team_country(country: str) -> None:
    """Cache ``country`` as the team's (after writing it; tests start from "" this way)."""
    global _team_cache
    _team_cache = (time.monotonic(), country)


def forget_team_settings() -> None:
    """Drop the cached team settings (after a write, and between tests)."""
    global _team_cache
    _team_cache = None


def team_settings() -> SiteSettings:
    """The team settings row, unsaved with the defaults when nobody chose them yet."""
    return SiteSettings.objects.filter(pk=SiteSettings.SINGLETON).first() or SiteSettings(
        pk=SiteSettings.SINGLETON
    )


def user_settings(user: User) -> UserSettings:
    """``user``'s settings (an unsaved row with the defaults when they never chose any), read
    at most once per user object."""
    cached: UserSettings | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    found: UserSettings | None
    try:
        found = user.preferences  # loaded with the user by the backend when it can be
    except UserSettings.DoesNotExist:
        found = None
    row = found or UserSettings(user=user)
    setattr(user, _CACHE_ATTR, row)
    return row


def remember_user_settings(user: User, row: UserSettings) -> None:
    setattr(user, _CACHE_ATTR, row)


def user_zone(user: User) -> zoneinfo.ZoneInfo:
    """The time zone ``user`` lives in: theirs, else the site's ``TIME_ZONE``."""
    name = user_settings(user).time_zone
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@contextmanager
def speaking_as(user: User) -> Iterator[None]:
    """Write for ``user`` outside a request (reminders, digests, e-mails): in their language (else
    the current one), their time zone and their date style."""
    from django.utils import timezone, translation

    from rubrica.core import formats

    prefs = user_settings(user)
    token = formats.activate(prefs.date_style)
    try:
        with (
            translation.override(prefs.language or settings.LANGUAGE_CODE),
            timezone.override(user_zone(user)),
        ):
            yield
    finally:
        formats.deactivate(token)


#: The keys of the shipped roles (issue 17): stable slugs that settings, field protection and
#: tests may name. Administrators, members and read-only users of old hold the first, third and
#: last (``models.LEGACY_ROLE_KEYS``).
SHIPPED_ROLE_KEYS = ("administrator", "manager", "sales", "support", "marketing", "read_only")
_GRANTS_ATTR = "_rubrica_grants"


@dataclass(frozen=True)
class HeldRoles:
    """What a person's roles (their own and their teams') come to: the keys and the widest
    level per (entity, action) over every registered entity."""

    keys: frozenset[str]
    levels: Mapping[tuple[str, str], str]


def held_roles(user: User) -> HeldRoles:
    """``user``'s roles and grants, read in one query and kept on the user object, so one request
    (whose ``request.user`` is loaded once) reads them once. A service that changes roles,
    grants or memberships forgets what it changed (``forget_grants``)."""
    cached: HeldRoles | None = getattr(user, _GRANTS_ATTR, None)
    if cached is not None:
        return cached
    held = HeldRoles(frozenset(), {}) if user.pk is None else _read_held_roles(user)
    setattr(user, _GRANTS_ATTR, held)
    return held


def _read_held_roles(user: User) -> HeldRoles:
    direct = User.roles.through.objects.filter(user_id=user.pk).values("accessrole_id")
    via_teams = Team.roles.through.objects.filter(team__members=user.pk).values("accessrole_id")
    rows = AccessRole.objects.filter(Q(pk__in=direct) | Q(pk__in=via_teams)).values_list(
        "pk", "key", "shipped", "grants__entity", "grants__action", "grants__level"
    )
    keys: set[str] = set()
    shipped: set[str] = set()
    explicit: dict[int, dict[tuple[str, str], str]] = {}
    role_key: dict[int, str] = {}
    for pk, key, is_shipped, entity, action, level in rows:
        keys.add(key)
        role_key[pk] = key
        if is_shipped:
            shipped.add(key)
        pairs = explicit.setdefault(pk, {})
        if entity is not None:
            pairs[(entity, action)] = level
    levels: dict[tuple[str, str], str] = {}
    for entry in grant_entities:
        for action in entry.actions:
            pair = (entry.key, action)
            found = [
                pairs.get(pair)
                or (shipped_level(role_key[pk], *pair) if role_key[pk] in shipped else None)
                or Level.NONE
                for pk, pairs in explicit.items()
            ]
            level = widest(*found)
            if level != Level.NONE:
                levels[pair] = level
    return HeldRoles(frozenset(keys), levels)


def forget_grants(*users: User) -> None:
    """Drop what ``held_roles`` kept on these user objects (after a change of roles)."""
    for user in users:
        if hasattr(user, _GRANTS_ATTR):
            delattr(user, _GRANTS_ATTR)


def grants(user: User) -> Mapping[tuple[str, str], str]:
    """``user``'s level per (entity, action) (the grant reader ``core.policies`` asks)."""
    return held_roles(user).levels


def role_keys(user: User) -> frozenset[str]:
    """The keys of the roles ``user`` holds, their own and their teams' (a superuser holds
    "administrator").

    The one question other apps ask about a person's roles (field protection, two-factor
    enforcement).
    """
    keys = held_roles(user).keys
    if user.is_superuser:
        keys = keys | {"administrator"}
    return keys


def is_administrator(user: User) -> bool:
    """A superuser, or someone whose roles let them manage users at every level (whether or not
    the account is active: ``active_administrators`` asks that too)."""
    if user.is_superuser:
        return True
    return grants(user).get(("users", Action.MANAGE_USERS)) == Level.ALL


def is_read_only(user: User) -> bool:
    """Someone whose roles grant nothing but viewing."""
    if user.is_superuser:
        return False
    return all(action == Action.VIEW for (_entity, action) in grants(user))


def role_choices() -> QuerySet[AccessRole]:
    return AccessRole.objects.order_by("-shipped", "name")
