"""Building blocks shared by the domain services: permission checks, cleaning of labelled
collections (emails, phones, addresses, URLs, profiles), writing them, and snapshots for history.
Core knows no app: what also writes history (moving a record to the Trash and back,
``record_set_deleted``) lives in ``history.services``.

The data a service takes is the same shape everywhere (web forms, API, CLI, importers): scalar
fields by name, collections as lists of dicts, tags as a list of names, FKs by id (stage and kind
also by name). A snapshot of a record has that same shape, so any earlier state read from history
can be fed back to the update service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from rubrica.core import normalize, sealing
from rubrica.core.models import OwnedRecord, Visibility
from rubrica.core.policies import Action, policy_for

if TYPE_CHECKING:
    from rubrica.accounts.models import User

Errors = dict[str, str]

ADDRESS_PARTS = {
    "street": 255,
    "extended": 255,
    "po_box": 100,
    "city": 150,
    "region": 150,
    "postal_code": 32,
    "country": 100,
}
MAX_ITEMS = 50


class ConflictError(Exception):
    """The record changed since the caller read it (optimistic concurrency)."""

    def __init__(self, current_version: int) -> None:
        super().__init__(_("This record was changed by someone else meanwhile."))
        self.current_version = current_version


M = TypeVar("M", bound=models.Model)

#: A door's concurrency check on a record *without* a version (a tag, a custom field definition,
#: an affiliation), handed to its write service: the service checks the actor's right first, locks
#: the row, re-reads it and calls ``precondition(current)`` before changing anything, in the same
#: transaction; it raises to refuse (the API compares the content ETag sent in If-Match and raises
#: PreconditionFailed: 412). Versioned records take ``expected_version=`` (ConflictError) instead.
Precondition = Callable[[M], None]


def ensure_can(actor: User, instance: models.Model, action: str) -> None:
    """Raise PermissionDenied unless ``actor`` may do ``action`` on ``instance`` (in the Trash or
    not), as the model's permission policy decides."""
    if not policy_for(type(instance)).user_can(actor, action, instance):
        raise PermissionDenied(_("You may not change this record."))


def ensure_can_create(actor: User, model: type[models.Model] = OwnedRecord) -> None:
    """Raise PermissionDenied unless ``actor`` may create a ``model`` record (the owned-record rule
    when no model is named: any active person who is not read-only)."""
    if not policy_for(model).user_has_permission(actor, Action.ADD):
        raise PermissionDenied(_("Read-only users cannot create records."))


def clean_text(
    data: Mapping[str, Any],
    spec: Mapping[str, int],
    errors: Errors,
    *,
    multiline: Iterable[str] = (),
) -> dict[str, str]:
    """Clean the scalar text fields of ``spec`` (name -> max length) present in ``data``."""
    cleaned: dict[str, str] = {}
    long_fields = set(multiline)
    for name, max_length in spec.items():
        if name not in data:
            continue
        value = data[name]
        if value is None:
            cleaned[name] = ""
            continue
        if name in long_fields:
            if not isinstance(value, str):
                errors[name] = _("Enter text.")
            elif len(value) > max_length:
                errors[name] = _("Enter at most %(n)d characters.") % {"n": max_length}
            else:
                try:
                    cleaned[name] = normalize.check_bidi(value.strip().replace("\x00", ""))
                except ValueError as exc:
                    errors[name] = str(exc)
            continue
        try:
            cleaned[name] = normalize.single_line(value, max_length=max_length)
        except ValueError as exc:
            errors[name] = str(exc)
    return cleaned


def clean_string_list(
    data: Mapping[str, Any], name: str, errors: Errors, *, max_length: int = 100
) -> list[str] | None:
    if name not in data:
        return None
    value = data[name]
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list):
        errors[name] = _("Enter a list.")
        return None
    if len(value) > MAX_ITEMS:  # refused like a collection: cutting it would lose the rest
        errors[name] = _("At most %(n)d entries.") % {"n": MAX_ITEMS}
        return None
    out: list[str] = []
    for index, item in enumerate(value):
        try:
            text = normalize.single_line(item, max_length=max_length)
        except ValueError as exc:
            errors[f"{name}.{index}"] = str(exc)
            continue
        if text and text not in out:
            out.append(text)
    return out


def clean_choice(
    data: Mapping[str, Any], name: str, choices: Iterable[str], errors: Errors
) -> str | None:
    if name not in data:
        return None
    value = data[name] if data[name] is not None else ""
    if value not in set(choices):
        errors[name] = _("Choose a valid option.")
        return None
    return str(value)


def clean_visibility(data: Mapping[str, Any], errors: Errors) -> str | None:
    return clean_choice(data, "visibility", Visibility.values, errors)


def _clean_one(kind: str, item: Mapping[str, Any], prefix: str, errors: Errors) -> dict[str, Any]:
    row: dict[str, Any] = {}
    try:
        row["label"] = normalize.single_line(item.get("label") or "", max_length=50)
    except ValueError as exc:
        errors[f"{prefix}.label"] = str(exc)
    row["is_preferred"] = bool(item.get("is_preferred", False))
    value = item.get("value")
    try:
        if kind == "emails":
            row["value"] = normalize.email(value or "")
        elif kind == "phones" and isinstance(value, sealing.UnreadableText):
            # a sealed number that does not open: written back as stored (ADR 0052)
            row.update(
                value=value, e164=item.get("e164") or "", extension=item.get("extension") or ""
            )
            row["e164_key"] = str(item.get("e164_key") or "")
        elif kind == "phones":
            phone = normalize.phone(value or "")
            row.update(value=phone.raw, e164=phone.e164, extension=phone.extension)
        elif kind == "urls":
            row["value"] = normalize.url(value or "")
        elif kind == "profiles":
            text = normalize.single_line(value or "", max_length=300)
            if not text:
                raise ValueError(_("Enter a handle or address."))
            row["value"] = text
        elif kind == "addresses":
            for part, max_length in ADDRESS_PARTS.items():
                if isinstance(item.get(part), sealing.UnreadableText):
                    row[part] = item[part]  # a sealed part that does not open: written back as is
                    continue
                try:
                    row[part] = normalize.single_line(item.get(part) or "", max_length=max_length)
                except ValueError as exc:
                    errors[f"{prefix}.{part}"] = str(exc)
            if not any(row.get(part) for part in ADDRESS_PARTS):
                raise ValueError(_("Fill in at least one part of the address."))
    except ValueError as exc:
        errors[f"{prefix}.value" if kind != "addresses" else prefix] = str(exc)
    return row


def clean_collection(kind: str, items: Any, errors: Errors) -> list[dict[str, Any]] | None:
    """Validate a list of labelled values; at most one ends up preferred (the first marked, or
    the first of all). Exact repeats are dropped."""
    if items is None:
        return None
    if not isinstance(items, list):
        errors[kind] = _("Enter a list.")
        return None
    if len(items) > MAX_ITEMS:
        errors[kind] = _("At most %(n)d entries.") % {"n": MAX_ITEMS}
        return None
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            errors[f"{kind}.{index}"] = _("Enter an object.")
            continue
        row = _clean_one(kind, item, f"{kind}.{index}", errors)
        identity = repr(sorted((k, v) for k, v in row.items() if k not in ("is_preferred",)))
        if identity in seen:
            continue
        seen.add(identity)
        rows.append(row)
    preferred = next((i for i, row in enumerate(rows) if row.get("is_preferred")), 0)
    for index, row in enumerate(rows):
        row["is_preferred"] = index == preferred
    return rows


def row_fields(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A cleaned child row (email, phone, address...) as the model's field values, without its
    owner and position: for ``write_collection`` and the domains' bulk create paths alike."""
    fields = {"label": row.get("label", ""), "is_preferred": row.get("is_preferred", False)}
    if kind == "phones":
        fields.update(
            raw=row["value"], e164=row.get("e164", ""), extension=row.get("extension", "")
        )
        if row.get("e164_key"):  # a sealed number that does not open keeps its index
            fields["e164_key"] = row["e164_key"]
    elif kind == "addresses":
        fields.update({part: row.get(part, "") for part in ADDRESS_PARTS})
    else:
        fields["value"] = row["value"]
    return fields


def write_collection(
    owner: models.Model, kind: str, model: type[models.Model], fk: str, rows: list[dict[str, Any]]
) -> None:
    """Replace the child rows of ``owner`` with ``rows`` (already cleaned)."""
    model._default_manager.filter(**{fk: owner}).delete()
    model._default_manager.bulk_create(
        [
            model(**{fk: owner}, position=position, **row_fields(kind, row))
            for position, row in enumerate(rows)
        ]
    )


def snapshot_collection(kind: str, children: Iterable[Any]) -> list[dict[str, Any]]:
    """Children in the input shape, for history and for the API."""
    out = []
    for child in children:
        row: dict[str, Any] = {"label": child.label, "is_preferred": child.is_preferred}
        if kind == "phones":
            row.update(value=child.raw, e164=child.e164, extension=child.extension)
        elif kind == "addresses":
            row.update({part: getattr(child, part) for part in ADDRESS_PARTS})
        else:
            row["value"] = child.value
        out.append(row)
    return out


def preferred(rows: list[dict[str, Any]], key: str = "value") -> str:
    for row in rows:
        if row.get("is_preferred"):
            return str(row.get(key, ""))
    return str(rows[0].get(key, "")) if rows else ""


def raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def lock_and_check_version(
    model: type[OwnedRecord], pk: int, expected_version: int | None
) -> OwnedRecord:
    """Re-read the row under a write lock and refuse a stale ``expected_version``."""
    current = model.all_objects.select_for_update().get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current.version)
    return current


SHARING_FIELDS = ("owner", "team", "visibility")


def begin_update(actor: User, instance: OwnedRecord, expected_version: int | None) -> Any:
    """The common start of every update service: permission, row lock, version, not in Trash."""
    from rubrica.core.models import Action

    ensure_can(actor, instance, Action.CHANGE)
    current = lock_and_check_version(type(instance), instance.pk, expected_version)
    if current.deleted_at is not None:
        raise ValidationError({"__all__": _("Restore this record from the Trash to change it.")})
    return current


def ensure_sharing_allowed(actor: User, current: OwnedRecord, values: dict[str, Any]) -> None:
    """Only the owner or an administrator changes owner, team or visibility. An empty owner
    means "keep the owner"."""
    changed = any(
        name in values and values[name] != getattr(current, name) for name in SHARING_FIELDS
    )
    if changed and not (actor.is_administrator or current.owner_id == actor.pk):
        raise PermissionDenied(_("Only the owner or an administrator can change sharing."))
    if "owner" in values and values["owner"] is None:
        values.pop("owner")


def lookup(source: Any, value: Any, field: str, errors: Errors, *, by: str) -> Any:
    """Resolve a reference given as an id or a name (case-insensitive) from a model or a
    queryset (pass a restricted queryset where the reference must be visible to the actor).
    An unknown or ambiguous name becomes a field error, never an exception."""
    if value in (None, ""):
        return None
    qs = source._default_manager.all() if isinstance(source, type) else source  # type: ignore[attr-defined]
    model = qs.model
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return qs.get(pk=value)
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            return qs.get(pk=int(value))
        if isinstance(value, str):
            return qs.get(**{f"{by}__iexact": value.strip()})
    except model.DoesNotExist:
        pass
    except model.MultipleObjectsReturned:
        errors[field] = _("Several match %(value)s; use the id.") % {"value": value}
        return None
    except (ValueError, OverflowError):
        pass
    errors[field] = _("There is no such %(what)s.") % {"what": model._meta.verbose_name}
    return None
