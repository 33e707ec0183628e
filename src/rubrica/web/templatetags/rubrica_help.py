"""``{% help_url %}``: the help section of the screen being shown (its "?" link)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from rubrica.web.help import section_for

register = template.Library()


@register.simple_tag(takes_context=True)
def help_url(context: dict[str, Any]) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    section = section_for(getattr(match, "namespace", None))
    return reverse("help") + (f"#{section}" if section else "")
