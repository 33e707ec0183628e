"""Who may do what with notifications and preferences: each person their own, nobody else's
(administrators included: a notification is a private message to its recipient)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import QuerySet

from rubrica.core.policies import AnyUser, Policy, check_action, signed_in

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


class RecipientPolicy(Policy):
    """A row belongs to ``recipient`` (notifications) or ``user`` (preferences): only they may
    read or change it. Nobody creates one through a door: ``notify()`` does."""

    def __init__(self, field: str = "recipient") -> None:
        self.field = field

    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        check_action(action)
        person = signed_in(user)
        if person is None:
            return queryset.none()
        return queryset.filter(**{self.field: person})

    def user_has_permission(self, user: AnyUser, action: str) -> bool:
        return signed_in(user) is not None
