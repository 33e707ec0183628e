"""Settings pages for custom field definitions (for whoever may manage custom fields). Writes go
through ``definition_save`` / ``definition_delete``, whose errors appear next to the fields."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.core.policies import Action
from rubrica.customfields.forms import DefinitionForm, ProtectedFieldForm
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.customfields.protection import (
    BUILTIN_FIELDS,
    protected_builtins,
    protected_field_save,
)
from rubrica.customfields.services import GRANT_ENTITIES, definition_delete, definition_save
from rubrica.kits.web.access import administrator_required, grant_required
from rubrica.kits.web.forms import add_service_errors


def _list_url(entity: str) -> str:
    return f"{reverse('settings:fields')}?entity={entity}"


@grant_required(GRANT_ENTITIES, Action.MANAGE_FIELDS)
def definition_list(request: HttpRequest) -> HttpResponse:
    entity = request.GET.get("entity", Entity.CONTACT)
    if entity not in Entity.values:
        entity = Entity.CONTACT
    definitions = CustomFieldDefinition.objects.filter(entity=entity)
    return render(
        request,
        "customfields/definition_list.html",
        {
            "entity": entity,
            "entity_label": Entity(entity).label,
            "entities": Entity.choices,
            "definitions": definitions,
        },
    )


@grant_required(GRANT_ENTITIES, Action.MANAGE_FIELDS)
def definition_edit(
    request: HttpRequest, pk: int | None = None, entity: str | None = None
) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    definition = get_object_or_404(CustomFieldDefinition, pk=pk) if pk is not None else None
    if definition is not None:
        entity = definition.entity
    if entity not in Entity.values:
        raise Http404
    assert entity is not None
    creating = definition is None
    if request.method == "POST":
        form = DefinitionForm(request.POST, entity=entity, creating=creating)
        if form.is_valid():
            # The service fills the instance before validating; give it a copy to keep the
            # page's heading right when it refuses.
            target = None
            if definition is not None:
                target = CustomFieldDefinition.objects.get(pk=definition.pk)
            try:
                saved = definition_save(actor=actor, definition=target, data=form.service_data())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Field %(label)s saved.") % {"label": saved.label})
                return redirect(_list_url(saved.entity))
    elif definition is not None:
        form = DefinitionForm(
            initial=DefinitionForm.initial_for(definition), entity=entity, creating=False
        )
    else:
        form = DefinitionForm(entity=entity, creating=True)
    return render(
        request,
        "customfields/definition_form.html",
        {
            "form": form,
            "definition": definition,
            "entity": entity,
            "entity_label": Entity(entity).label,
            "list_url": _list_url(entity),
        },
    )


@grant_required(GRANT_ENTITIES, Action.MANAGE_FIELDS)
def definition_confirm_delete(request: HttpRequest, pk: int) -> HttpResponse:
    definition = get_object_or_404(CustomFieldDefinition, pk=pk)
    if request.method == "POST":
        definition_delete(actor=request.user, definition=definition)  # type: ignore[arg-type]
        messages.success(request, _("Field %(label)s deleted.") % {"label": definition.label})
        return redirect(_list_url(definition.entity))
    return render(
        request,
        "customfields/definition_delete.html",
        {"definition": definition, "list_url": _list_url(definition.entity)},
    )


@administrator_required
def protected_fields(request: HttpRequest) -> HttpResponse:
    """Built-in fields marked sensitive, with the roles that may read and change them (ADR 0027).
    One form per field; a POST saves the one named by ``field``."""
    actor: User = request.user  # type: ignore[assignment]
    forms_by_name: dict[str, ProtectedFieldForm] = {}
    for entity, fields in BUILTIN_FIELDS.items():
        rows = protected_builtins(entity)
        for name, _label in fields:
            row = rows.get(name)
            prefix = f"{entity}-{name}"
            initial = {
                "sensitive": row is not None,
                "read_roles": list(row.read_roles) if row else [],
                "edit_roles": list(row.edit_roles) if row else [],
            }
            posted = request.method == "POST" and request.POST.get("field") == prefix
            forms_by_name[prefix] = ProtectedFieldForm(
                request.POST if posted else None,
                initial=initial,
                prefix=prefix,
                entity=entity,
                field_name=name,
            )
    if request.method == "POST":
        form = forms_by_name.get(request.POST.get("field", ""))
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                protected_field_save(
                    actor=actor,
                    entity=form.entity,
                    field_name=form.field_name,
                    sensitive=form.cleaned_data["sensitive"],
                    read_roles=form.cleaned_data["read_roles"],
                    edit_roles=form.cleaned_data["edit_roles"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Protection of %(field)s saved.") % {"field": form.label}
                )
                return redirect(reverse("settings:protected_fields"))
    groups = [
        (Entity(entity).label, [forms_by_name[f"{entity}-{name}"] for name, _l in fields])
        for entity, fields in BUILTIN_FIELDS.items()
    ]
    return render(request, "customfields/protected_fields.html", {"groups": groups})
