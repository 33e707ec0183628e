"""Reads of the notifications engine shared by the pages and the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rubrica.notifications.models import Notification

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from rubrica.accounts.models import User


def inbox(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The notifications ``user`` sees in the app, newest first (by id, for keyset pages)."""
    rows = Notification.objects.restrict(user).filter(in_app=True)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-id")


def unread_count(user: User) -> int:
    return inbox(user, unread_only=True).count()
