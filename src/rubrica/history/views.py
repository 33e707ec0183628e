"""The history page of a record, and "Restore this value", for every kind in the registry.

The history engine knows no domain: ``history/urls.py`` mounts these two views once per kind that
a domain registered (``history.registry``), passing the kind's key. The record is read through
restrict() first (404 when the user may not see it); entries are then read for that record only.
Restoring goes through the kind's revert service (contact_revert, organization_revert...), so it
is itself recorded and checked like any other change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rubrica.accounts.models import User
from rubrica.core import sealing
from rubrica.core.ids import parse_id
from rubrica.core.models import Action, OwnedRecord
from rubrica.core.pagination import keyset_page
from rubrica.customfields.models import CustomFieldDefinition
from rubrica.customfields.protection import (
    MASK,
    FieldAccess,
    custom_name,
    field_access,
    open_builtin,
    visible_phones,
)
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.history.registry import HistoryKind, history_kind
from rubrica.history.selectors import history_for
from rubrica.kits.web.access import AuthedRequest, can, require
from rubrica.kits.web.templatetags.rubrica_web import display

PAGE_SIZE = 50
#: Entries whose changes may be put back one field at a time.
REVERTABLE_ACTIONS = {HistoryAction.UPDATE, HistoryAction.REVERT}
#: Keys of collection rows, in the order a row is shown.
ROW_PARTS = (
    "street",
    "extended",
    "po_box",
    "postal_code",
    "city",
    "region",
    "country",
)
#: Affiliation rows (``affiliation.<id>`` changes) name their organization by id under this key,
#: which is also the history kind that names it.
AFFILIATION_TARGET = "organization"


def field_label(model: type[models.Model], name: str) -> str:
    if name.startswith("affiliation."):
        return _("Affiliation")
    if name == "deleted_at":
        return _("In the Trash")
    notes = {  # notes that merges write beside the changed fields
        "merged_from": _("Merged from"),
        "merged_into": _("Merged into"),
        "merge_undone": _("Merge undone"),
        "shared_with": _("Shared with"),
    }
    if name in notes:
        return notes[name]
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    related = field.related_model
    if (
        field.is_relation
        and field.auto_created
        and isinstance(related, type)
        and issubclass(related, models.Model)
    ):
        return str(related._meta.verbose_name_plural).capitalize()
    return str(getattr(field, "verbose_name", name)).capitalize()


def _row_text(row: dict[str, Any]) -> str:
    """One email/phone/address/affiliation row as a line of text."""
    if "value" in row:
        text = str(row.get("value") or "")
        if row.get("extension") and f"{row['extension']}" not in text:
            text = _("%(number)s ext. %(extension)s") % {
                "number": text,
                "extension": row["extension"],
            }
    elif any(part in row for part in ROW_PARTS):
        text = ", ".join(str(row[part]) for part in ROW_PARTS if row.get(part))
    else:
        text = "; ".join(f"{key}: {display(value)}" for key, value in row.items())
        return text
    label = str(row.get("label") or "")
    if label:
        text = f"{label}: {text}"
    if row.get("is_preferred"):
        text = f"{text} ({_('preferred')})"
    return text


def _readable(model: type[models.Model], name: str, value: Any) -> Any:
    """Stored codes shown as people read them: choice labels, local times for the Trash."""
    if name == "deleted_at" and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    choices = dict(getattr(field, "flatchoices", None) or [])
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    return value


def render_value(value: Any, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A history value as data for the template: empty, one text, a list, or key/value pairs.
    The template escapes every string; nothing here is markup."""
    if value is None or value == "" or value == [] or value == {}:
        return {"kind": "empty"}
    if isinstance(value, list):
        items = [_row_text(item) if isinstance(item, dict) else display(item) for item in value]
        return {"kind": "list", "items": items}
    if isinstance(value, dict):
        if any(key in value for key in ("value", "street", "organization")) and not labels:
            return {"kind": "list", "items": [_row_text(value)]}
        pairs = [((labels or {}).get(key, key), display(item)) for key, item in value.items()]
        return {"kind": "pairs", "items": pairs}
    return {"kind": "text", "text": display(value)}


def _entries(
    entries: Iterable[HistoryEntry],
    model: type[models.Model],
    revertable: set[str],
    can_change: bool,
    custom_labels: dict[str, str],
    organization_names: dict[int, str],
    access: FieldAccess | None = None,
) -> list[dict[str, Any]]:
    out = []
    for entry in entries:
        changes = []
        for name, change in (entry.changes or {}).items():
            before = change.get("before") if isinstance(change, dict) else None
            after = change.get("after") if isinstance(change, dict) else change
            if access is not None:
                before, after = _masked(access, name, before), _masked(access, name, after)
            labels = custom_labels if name == "custom_fields" else None
            before, after = _readable(model, name, before), _readable(model, name, after)
            if name.startswith("affiliation."):
                before, after = (
                    _affiliation_view(before, organization_names),
                    _affiliation_view(after, organization_names),
                )
            changes.append(
                {
                    "field": name,
                    "label": field_label(model, name),
                    "before": render_value(before, labels),
                    "after": render_value(after, labels),
                    "can_restore": can_change
                    and entry.action in REVERTABLE_ACTIONS
                    and name in revertable
                    and (access is None or access.can_edit(name)),
                }
            )
        out.append({"entry": entry, "changes": changes})
    return out


def _masked(access: FieldAccess, name: str, value: Any) -> Any:
    """A history value with what protection hides masked (ADR 0027): a protected field the
    user may not read, and every sealed value (history keeps them sealed; nobody reads them
    here), shown as ``MASK`` when there was a value."""
    if value in (None, "", [], {}):
        return value
    if name == "custom_fields" and isinstance(value, dict):
        return {
            key: MASK if sealing.is_sealed(item) or not access.can_read(custom_name(key)) else item
            for key, item in value.items()
        }
    if not access.can_read(name):
        return MASK
    if sealing.is_sealed(value):  # a sealed-at-rest built-in (ADR 0034), open to this reader
        value = open_builtin(access.entity, name, value)
    if name == "phones" and isinstance(value, list):  # personal phones (ADR 0034, 0052)
        return visible_phones(access, value)
    return value


def _affiliation_view(value: Any, names: dict[int, str]) -> Any:
    """An affiliation snapshot with the organization shown by name (when the user may see it)."""
    if not isinstance(value, dict):
        return value
    shown = dict(value)
    organization = shown.pop("organization", None)
    named = {_("Organization"): names.get(organization, _("(hidden)"))} if organization else {}
    labels = {
        "title": _("Title"),
        "department": _("Department"),
        "start_date": _("Start"),
        "end_date": _("End"),
        "is_primary": _("Primary"),
    }
    return {**named, **{labels.get(k, k): v for k, v in shown.items() if v not in (None, "")}}


def _visible_names(user: User, key: str, ids: set[int]) -> dict[int, str]:
    """The names of the records of kind ``key`` among ``ids`` that ``user`` may see."""
    if not ids:
        return {}
    kind = history_kind(key)
    visible = kind.model.objects.restrict(user, Action.VIEW).filter(pk__in=ids)
    return dict(visible.values_list("pk", kind.name_field))


def _history_page(
    request: AuthedRequest, record: OwnedRecord, kind: HistoryKind[Any]
) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    try:
        page = keyset_page(history_for(record), order=("-at", "-id"), cursor=cursor, size=PAGE_SIZE)
    except ValidationError:
        messages.error(request, _("This page link is not valid; showing the latest changes."))
        page = keyset_page(history_for(record), order=("-at", "-id"), cursor=None, size=PAGE_SIZE)
    custom_labels = {
        d.key: d.label
        for d in CustomFieldDefinition.objects.filter(entity=kind.custom_field_entity)
    }
    organization_ids: set[int] = set()
    for entry in page.items:
        for name, change in (entry.changes or {}).items():
            if name.startswith("affiliation.") and isinstance(change, dict):
                for side in ("before", "after"):
                    value = change.get(side)
                    if isinstance(value, dict) and isinstance(value.get("organization"), int):
                        organization_ids.add(value["organization"])
    organization_names = _visible_names(request.user, AFFILIATION_TARGET, organization_ids)
    can_change = can(request.user, record, Action.CHANGE)
    context = {
        "record": record,
        "kind": kind.key,
        "list_url": reverse(kind.list_url_name),
        "list_label": kind.list_label,
        "page": page,
        "entries": _entries(
            page.items,
            type(record),
            set(kind.revertable),
            can_change,
            custom_labels,
            organization_names,
            field_access(request.user, kind.custom_field_entity)
            if kind.custom_field_entity
            else None,
        ),
        "revert_url": reverse(f"history:{kind.key}_revert", args=[record.pk]),
        "record_url": record.get_absolute_url(),
        "record_name": str(record),
    }
    return render(request, "history/history.html", context)


def _revert(
    request: AuthedRequest,
    record: OwnedRecord,
    kind: str,
    revert: Callable[[HistoryEntry, str], Any],
) -> HttpResponse:
    require(request.user, record, Action.CHANGE)
    entry_pk = request.POST.get("entry", "")
    field = request.POST.get("field", "")
    entry = get_object_or_404(history_for(record), pk=parse_id(entry_pk) or 0)
    try:
        revert(entry, field)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The earlier value of “%(field)s” was restored.")
            % {"field": field_label(type(record), field)},
        )
    return redirect(reverse(f"history:{kind}", args=[record.pk]))


@login_required
@require_GET
def history_view(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    """The history page of one record; ``kind`` is the registered key history/urls.py passes."""
    history = history_kind(kind)
    record = get_object_or_404(history.model.objects.restrict(request.user, Action.VIEW), pk=pk)
    return _history_page(request, record, history)


@login_required
@require_POST
def revert_view(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    """Put back one field's earlier value through the kind's revert service."""
    history = history_kind(kind)
    record = get_object_or_404(history.model.objects.restrict(request.user, Action.VIEW), pk=pk)
    return _revert(
        request,
        record,
        history.key,
        lambda entry, field: history.revert(request.user, record, entry, field),
    )
