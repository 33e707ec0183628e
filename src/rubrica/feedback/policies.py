"""Who may do what with feedback: anyone who logged in may send it; only administrators read,
change or delete it (it may name colleagues or quote records)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import QuerySet

from rubrica.core.policies import Action, AnyUser, Policy, signed_in

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


class FeedbackPolicy(Policy):
    def queryset_for(self, user: AnyUser | None, action: str, queryset: _QS) -> _QS:
        person = signed_in(user)
        if person is None or not person.is_administrator:
            return queryset.none()
        return queryset

    def user_has_permission(self, user: AnyUser | None, action: str) -> bool:
        person = signed_in(user)
        if person is None:
            return False
        return action == Action.ADD or person.is_administrator
