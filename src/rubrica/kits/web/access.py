"""Permission checks for views. Reads start from ``restrict`` (an unseen record is a 404); a
record the person may see but not change answers 403 before any input is looked at."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from rubrica.core.models import OwnedRecord

if TYPE_CHECKING:  # the kit sits below accounts: the type only, never imported at run time
    from rubrica.accounts.models import User


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


View = Callable[..., HttpResponse]


def administrator_required(view: View) -> View:
    """Log in first; then anyone but an administrator gets 403 before anything is read."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_administrator:  # type: ignore[union-attr]
            raise PermissionDenied(_("Only administrators can open this page."))
        return view(request, *args, **kwargs)

    return wrapper
