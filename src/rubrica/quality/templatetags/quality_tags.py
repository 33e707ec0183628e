"""``{% cleaning_undo_allowed job as ok %}``: whether the person looking may undo a cleaning."""

from __future__ import annotations

from typing import Any

from django import template

from rubrica.quality.services import can_undo

register = template.Library()


@register.simple_tag(takes_context=True)
def cleaning_undo_allowed(context: Any, job: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and can_undo(user, job)
