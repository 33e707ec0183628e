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
from rubrica.customfields.forms import DefinitionForm
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.customfields.services import GRANT_ENTITIES, definition_delete, definition_save
from rubrica.kits.web.access import grant_required
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
