"""``{% job_result job %}``: the result panel of a finished job, from ``jobs/result_<kind>.html``
when the app that owns that kind provides one (nothing otherwise)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def job_result(context: Any, job: Any) -> SafeString:
    try:
        result_template = get_template(f"jobs/result_{job.kind}.html")
    except template.TemplateDoesNotExist:
        return mark_safe("")
    flat = context.flatten()
    flat["job"] = job
    return mark_safe(result_template.render(flat, context.get("request")))  # noqa: S308 - rendered by the template engine, which escapes
