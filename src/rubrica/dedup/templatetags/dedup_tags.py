"""Template tags of the duplicate engine: what its templates take from its registry rather than
name themselves (the engine knows no domain and no feature)."""

from __future__ import annotations

from django import template
from django.urls import reverse

from rubrica.dedup import registry

register = template.Library()


@register.simple_tag
def merge_page_url() -> str:
    """The URL of the page that merges a pair (``?a=ID&b=ID``), from the registered merging;
    empty when no app registered one (then no Merge button is shown)."""
    merging = registry.merging()
    return reverse(merging.page) if merging is not None else ""
