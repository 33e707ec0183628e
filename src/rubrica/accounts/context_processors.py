"""The signed-in user's display settings for the base template: theme and density."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rubrica.accounts.selectors import user_settings


def display_settings(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"ui_theme": "system", "ui_density": "comfortable"}
    prefs = user_settings(user)
    return {"ui_theme": prefs.theme, "ui_density": prefs.density}
