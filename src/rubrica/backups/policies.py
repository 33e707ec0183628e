"""Who may see, take, verify and download backups: administrators only (an archive holds every
record and every file of the instance, whoever owns them)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import QuerySet

from rubrica.core.policies import AnyUser, Policy, signed_in

_QS = TypeVar("_QS", bound="QuerySet[Any, Any]")


def is_backup_administrator(user: AnyUser | None) -> bool:
    from rubrica.accounts.selectors import role_keys

    person = signed_in(user)
    return person is not None and "administrator" in role_keys(person)


class BackupPolicy(Policy):
    def queryset_for(self, user: AnyUser | None, action: str, queryset: _QS) -> _QS:
        return queryset if is_backup_administrator(user) else queryset.none()

    def user_has_permission(self, user: AnyUser | None, action: str) -> bool:
        return is_backup_administrator(user)
