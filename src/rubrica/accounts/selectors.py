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
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from rubrica.accounts.models import SiteSettings, User, UserSettings

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
#: tests may name. Administrators, members and read-only users of today hold the first, third
#: and last.
SHIPPED_ROLE_KEYS = ("administrator", "manager", "sales", "support", "marketing", "read_only")
_LEGACY_ROLE_KEYS = {"admin": "administrator", "member": "sales", "viewer": "read_only"}


def role_keys(user: User) -> frozenset[str]:
    """The keys of the roles ``user`` holds (a superuser holds "administrator").

    The one question other apps ask about a person's roles (field protection, two-factor
    enforcement); the roles and grants of issue 17 answer it from their tables.
    """
    keys = {_LEGACY_ROLE_KEYS.get(user.role, user.role)}
    if user.is_superuser:
        keys.add("administrator")
    return frozenset(keys)
