"""Web pages for organizations (same rules as the people pages: restrict() for reads, services
for writes, 404 for what the user may not see, 403 for what they may see but not change)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from rubrica.accounts.models import User
from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.pagination import Page
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.customfields.protection import (
    audit_read,
    field_access,
    mask_record,
    open_custom,
    record_values,
    shown_protected,
)
from rubrica.customfields.services import definitions_for
from rubrica.kits.web import bulk
from rubrica.kits.web.access import AuthedRequest, require_can_create
from rubrica.kits.web.generic import (
    ObjectColumnsView,
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    ObjectMixin,
    ObjectRestoreView,
    ObjectView,
)
from rubrica.kits.web.lists import (
    Column,
    safe_next,
)
from rubrica.kits.web.templatetags.rubrica_web import custom_values
from rubrica.organizations import services
from rubrica.organizations.filters import OrganizationFilter
from rubrica.organizations.forms import (
    OrganizationFilterForm,
    OrganizationForm,
    organization_ref,
)
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.selectors import organization_list
from rubrica.taxonomy.models import OrganizationKind, Tag

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


def _custom_fields() -> list[CustomFieldDefinition]:
    return definitions_for(Entity.ORGANIZATION)


def _list_custom_fields() -> list[CustomFieldDefinition]:
    """The custom fields a list may show as columns: never a sensitive one (ADR 0027)."""
    return [d for d in definitions_for(Entity.ORGANIZATION) if not d.sensitive]


class OrganizationListView(ObjectListView):
    model = Organization
    namespace = "organizations"
    filter_class = OrganizationFilter
    list_selector = organization_list
    filter_form_class = OrganizationFilterForm
    columns = COLUMNS
    name_column = NAME_COLUMN
    default_columns = DEFAULT_COLUMNS
    columns_session_key = COLUMNS_SESSION_KEY
    custom_fields = _list_custom_fields
    template_name = "organizations/list.html"
    partial_template_name = "organizations/_results.html"

    def extra_context(self, request: AuthedRequest, flt: Any, page: Page[Any]) -> dict[str, Any]:
        """The choices of the bulk actions."""
        if request.user.is_read_only:
            return {}
        return {
            "tags": list(Tag.objects.all()),
            "bulk_kinds": list(OrganizationKind.objects.all()),
            "bulk_users": list(User.objects.filter(is_active=True).order_by("username")),
        }


@login_required
@require_POST
def bulk_view(request: AuthedRequest) -> HttpResponse:
    """One action on the selected organizations, all or nothing, through organizations_bulk."""
    next_url = safe_next(request, reverse("organizations:list"))
    require_can_create(request.user)
    ids = bulk.selected_ids(request)
    action = request.POST.get("action", "")
    organizations = list(
        Organization.objects.restrict(request.user, Action.VIEW)
        .filter(pk__in=ids)
        .prefetch_related("tags")
    )
    if not organizations:
        messages.warning(request, _("Select at least one organization first."))
        return redirect(next_url)
    if action not in services.BULK_ACTIONS:
        messages.error(request, _("Choose what to do with the selected organizations."))
        return redirect(next_url)
    if action == "delete" and request.POST.get("confirmed") != "yes":
        count = len(organizations)
        return bulk.confirm_delete(
            request,
            records=organizations,
            names=[organization.name for organization in organizations],
            action_url=reverse("organizations:bulk"),
            next_url=next_url,
            title=_("Delete organizations"),
            heading=ngettext(
                "Move %(counter)s organization to the Trash?",
                "Move %(counter)s organizations to the Trash?",
                count,
            )
            % {"counter": count},
        )
    value = bulk.posted_value(request, action)

    def done(count: int) -> str:
        if action == "delete":
            text = ngettext(
                "%(count)d organization was moved to the Trash.",
                "%(count)d organizations were moved to the Trash.",
                count,
            )
        else:
            text = ngettext(
                "%(count)d organization was changed.",
                "%(count)d organizations were changed.",
                count,
            )
        return text % {"count": count}

    return bulk.finish(
        request,
        next_url,
        lambda: services.organizations_bulk(
            actor=request.user, organizations=organizations, action=action, value=value
        ),
        done=done,
        refused=_("You may not do this to every selected organization, so nothing was changed."),
    )


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


class OrganizationMixin(ObjectMixin):
    model = Organization
    namespace = "organizations"
    record_name = "organization"

    def get_queryset(self, request: AuthedRequest) -> QuerySet[Organization]:
        return (
            Organization.objects.restrict(request.user, Action.VIEW)
            .select_related("kind", "owner", "team")
            .prefetch_related("tags", "phones", "addresses")
        )


class OrganizationColumnsView(OrganizationMixin, ObjectColumnsView):
    list_view = OrganizationListView


list_view = OrganizationListView.as_view()
columns_view = OrganizationColumnsView.as_view()


class OrganizationView(OrganizationMixin, ObjectView):
    template_name = "organizations/detail.html"
    custom_fields = _custom_fields

    def protected_context(
        self, request: AuthedRequest, organization: Organization
    ) -> dict[str, Any]:
        """Protected fields the user may not read left out (ADR 0027); a sensitive value shown
        is an audit entry."""
        access = field_access(request.user, Entity.ORGANIZATION)
        shown = shown_protected(access, record_values(access, organization))
        mask_record(access, organization)
        audit_read(request.user, organization, shown, "page")
        return {
            "custom_values": custom_values(
                access.readable_custom(_custom_fields()),
                open_custom(access, organization.custom_fields),
            ),
            "hidden_fields": access.hidden,
        }

    def extra_context(self, request: AuthedRequest, record: Any) -> dict[str, Any]:
        organization: Organization = record
        visible = Organization.objects.restrict(request.user, Action.VIEW)
        parent = (
            visible.filter(pk=organization.parent_id).first() if organization.parent_id else None
        )
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
        return {
            **self.protected_context(request, organization),
            "parent": parent,
            "subsidiaries": subsidiaries[:RELATED_LIMIT],
            "more_subsidiaries": len(subsidiaries) > RELATED_LIMIT,
            "affiliations": affiliations[:RELATED_LIMIT],
            "more_people": len(affiliations) > RELATED_LIMIT,
        }


class OrganizationEditView(OrganizationMixin, ObjectEditView):
    form_class = OrganizationForm
    template_name = "organizations/form.html"
    create = services.organization_create
    update = services.organization_update
    conflict_message = CONFLICT_MESSAGE

    def form_extra_context(self, request: AuthedRequest) -> dict[str, Any]:
        return {"tags": list(Tag.objects.all())}


class OrganizationDeleteView(OrganizationMixin, ObjectDeleteView):
    delete = services.organization_delete


class OrganizationRestoreView(OrganizationMixin, ObjectRestoreView):
    restore = services.organization_restore


detail_view = OrganizationView.as_view()
create_view = edit_view = OrganizationEditView.as_view()
delete_view = OrganizationDeleteView.as_view()
restore_view = OrganizationRestoreView.as_view()
