"""Permission checks for views. Reads start from ``restrict`` (an unseen record is a 404); a
record the person may see but not change answers 403 before any input is looked at."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from rubrica.accounts.models import User
from rubrica.core.models import OwnedRecord


class AuthedRequest(HttpRequest):
    """A request that passed ``login_required``: its ``user`` is a real, active User."""

    user: User  # type: ignore[assignment]


def can(user: Any, instance: OwnedRecord, action: str) -> bool:
    model = type(instance)
    return model.objects.restrict(user, action).filter(pk=instance.pk).exists()


def require(user: Any, instance: OwnedRecord, action: str) -> None:
    if not can(user, instance, action):
        raise PermissionDenied


def require_can_create(user: Any) -> None:
    if user.is_read_only:
        raise PermissionDenied
