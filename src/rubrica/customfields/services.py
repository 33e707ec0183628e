"""Custom field definitions and the validation of values on every write path."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.core import normalize, sealing
from rubrica.core.policies import Action, can
from rubrica.core.services import Precondition
from rubrica.customfields.models import CustomFieldDefinition, Entity, FieldType
from rubrica.customfields.protection import (
    clean_roles,
    custom_name,
    forget_protected,
    notify_sealing_changed,
    seal_custom,
)
from rubrica.customfields.types import DefinitionInput

#: The grant entity of each kind of record custom fields are defined for (issue 17).
GRANT_ENTITY = {"contact": "people", "organization": "organizations"}
GRANT_ENTITIES = tuple(GRANT_ENTITY.values())


def _may_manage(actor: User, entity: str) -> bool:
    """Whether ``actor``'s roles let them manage the custom fields of ``entity`` (any entity
    for one not given yet: the service then refuses the unknown entity by field)."""
    keys = (GRANT_ENTITY[entity],) if entity in GRANT_ENTITY else GRANT_ENTITIES
    return any(can(actor, key, Action.MANAGE_FIELDS) for key in keys)


EMPTY: tuple[object, ...] = (None, "", [])


#: Definitions read once per ``definitions_cached()`` block, by entity; None outside one.
_CACHE: ContextVar[dict[str, list[CustomFieldDefinition]] | None] = ContextVar(
    "customfield_definitions", default=None
)


@contextmanager
def definitions_cached() -> Iterator[None]:
    """Within this block ``definitions_for`` reads each entity's definitions once.

    Why: an import validates thousands of records with the services' own ``_clean``, which
    asks for the definitions every time (one query a record). The block is meant to span one
    batch (one transaction); ``definition_save``/``definition_delete`` empty the cache, so a
    definition changed inside the block is seen by the next record."""
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def _invalidate() -> None:
    cache = _CACHE.get()
    if cache is not None:
        cache.clear()


def definitions_for(entity: str) -> list[CustomFieldDefinition]:
    cache = _CACHE.get()
    if cache is None:
        return list(CustomFieldDefinition.objects.filter(entity=entity))
    found = cache.get(entity)
    if found is None:
        found = cache[entity] = list(CustomFieldDefinition.objects.filter(entity=entity))
    return list(found)


def _clean_value(definition: CustomFieldDefinition, value: Any) -> Any:
    kind = definition.field_type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        if not isinstance(value, str | int | float):
            raise ValueError(_("Enter text."))
        text = str(value).strip()
        if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
            raise ValueError(_("Control characters are not allowed."))
        if kind == FieldType.TEXT and ("\n" in text or len(text) > 1000):
            raise ValueError(_("Enter one line of at most 1000 characters."))
        if len(text) > 20000:
            raise ValueError(_("Enter at most 20000 characters."))
        if definition.pattern and not re.fullmatch(definition.pattern, text):
            raise ValueError(_("This value does not have the expected format."))
        return text
    if kind == FieldType.NUMBER:
        if isinstance(value, bool):
            raise ValueError(_("Enter a whole number."))
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(_("Enter a whole number.")) from None
        if abs(number) > 2**53:
            raise ValueError(_("This number is too large."))
        return number
    if kind == FieldType.DECIMAL:
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        try:
            number_d = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if not number_d.is_finite() or abs(number_d) > Decimal(10) ** 15:
            raise ValueError(_("Enter a finite number below 10^15."))
        return str(number_d)
    if kind == FieldType.DATE:
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if kind == FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off"}:
            return False
        raise ValueError(_("Enter yes or no."))
    if kind == FieldType.CHOICE:
        if value not in definition.choices:
            raise ValueError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(definition.choices)}
            )
        return value
    if kind == FieldType.MULTI_CHOICE:
        values = value if isinstance(value, list) else [value]
        unknown = [item for item in values if item not in definition.choices]
        if unknown:
            raise ValueError(
                _("Choose among: %(choices)s.") % {"choices": ", ".join(definition.choices)}
            )
        return [choice for choice in definition.choices if choice in values]
    if kind == FieldType.URL:
        return normalize.url(str(value))
    if kind == FieldType.EMAIL:
        return normalize.email(str(value))
    if kind == FieldType.PHONE:
        return normalize.phone(str(value)).e164
    raise ValueError(_("Unknown field type."))


def clean_custom_fields(
    entity: str, values: dict[str, Any] | None, *, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Validate ``values`` merged over ``current`` against the definitions of ``entity``.

    New keys with no definition are rejected; stored values of a deleted definition are
    kept; empty values remove the key; a required field must end up with a value. Raises
    ValidationError keyed ``custom_fields.<key>``.
    """
    if values is not None and not isinstance(values, dict):
        raise ValidationError({"custom_fields": _("Custom fields must be an object.")})
    definitions = {d.key: d for d in definitions_for(entity)}
    merged = dict(current or {})
    errors: dict[str, str] = {}
    for key, value in (values or {}).items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom_fields.{key}"] = _("There is no custom field %(key)s.") % {"key": key}
            continue
        if value in EMPTY:
            merged.pop(key, None)
            continue
        if sealing.is_sealed(value):  # a revert or a merge hands back a stored sealed value
            merged[key] = value
            continue
        try:
            merged[key] = _clean_value(definition, value)
        except (ValueError, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            errors[f"custom_fields.{key}"] = message
    for key, definition in definitions.items():
        if (
            definition.required
            and merged.get(key) in EMPTY
            and f"custom_fields.{key}" not in errors
        ):
            errors[f"custom_fields.{key}"] = _("%(label)s is required.") % {
                "label": definition.label
            }
    if errors:
        raise ValidationError(errors)
    # Values whose definition was deleted stay as they are: nothing is lost (definition_delete).
    # Sensitive values are stored sealed (ADR 0027).
    sensitive = {key: d for key, d in definitions.items() if d.sensitive}
    return seal_custom(entity, merged, current, sensitive) if sensitive else merged


def _lock_definition(
    definition: CustomFieldDefinition, precondition: Precondition[CustomFieldDefinition] | None
) -> CustomFieldDefinition:
    """The definition re-read under a write lock, after the door's ``precondition`` (definitions
    have no version: the API compares the content tag sent in If-Match)."""
    current = CustomFieldDefinition.objects.select_for_update().get(pk=definition.pk)
    if precondition is not None:
        precondition(current)
    return current


def definition_save(
    *,
    actor: User,
    definition: CustomFieldDefinition | None = None,
    data: DefinitionInput,
    precondition: Precondition[CustomFieldDefinition] | None = None,
) -> CustomFieldDefinition:
    """Create or update a definition; only administrators. The key and entity never change. An
    update changes the definition as it is now (re-read under a lock, so the instance passed is
    left as it was); ``precondition`` may refuse first."""
    entity = definition.entity if definition is not None else str(data.get("entity") or "")
    if not _may_manage(actor, entity):
        raise PermissionDenied(_("Only administrators can define custom fields."))
    with transaction.atomic():
        before = (
            None
            if definition is None
            else CustomFieldDefinition.objects.filter(pk=definition.pk)
            .values("sensitive", "identifying", "read_roles", "edit_roles")
            .first()
        )
        saved = _definition_save(definition, data, precondition)
        action = AuditAction.CUSTOMFIELD_UPDATE if definition else AuditAction.CUSTOMFIELD_CREATE
        audit.record(
            actor,
            action,
            saved,
            {"key": saved.key, "entity": saved.entity, "fields": sorted(data)},
        )
        after = {
            "sensitive": saved.sensitive,
            "identifying": saved.identifying,
            "read_roles": saved.read_roles,
            "edit_roles": saved.edit_roles,
        }
        if (before or {"sensitive": False}) != after and (saved.sensitive or before):
            audit.record(
                actor,
                AuditAction.FIELD_PROTECTION,
                saved,
                {"entity": saved.entity, "field": custom_name(saved.key), **after},
            )
            if (
                before is None
                or before["sensitive"] != saved.sensitive
                or (saved.sensitive and before["identifying"] != saved.identifying)
            ):
                notify_sealing_changed(actor)
    _invalidate()
    forget_protected()
    return saved


def _definition_save(
    definition: CustomFieldDefinition | None,
    data: DefinitionInput,
    precondition: Precondition[CustomFieldDefinition] | None,
) -> CustomFieldDefinition:
    creating = definition is None
    target = (
        CustomFieldDefinition()
        if definition is None
        else _lock_definition(definition, precondition)
    )
    allowed = {
        "label",
        "field_type",
        "required",
        "choices",
        "pattern",
        "help_text",
        "position",
        "show_in_list",
        "identifying",
        "sensitive",
        "read_roles",
        "edit_roles",
    }
    if creating:
        allowed |= {"entity", "key"}
    for name, value in data.items():
        if name in allowed:
            setattr(target, name, value)
    errors: dict[str, str] = {}
    if target.entity not in Entity.values:
        errors["entity"] = _("Choose person or organization.")
    if target.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        if (
            not isinstance(target.choices, list)
            or not target.choices
            or not all(isinstance(c, str) and c.strip() for c in target.choices)
        ):
            errors["choices"] = _("List at least one choice.")
        else:
            target.choices = list(dict.fromkeys(c.strip() for c in target.choices))
    else:
        target.choices = []
    for name in ("read_roles", "edit_roles"):
        try:
            setattr(target, name, clean_roles(getattr(target, name), name))
        except ValidationError as exc:
            errors[name] = exc.message_dict[name][0]
    if target.pattern:
        try:
            re.compile(target.pattern)
        except re.error:
            errors["pattern"] = _("This is not a valid regular expression.")
    if errors:
        raise ValidationError(errors)
    target.full_clean()
    target.save()
    return target


def definition_delete(
    *,
    actor: User,
    definition: CustomFieldDefinition,
    precondition: Precondition[CustomFieldDefinition] | None = None,
) -> None:
    """Delete a definition. Stored values stay in the records' JSON (nothing is lost) but are no
    longer shown or validated. ``precondition`` may refuse first, on the row locked for it."""
    if not _may_manage(actor, definition.entity):
        raise PermissionDenied(_("Only administrators can delete custom fields."))
    with transaction.atomic():
        current = _lock_definition(definition, precondition)
        audit.record(
            actor,
            AuditAction.CUSTOMFIELD_DELETE,
            current,
            {"key": current.key, "entity": current.entity},
        )
        current.delete()
    _invalidate()
    forget_protected()
