"""Small template helpers for the web UI. They return plain strings or data for the templates to
render, never markup built from user data, so autoescaping stays in charge."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import template
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from rubrica.core.ids import is_id
from rubrica.core.pagination import bounded_count
from rubrica.kits.web.panels import Placement, rendered_panels
from rubrica.kits.web.row_actions import row_actions_for

register = template.Library()

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_TAG_COLOR = "#6c757d"

#: extra_tags of a message that offers an Undo: "undo:<url name>:<pk>"
UNDO_TARGETS = {
    "contacts": "contacts:restore",
    "organizations": "organizations:restore",
    "merges": "merges:undo",
}


def undo_tag(kind: str, pk: int) -> str:
    """The ``extra_tags`` that make a message show an Undo button (see ``undo_url``)."""
    return f"undo:{kind}:{pk}"


@register.filter
def tag_style(tag: Any) -> str:
    """Background and a readable text colour for a tag badge (colour checked, never trusted)."""
    color = str(getattr(tag, "color", "") or "")
    if not _COLOR.match(color):
        color = DEFAULT_TAG_COLOR
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.299 * red + 0.587 * green + 0.114 * blue
    text = "#000" if luminance > 150 else "#fff"
    return f"background-color: {color}; color: {text};"


@register.simple_tag
def undo_url(message: Message) -> str:
    """The restore URL a "moved to Trash" message offers as Undo, or ""."""
    parts = str(getattr(message, "extra_tags", "") or "").split(":")
    if len(parts) != 3 or parts[0] != "undo" or parts[1] not in UNDO_TARGETS:
        return ""
    if not is_id(parts[2]):
        return ""
    try:
        return reverse(UNDO_TARGETS[parts[1]], args=[int(parts[2])])
    except NoReverseMatch:
        return ""


@register.simple_tag
def can_grant(user: Any, action: str, *entities: str) -> bool:
    """Whether ``user``'s roles grant ``action`` on one of ``entities`` (``core.policies.can``):
    for a link to a page guarded by ``kits.web.access.grant_required`` with the same arguments."""
    from rubrica.core.policies import can

    return any(can(user, entity, action) for entity in entities)


@register.filter
def alert_class(message: Message) -> str:
    level = getattr(message, "level_tag", "") or "info"
    return {"error": "danger", "debug": "secondary"}.get(level, level)


def display(value: Any) -> str:
    """A stored value as short text (custom fields, history values)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, list):
        return ", ".join(display(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {display(item)}" for key, item in value.items())
    return str(value)


def custom_values(definitions: Iterable[Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    """The custom fields a record has a value for, in definition order, ready to show (values
    without a definition any more are kept in the record but not shown)."""
    out = []
    for definition in definitions:
        if definition.key in values:
            value = values[definition.key]
            out.append(
                {
                    "label": definition.label,
                    "type": definition.field_type,
                    "text": display(value),
                    "raw": value,
                }
            )
    return out


@register.simple_tag
def custom_cell(record: Any, key: str) -> str:
    values = getattr(record, "custom_fields", None) or {}
    if key not in values:
        return ""
    return display(values[key])


@register.filter
def startswith(text: Any, prefix: str) -> bool:
    return str(text).startswith(prefix)


@register.filter
def is_http_url(value: Any) -> bool:
    """Only http(s) links become clickable (a stored ``javascript:`` would otherwise run)."""
    return str(value or "").lower().startswith(("http://", "https://"))


@register.filter
def phone_display(e164: Any) -> str:
    """An E.164 number in international format for reading (+39 333 123 4567)."""
    import phonenumbers

    text = str(e164 or "")
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.simple_tag(takes_context=True)
def record_panels(context: template.Context, record: Any, placement: Placement) -> str:
    """The panels other apps registered for ``record``'s page (``kits/web/panels.py``), each
    rendered from its own (autoescaped) template with its own context and the request."""
    request = context["request"]
    parts = [
        render_to_string(shown.panel.template, {**shown.context, "record": record}, request=request)
        for shown in rendered_panels(request, record, placement)
    ]
    return mark_safe("".join(parts))  # noqa: S308 - each part is a template's autoescaped output


@register.simple_tag(takes_context=True)
def row_actions(context: template.Context, record: Any) -> str:
    """The actions other apps registered for the rows of ``record``'s list
    (``kits/web/row_actions.py``), each from its own (autoescaped) template."""
    # Rendered in the page's own context (as {% include %} does), not as a new RequestContext
    # per row: a list renders this once per row, and the page's context already holds the
    # request, the user and the CSRF token.
    assert context.template is not None  # a tag is always rendered inside a template
    engine = context.template.engine
    parts = []
    with context.push(record=record):
        for action in row_actions_for(type(record)):
            parts.append(engine.get_template(action.template).render(context))
    return mark_safe("".join(parts))  # noqa: S308 - each part is a template's autoescaped output


@register.simple_tag
def has_row_actions(model_label: str) -> bool:
    """Whether any app registered row actions for the model ``app_label.ModelName``."""
    from django.apps import apps

    return bool(row_actions_for(apps.get_model(model_label)))


@register.filter(is_safe=True)
def bdi(value: Any) -> str:
    """``value`` escaped and wrapped in ``<bdi>``, so a Latin e-mail inside Persian text (or a
    Persian name inside English text) keeps its own direction; "" stays "" (so ``|default``
    still applies). For values passed into ``{% blocktranslate with %}``, where a literal
    ``<bdi>`` in the template would change the message id."""
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)


@register.simple_tag
def datetime_input_attrs(value: Any) -> str:
    """``type`` and ``value`` of a hand-written date-and-time ``<input>``: the browser's
    ``datetime-local`` picker with the ISO value, or for a Jalali user a text box showing and
    taking a Jalali date and a time (``kits.web.forms.LocalDateTimeInput``, whose rules the view
    reads back with ``typed_datetime``)."""
    from rubrica.kits.web.forms import (
        datetime_input_type,
        jalali_datetime_attrs,
        jalali_datetime_value,
    )

    kind = datetime_input_type()
    if kind != "text":
        return format_html('type="{}" value="{}"', kind, value or "")
    extra = jalali_datetime_attrs()
    return format_html(
        'type="text" value="{}" placeholder="{}" dir="{}" data-calendar="{}"',
        jalali_datetime_value(value) or value or "",
        extra["placeholder"],
        extra["dir"],
        extra["data-calendar"],
    )


@register.inclusion_tag("web/partials/match_count.html")
def match_count(page: Any) -> dict[str, Any]:
    """How many records the list matches (see ``core.pagination.bounded_count``): one bounded
    query, run only where the template asks; nothing when the page carries no queryset."""
    matching = getattr(page, "matching", None)
    if matching is None:
        return {"count": None}
    return {"count": bounded_count(matching)}
