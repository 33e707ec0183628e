"""Merge fields rendered in a Jinja2 sandbox with an allow-list.

A template sees two plain dictionaries, ``contact`` and ``sender``, holding only the fields of
``CONTACT_FIELDS`` and ``SENDER_FIELDS`` as strings; no model, no method, no attribute of any
object is reachable (``is_safe_attribute`` refuses every attribute, so ``{{ contact.__class__ }}``
or ``{{ contact.items() }}`` raise ``SecurityError``), and an unknown field is an error rather than
an empty string (``StrictUndefined``). Output is plain text (no autoescape: the e-mail is text).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

CONTACT_FIELDS = (
    "display_name",
    "prefix",
    "given_name",
    "additional_name",
    "family_name",
    "suffix",
    "nickname",
    "title",
    "email",
)
SENDER_FIELDS = ("name", "email")
MAX_OUTPUT = 100_000


class _Sandbox(SandboxedEnvironment):
    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return False

    def is_safe_callable(self, obj: Any) -> bool:
        return False


_ENV = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def contact_fields(contact: Any) -> dict[str, str]:
    values = {name: str(getattr(contact, name, "") or "") for name in CONTACT_FIELDS[:-1]}
    values["email"] = str(getattr(contact, "primary_email", "") or "")
    return values


def render(source: str, *, contact: dict[str, str], sender: dict[str, str], field: str) -> str:
    """``source`` rendered with the allowed fields; ValidationError on ``field`` for a syntax
    error, an unknown field or anything the sandbox refuses."""
    try:
        text = _ENV.from_string(source).render(contact=dict(contact), sender=dict(sender))
    except TemplateError as exc:
        raise ValidationError(
            {field: _("This template cannot be used: %(error)s") % {"error": exc.message or exc}}
        ) from exc
    return text[:MAX_OUTPUT]


def check(source: str, *, field: str) -> None:
    """ValidationError on ``field`` unless ``source`` renders with sample values of every
    allowed field (a template is checked when it is saved, not only when it is sent)."""
    render(
        source,
        contact={name: name for name in CONTACT_FIELDS},
        sender={name: name for name in SENDER_FIELDS},
        field=field,
    )
