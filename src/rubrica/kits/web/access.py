"""Permission checks for views. Reads start from ``restrict`` (an unseen record is a 404); a
record the person may see but not change answers 403 before any input is looked at."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from rubrica.core.models import OwnedRecord
from rubrica.core.policies import Action, policy_for

if TYPE_CHECKING:  # the kit sits below accounts: the type only, never imported at run time
    from rubrica.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request that passed ``login_required``: its ``user`` is a real, active User."""

    user: User


def can(user: User, instance: OwnedRecord, action: str) -> bool:
    """Whether ``user`` may ``action`` ``instance`` from a page, as the model's permission policy
    decides. Pages act on live records only: a record in the Trash answers False (it is restored
    first, through the Trash page)."""
    model = type(instance)
    live = model.objects.filter(pk=instance.pk)
    return policy_for(model).queryset_for(user, action, live).exists()


def require(user: User, instance: OwnedRecord, action: str) -> None:
    """403 unless ``can``: a page refuses before looking at any input."""
    if not can(user, instance, action):
        raise PermissionDenied


def require_can_create(user: User, model: type[models.Model] = OwnedRecord) -> None:
    """403 unless the model's policy lets ``user`` create a record (the owned-record rule when no
    model is named)."""
    if not policy_for(model).user_has_permission(user, Action.ADD):
        raise PermissionDenied


View = Callable[..., HttpResponse]


def grant_required(entities: tuple[str, ...], action: str) -> Callable[[View], View]:
    """Log in first; then 403 before anything is read unless the person's roles grant ``action``
    on at least one of ``entities`` (``core.policies.can``; issue 17)."""
    from rubrica.core.policies import can

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(can(request.user, entity, action) for entity in entities):
                raise PermissionDenied(_("Your roles do not allow this."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def administrator_required(view: View) -> View:
    """Log in first; then anyone but an administrator gets 403 before anything is read."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_administrator:  # type: ignore[union-attr]
            raise PermissionDenied(_("Only administrators can open this page."))
        return view(request, *args, **kwargs)

    return wrapper
