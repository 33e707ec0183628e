"""Template filters that write dates, times, numbers and phones as the reader's locale does, in
their time zone and chosen date style (``rubrica.core.formats``, ADR 0021):

``{{ moment|local_datetime }}``, ``{{ moment|local_date }}``, ``{{ moment|local_time }}``,
``{{ contact.birthday|partial_date }}`` (a year-less ``--04-15`` too), ``{{ n|local_number }}``,
``{{ e164|phone_intl }}`` and ``{{ e164|phone_national }}`` (the hint)."""

from __future__ import annotations

from typing import Any

from django import template

from rubrica.core import formats

register = template.Library()


@register.filter
def local_datetime(value: Any) -> str:
    return formats.format_datetime(value) if value else ""


@register.filter
def local_date(value: Any) -> str:
    return formats.format_date(value) if value else ""


@register.filter
def local_time(value: Any) -> str:
    return formats.format_time(value) if value else ""


@register.filter
def partial_date(value: Any) -> str:
    return formats.format_partial_date(value) if value else ""


@register.filter
def local_number(value: Any) -> str:
    return formats.format_number(value) if value is not None and value != "" else ""


@register.filter
def phone_intl(value: Any) -> str:
    return formats.phone_international(value) if value else ""


@register.filter
def phone_national(value: Any) -> str:
    return formats.phone_national(value) if value else ""
