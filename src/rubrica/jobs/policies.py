"""Who may do what with jobs: a person sees and acts on their own jobs; administrators on
everyone's. Every action follows the same rule (a job is watched, cancelled and reverted by the
person who started it)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import QuerySet

from rubrica.core.policies import AnyUser, Policy, signed_in

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


class JobPolicy(Policy):
    def queryset_for(self, user: AnyUser | None, action: str, queryset: _QS) -> _QS:
        person = signed_in(user)
        if person is None:
            return queryset.none()
        if person.is_administrator:
            return queryset
        return queryset.filter(owner=person)

    def user_has_permission(self, user: AnyUser | None, action: str) -> bool:
        return signed_in(user) is not None
