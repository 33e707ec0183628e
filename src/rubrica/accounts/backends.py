"""Django's model backend, loading the user's personal settings in the same query as the user
(``select_related``): every page reads them (language, time zone, theme), and this way they
cost no query of their own (ADR 0021)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from rubrica.accounts.models import User


class SettingsModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("preferences").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
