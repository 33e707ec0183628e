"""The kinds of notification and the scheduled producers: what the notifications engine knows
about the apps above it, filled in by their ``AppConfig.ready()``.

The engine knows no domain. An app that notifies people registers each kind it sends
(``register_kind(NotificationKind(...))``: a key such as ``"tasks.reminder"``, a label shown on
the preferences page and the channels a user gets until they choose otherwise). An app with work
that must happen at a given moment (a task's reminder, a birthday, a daily digest) registers a
``Schedule``: the engine's periodic tick (``notifications.scheduling.tick``) calls its ``run(now)``
about once a minute; ``run`` finds what fell due and calls ``notify()`` with a dedupe ``key``, so
running it twice for the same moment sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise


class Channel:
    """Where a notification goes."""

    IN_APP = "in_app"
    EMAIL = "email"
    ALL: tuple[str, ...] = (IN_APP, EMAIL)


@dataclass(frozen=True)
class NotificationKind:
    """One kind of notification.

    ``key``: stored on each notification (``"<app>.<what>"``). ``label``: what the preferences
    page calls it. ``default_channels``: the channels of a user who never chose; an empty tuple
    makes the kind opt-in (birthdays)."""

    key: str
    label: str | Promise
    default_channels: tuple[str, ...] = (Channel.IN_APP, Channel.EMAIL)
    description: str | Promise = ""


@dataclass(frozen=True)
class Schedule:
    """Work the periodic tick runs: ``run(now) -> number of notifications sent``.

    ``run`` must be idempotent (use ``notify(..., key=...)``): two ticks may overlap, and a tick
    lost to a restart is made up by the next one, which sees the same due items."""

    key: str
    run: Callable[[dt.datetime], int]


_KINDS: dict[str, NotificationKind] = {}
_SCHEDULES: dict[str, Schedule] = {}


def register_kind(kind: NotificationKind) -> None:
    """Make a kind known; the same entry again is harmless (``ready()`` may run twice), a
    different entry under a taken key is refused."""
    current = _KINDS.get(kind.key)
    if current is not None and current != kind:
        raise ImproperlyConfigured(f"The notification kind {kind.key!r} is already registered.")
    _KINDS[kind.key] = kind


def register_schedule(schedule: Schedule) -> None:
    """Add work to the periodic tick; same rules as ``register_kind``."""
    current = _SCHEDULES.get(schedule.key)
    if current is not None and current != schedule:
        raise ImproperlyConfigured(f"The schedule {schedule.key!r} is already registered.")
    _SCHEDULES[schedule.key] = schedule


def get_kind(key: str) -> NotificationKind:
    """The kind registered under ``key``; an unknown kind is a programming error."""
    try:
        return _KINDS[key]
    except KeyError:
        raise ImproperlyConfigured(f"No notification kind {key!r} is registered.") from None


def kinds() -> list[NotificationKind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def schedules() -> list[Schedule]:
    """Every registered schedule, in registration order."""
    return list(_SCHEDULES.values())
