"""Web pages for organizations (same rules as the people pages: restrict() for reads, services
for writes, 404 for what the user may not see, 403 for what they may see but not change)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.services import ConflictError
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.kits.web.access import AuthedRequest, can, require, require_can_create
from rubrica.kits.web.lists import (
    PAGE_SIZES,
    Column,
    chosen_columns,
    custom_columns,
    filters_active,
    header_cells,
    labelled_errors,
    page_size,
    safe_next,
    save_columns,
    wants_partial,
)
from rubrica.kits.web.templatetags.rubrica_web import custom_values
from rubrica.kits.web.trash import delete_record, restore_record
from rubrica.organizations import services
from rubrica.organizations.filters import OrganizationFilter
from rubrica.organizations.forms import (
    OrganizationFilterForm,
    OrganizationForm,
    organization_ref,
)
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.selectors import organization_list
from rubrica.taxonomy.models import Tag

COLUMNS = (
    Column("kind", gettext_lazy("Kind")),
    Column("industry", gettext_lazy("Industry")),
    Column("phone", gettext_lazy("Phone")),
    Column("website", gettext_lazy("Website")),
    Column("city", gettext_lazy("City"), "city"),
    Column("country", gettext_lazy("Country")),
    Column("tags", gettext_lazy("Tags")),
    Column("owner", gettext_lazy("Owner")),
    Column("created", gettext_lazy("Created"), "created"),
    Column("updated", gettext_lazy("Updated"), "updated"),
)
NAME_COLUMN = Column("name", gettext_lazy("Name"), "name")
DEFAULT_COLUMNS = ("kind", "phone", "city", "country", "tags")
COLUMNS_SESSION_KEY = "organizations.columns"
#: how many people and subsidiaries an organization page lists before linking to the full list
RELATED_LIMIT = 100
SUGGESTIONS = 20
CONFLICT_MESSAGE = gettext_lazy(
    "Someone else changed this organization while you were editing — reload to see their "
    "changes. Nothing was saved."
)


def _list_definitions() -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(entity=Entity.ORGANIZATION, show_in_list=True))


def _available_columns(definitions: list[CustomFieldDefinition]) -> list[Column]:
    return [*COLUMNS, *custom_columns(definitions)]


@login_required
@require_GET
def list_view(request: AuthedRequest) -> HttpResponse:
    definitions = _list_definitions()
    available = _available_columns(definitions)
    columns = chosen_columns(request, COLUMNS_SESSION_KEY, available, DEFAULT_COLUMNS)
    flt, errors = OrganizationFilter.parse(request.GET)
    size = page_size(request)
    cursor = request.GET.get("cursor") or None
    try:
        page = organization_list(user=request.user, flt=flt, cursor=cursor, size=size)
    except ValidationError as exc:
        errors.update({key: "; ".join(value) for key, value in exc.message_dict.items()})
        page = organization_list(user=request.user, flt=flt, cursor=None, size=size)
    partial = wants_partial(request, "results")
    context: dict[str, Any] = {
        "page": page,
        "columns": columns,
        "available_columns": available,
        "chosen_keys": [column.key for column in columns],
        "name_column": NAME_COLUMN,
        "header_cells": header_cells([NAME_COLUMN, *columns], flt.sort),
        "sort": flt.sort,
        "size": size,
        "page_sizes": PAGE_SIZES,
        "filtered": filters_active(request.GET),
        "can_write": not request.user.is_read_only,
        "partial": partial,
    }
    form = OrganizationFilterForm(request.GET, definitions=definitions)
    context["filter_form"] = form
    context["filter_errors"] = labelled_errors(form, errors)
    template = "organizations/_results.html" if partial else "organizations/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@require_POST
def columns_view(request: AuthedRequest) -> HttpResponse:
    save_columns(request, COLUMNS_SESSION_KEY, _available_columns(_list_definitions()))
    return redirect(safe_next(request, reverse("organizations:list")))


@login_required
@require_GET
def suggest_view(request: AuthedRequest) -> HttpResponse:
    """``<option>``s for an organization input's datalist: names starting with what was typed,
    among organizations the user may view, bounded and served from the sort-name index."""
    text = ""
    for name in ("q", "organization", "parent"):
        text = request.GET.get(name, "").strip()
        if text:
            break
    organizations: list[Organization] = []
    if text:
        organizations = list(
            Organization.objects.restrict(request.user, Action.VIEW)
            .filter(sort_name__startswith=text.casefold())
            .order_by("sort_name", "id")[:SUGGESTIONS]
        )
    options = [organization_ref(organization) for organization in organizations]
    return render(request, "organizations/_suggestions.html", {"options": options})


@login_required
@require_GET
def detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(
        Organization.objects.restrict(request.user, Action.VIEW)
        .select_related("kind", "owner", "team")
        .prefetch_related("tags", "phones", "addresses"),
        pk=pk,
    )
    visible = Organization.objects.restrict(request.user, Action.VIEW)
    parent = visible.filter(pk=organization.parent_id).first() if organization.parent_id else None
    subsidiaries = list(
        visible.filter(parent=organization).order_by("sort_name", "id")[: RELATED_LIMIT + 1]
    )
    # Only people this user may view: the affiliation list must not reveal private people.
    affiliations = list(
        Affiliation.objects.filter(
            organization=organization,
            contact__in=Contact.objects.restrict(request.user, Action.VIEW).values("pk"),
        )
        .select_related("contact")
        .order_by(F("end_date").desc(nulls_first=True), "contact__sort_name", "id")[
            : RELATED_LIMIT + 1
        ]
    )
    definitions = list(CustomFieldDefinition.objects.filter(entity=Entity.ORGANIZATION))
    context = {
        "organization": organization,
        "parent": parent,
        "subsidiaries": subsidiaries[:RELATED_LIMIT],
        "more_subsidiaries": len(subsidiaries) > RELATED_LIMIT,
        "affiliations": affiliations[:RELATED_LIMIT],
        "more_people": len(affiliations) > RELATED_LIMIT,
        "custom_values": custom_values(definitions, organization.custom_fields),
        "can_change": can(request.user, organization, Action.CHANGE),
        "can_delete": can(request.user, organization, Action.DELETE),
    }
    return render(request, "organizations/detail.html", context)


def _form_context(form: OrganizationForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, "tags": list(Tag.objects.all()), **extra}


@login_required
@require_http_methods(["GET", "POST"])
def create_view(request: AuthedRequest) -> HttpResponse:
    require_can_create(request.user)
    if request.method != "POST":
        form = OrganizationForm(user=request.user)
        return render(request, "organizations/form.html", _form_context(form))
    form = OrganizationForm(request.POST, user=request.user)
    status = 400
    if form.is_valid():
        try:
            organization = services.organization_create(actor=request.user, data=form.to_data())
        except ValidationError as exc:
            form.apply_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
            status = 403
        else:
            messages.success(request, _("%(name)s was added.") % {"name": organization.name})
            return redirect(organization)
    form.mark_invalid()
    return render(request, "organizations/form.html", _form_context(form), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_view(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(
        Organization.objects.restrict(request.user, Action.VIEW)
        .select_related("kind", "owner", "team")
        .prefetch_related("tags", "phones", "addresses"),
        pk=pk,
    )
    require(request.user, organization, Action.CHANGE)
    context = {"organization": organization}
    if request.method != "POST":
        form = OrganizationForm(user=request.user, organization=organization)
        return render(request, "organizations/form.html", _form_context(form, **context))
    form = OrganizationForm(request.POST, user=request.user, organization=organization)
    status = 400
    if form.is_valid():
        try:
            updated = services.organization_update(
                actor=request.user,
                organization=organization,
                data=form.to_data(),
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError:
            form.add_error(None, str(CONFLICT_MESSAGE))
            status = 409
        except ValidationError as exc:
            form.apply_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
            status = 403
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": updated.name})
            return redirect(updated)
    form.mark_invalid()
    return render(request, "organizations/form.html", _form_context(form, **context), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return delete_record(
        request,
        pk,
        model=Organization,
        namespace="organizations",
        delete=lambda actor, record: services.organization_delete(actor=actor, organization=record),
    )


@login_required
@require_POST
def restore_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return restore_record(
        request,
        pk,
        model=Organization,
        restore=lambda actor, record: services.organization_restore(
            actor=actor, organization=record
        ),
    )
