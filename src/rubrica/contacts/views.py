"""Web pages for people. Views only translate: they read through restrict()/selectors and write
through contacts.services; a person the user may not see answers 404, one they may see but not
change answers 403. The services own the write protocol: the form's version is passed as
``expected_version`` and "Save anyway" as ``allow_duplicates``; the duplicate warning is shown
from the service's DuplicatesFound."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.forms import Form
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rubrica.accounts.models import User
from rubrica.contacts import photo_stash, services
from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.forms import AffiliationForm, ContactFilterForm, ContactForm
from rubrica.contacts.models import Contact, Gender
from rubrica.contacts.selectors import contact_detail_qs, contact_list
from rubrica.core.models import Action
from rubrica.core.pagination import Page
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.customfields.protection import (
    audit_read,
    field_access,
    mask_record,
    open_custom,
    protected_names,
    record_values,
    shown_protected,
    visible_phones,
)
from rubrica.customfields.services import definitions_for
from rubrica.kits.web import bulk
from rubrica.kits.web.access import AuthedRequest, require, require_can_create
from rubrica.kits.web.generic import (
    ObjectColumnsView,
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    ObjectMixin,
    ObjectRestoreView,
    ObjectView,
)
from rubrica.kits.web.list_scopes import resolve_scopes, scope_bulk
from rubrica.kits.web.lists import (
    Column,
    safe_next,
)
from rubrica.kits.web.templatetags.rubrica_web import custom_values
from rubrica.organizations import services as organization_services
from rubrica.organizations.forms import organization_ref, resolve_organization
from rubrica.organizations.models import Affiliation, Organization
from rubrica.taxonomy.models import LifecycleStage, Tag

logger = logging.getLogger(__name__)

COLUMNS = (
    Column("email", gettext_lazy("Email"), "email"),
    Column("phone", gettext_lazy("Phone")),
    Column("organization", gettext_lazy("Organization")),
    Column("title", gettext_lazy("Job title")),
    Column("city", gettext_lazy("City"), "city"),
    Column("country", gettext_lazy("Country"), "country"),
    Column("stage", gettext_lazy("Stage")),
    Column("tags", gettext_lazy("Tags")),
    Column("owner", gettext_lazy("Owner")),
    Column("created", gettext_lazy("Created"), "created"),
    Column("updated", gettext_lazy("Updated"), "updated"),
    Column("last_interaction", gettext_lazy("Last interaction"), "last_interaction"),
)
NAME_COLUMN = Column("name", gettext_lazy("Name"), "name")
DEFAULT_COLUMNS = ("email", "phone", "organization", "city", "stage", "tags")
COLUMNS_SESSION_KEY = "contacts.columns"
CONFLICT_MESSAGE = gettext_lazy(
    "Someone else changed this person while you were editing — reload to see their changes. "
    "Nothing was saved."
)


# List ----------------------------------------------------------------------------------------


def _custom_fields() -> list[CustomFieldDefinition]:
    return definitions_for(Entity.CONTACT)


def _list_custom_fields() -> list[CustomFieldDefinition]:
    """The custom fields a list may show as columns: never a sensitive one (ADR 0027)."""
    return [d for d in definitions_for(Entity.CONTACT) if not d.sensitive]


def _organization_params(request: AuthedRequest) -> tuple[QueryDict, dict[str, str], str]:
    """The query with ``organization`` names (typed in the filter) turned into ids, an error
    when a name finds nothing, and the label to show for the organization filter."""
    params = request.GET.copy()
    errors: dict[str, str] = {}
    label = ""
    values = [value for value in params.getlist("organization") if value.strip()]
    resolved: list[str] = []
    for value in values:
        organization, error = resolve_organization(request.user, value)
        if organization is None:
            errors["organization"] = error
            resolved.append("0")
            continue
        resolved.append(str(organization.pk))
        label = organization_ref(organization)
    if values:
        params.setlist("organization", resolved)
    return params, errors, label


class ContactListView(ObjectListView):
    """The people list; beyond the generic list: organization names in the filter, the scopes
    other apps add (kits/web/list_scopes.py: a saved segment), rows that show an organization
    only to those who may see it, and the choices of the bulk actions."""

    model = Contact
    namespace = "contacts"
    filter_class = ContactFilter
    list_selector = contact_list
    filter_form_class = ContactFilterForm
    columns = COLUMNS
    name_column = NAME_COLUMN
    default_columns = DEFAULT_COLUMNS
    columns_session_key = COLUMNS_SESSION_KEY
    custom_fields = _list_custom_fields
    template_name = "contacts/list.html"
    partial_template_name = "contacts/_results.html"

    def parse_filter(self, request: AuthedRequest) -> tuple[Any, dict[str, str]]:
        params, org_errors, self.org_label = _organization_params(request)
        flt, errors = ContactFilter.parse(params)
        errors.update(org_errors)
        # Scopes other apps add (a saved segment: ?segment=ID), kits/web/list_scopes.py.
        self.scoped = resolve_scopes(request.user, Contact, request.GET)
        errors.update(self.scoped.errors)
        return flt, errors

    def list_page(
        self, request: AuthedRequest, flt: Any, cursor: str | None, size: int
    ) -> Page[Contact]:
        page: Page[Contact] = self.scoped.page(
            request.user,
            flt,
            cursor,
            size,
            own=lambda: contact_list(user=request.user, flt=flt, cursor=cursor, size=size),
        )
        if (
            "addresses" in protected_names(Entity.CONTACT)  # cached: no query when unprotected
            and "addresses" in field_access(request.user, Entity.CONTACT).hidden
        ):
            for contact in page.items:  # in memory only: the place column shows nothing
                contact.city = contact.country = ""
        return page

    def extra_context(self, request: AuthedRequest, flt: Any, page: Page[Any]) -> dict[str, Any]:
        organization_ids = {c.organization_id for c in page.items if c.organization_id}
        visible_organizations = set(
            Organization.objects.restrict(request.user, Action.VIEW)
            .filter(pk__in=organization_ids)
            .values_list("pk", flat=True)
            if organization_ids
            else []
        )
        rows = [
            {"contact": c, "organization_visible": c.organization_id in visible_organizations}
            for c in page.items
        ]
        self.tags = list(Tag.objects.all())
        self.stages = list(LifecycleStage.objects.all())
        self.users = list(User.objects.filter(is_active=True).order_by("username"))
        context: dict[str, Any] = {
            "rows": rows,
            "quick_search": flt.q,
            "tags": self.tags,
            "bulk_stages": self.stages,
            "bulk_users": self.users,
        }
        context.update(self.scoped.context(request.user))
        return context

    def filter_form(self, request: AuthedRequest, definitions: list[Any]) -> Form:
        data = request.GET.copy()
        if self.org_label:
            data.setlist("organization", [self.org_label])
        return ContactFilterForm(
            data, definitions=definitions, tags=self.tags, stages=self.stages, users=self.users
        )


@login_required
@require_POST
def bulk_view(request: AuthedRequest) -> HttpResponse:
    """One action on the selected people, all or nothing, through contacts_bulk."""
    next_url = safe_next(request, reverse("contacts:list"))
    require_can_create(request.user)
    ids = bulk.selected_ids(request)
    action = request.POST.get("action", "")
    if not ids:
        messages.warning(request, _("Select at least one person first."))
        return redirect(next_url)
    scope_bulk_action = scope_bulk(Contact, action)
    if scope_bulk_action is not None:
        return scope_bulk_action(request, ids, next_url)
    if action not in services.BULK_ACTIONS:
        messages.error(request, _("Choose what to do with the selected people."))
        return redirect(next_url)
    contacts = list(
        Contact.objects.restrict(request.user, Action.VIEW)
        .filter(pk__in=ids)
        .prefetch_related("tags")
    )
    if not contacts:
        messages.warning(request, _("Select at least one person first."))
        return redirect(next_url)
    if action == "delete" and request.POST.get("confirmed") != "yes":
        count = len(contacts)
        return bulk.confirm_delete(
            request,
            records=contacts,
            names=[contact.display_name for contact in contacts],
            action_url=reverse("contacts:bulk"),
            next_url=next_url,
            title=_("Delete people"),
            heading=ngettext(
                "Move %(counter)s person to the Trash?",
                "Move %(counter)s people to the Trash?",
                count,
            )
            % {"counter": count},
        )
    value = bulk.posted_value(request, action)

    def done(count: int) -> str:
        if action == "delete":
            text = ngettext(
                "%(count)d person was moved to the Trash.",
                "%(count)d people were moved to the Trash.",
                count,
            )
        else:
            text = ngettext(
                "%(count)d person was changed.", "%(count)d people were changed.", count
            )
        return text % {"count": count}

    return bulk.finish(
        request,
        next_url,
        lambda: services.contacts_bulk(
            actor=request.user, contacts=contacts, action=action, value=value
        ),
        done=done,
        refused=_("You may not do this to every selected person, so nothing was changed."),
    )


# Detail --------------------------------------------------------------------------------------


def _affiliations(request: AuthedRequest, contact: Contact) -> list[Affiliation]:
    """The person's affiliations with organizations this user may see (others stay hidden)."""
    affiliations = list(contact.affiliations.all())
    visible = set(
        Organization.objects.restrict(request.user, Action.VIEW)
        .filter(pk__in={a.organization_id for a in affiliations})
        .values_list("pk", flat=True)
    )
    return [a for a in affiliations if a.organization_id in visible]


class ContactMixin(ObjectMixin):
    model = Contact
    namespace = "contacts"
    record_name = "contact"

    def get_queryset(self, request: AuthedRequest) -> QuerySet[Contact]:
        return contact_detail_qs(request.user, Action.VIEW)


class ContactColumnsView(ContactMixin, ObjectColumnsView):
    list_view = ContactListView


list_view = ContactListView.as_view()
columns_view = ContactColumnsView.as_view()


class ContactView(ContactMixin, ObjectView):
    template_name = "contacts/detail.html"
    custom_fields = _custom_fields

    def extra_context(self, request: AuthedRequest, record: Any) -> dict[str, Any]:
        contact: Contact = record
        return {
            "affiliations": _affiliations(request, contact),
            "gender_label": dict(Gender.choices).get(contact.gender, "") if contact.gender else "",
            "today": timezone.localdate(),
        }

    def get_context(self, request: AuthedRequest, record: Any, **extra: Any) -> dict[str, Any]:
        """The page's context; ``extra`` (an affiliation form with its errors) goes over it.
        Protected fields the user may not read are left out (ADR 0027); a sensitive value shown
        is an audit entry."""
        access = field_access(request.user, Entity.CONTACT)
        shown = shown_protected(access, record_values(access, record))
        mask_record(access, record)
        record.visible_addresses = (
            [] if "addresses" in access.hidden else list(record.addresses.all())
        )
        record.visible_phones = visible_phones(access, record.phones.all())
        context = super().get_context(request, record)
        context["custom_values"] = custom_values(
            access.readable_custom(_custom_fields()), open_custom(access, record.custom_fields)
        )
        context["hidden_fields"] = access.hidden
        audit_read(request.user, record, shown, "page")
        if context["can_change"] and "affiliation_form" not in extra:
            context["affiliation_form"] = AffiliationForm(user=request.user)
        context.update(extra)
        return context


def _detail_context(request: AuthedRequest, contact: Contact, **extra: Any) -> dict[str, Any]:
    return ContactView().get_context(request, contact, **extra)


detail_view = ContactView.as_view()


_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@login_required
@require_GET
def photo_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The photo, served only to those who may see the person (never from a public URL)."""
    contact = get_object_or_404(Contact.objects.restrict(request.user, Action.VIEW), pk=pk)
    if not contact.photo:
        raise Http404
    try:
        handle = contact.photo.open("rb")
    except OSError:
        raise Http404 from None
    head = handle.read(12)
    handle.seek(0)
    content_type = "application/octet-stream"
    for signature, kind in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            content_type = kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        content_type = "image/webp"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = "inline"
    return response


# Create / edit -------------------------------------------------------------------------------


def _duplicates_allowed(request: AuthedRequest) -> bool:
    """The person saw the duplicate warning and chose "Save anyway"."""
    return bool(request.POST.get("confirm_duplicates"))


PHOTO_STASH_FIELD = "photo_token"


def _warning_photo_token(request: AuthedRequest, form: ContactForm) -> str:
    """Before showing the duplicate warning: keep the photo just chosen (browsers never refill a
    file input) so that "Save anyway" saves it too, or carry on a stash the form already had.
    Returns its token, "" when there is none. Raises ValidationError for a file that is no
    image, like saving would."""
    photo = form.cleaned_data.get("photo")
    if photo:
        try:
            return photo_stash.photo_stash(actor=request.user, photo=photo)
        except OSError:
            logger.exception("could not keep the chosen photo across the duplicate warning")
            return ""
    return _kept_photo_token(request)


def _kept_photo_token(request: AuthedRequest) -> str:
    """The token the form sent, when it names a photo of this user's still kept (else ""):
    the form comes back carrying it (another warning, a failed save), so the photo is not
    lost."""
    token = request.POST.get(PHOTO_STASH_FIELD, "")
    return token if photo_stash.photo_stash_exists(actor=request.user, token=token) else ""


def _chosen_photo(request: AuthedRequest, form: ContactForm) -> tuple[Any, str]:
    """The photo to save: the file chosen now, else the one kept across the duplicate warning
    (only from this user's own stash; an unknown token gives none). Also the token to discard
    once saved."""
    token = request.POST.get(PHOTO_STASH_FIELD, "")
    photo = form.cleaned_data.get("photo")
    if not photo and token:
        photo = photo_stash.photo_stashed(actor=request.user, token=token)
    return photo, token


def _warning_or_error(
    request: AuthedRequest, form: ContactForm, duplicates: list[Any], **extra: Any
) -> HttpResponse:
    """The form again with the duplicate warning, or, when the chosen photo is no image, with
    that error next to the photo input instead (the usual 400)."""
    context = {"form": form, "tags": list(Tag.objects.all()), **extra}
    try:
        token = _warning_photo_token(request, form)
    except ValidationError as exc:
        form.apply_service_errors(exc)
        form.mark_invalid()
        return render(request, "contacts/form.html", context, status=400)
    context.update(duplicates=duplicates, photo_token=token)
    return render(request, "contacts/form.html", context)


class ContactEditView(ContactMixin, ObjectEditView):
    """Add or edit a person; beyond the generic form: the photo (kept across the duplicate
    warning by photo_stash) and the duplicate warning ("Save anyway")."""

    form_class = ContactForm
    template_name = "contacts/form.html"
    create = services.contact_create
    update = services.contact_update
    conflict_message = CONFLICT_MESSAGE
    handled_errors = (services.DuplicatesFound,)

    def form_extra_context(self, request: AuthedRequest) -> dict[str, Any]:
        return {"tags": list(Tag.objects.all())}

    def form_context(
        self, request: AuthedRequest, form: Any, record: Any, *, failed: bool = False
    ) -> dict[str, Any]:
        context = super().form_context(request, form, record, failed=failed)
        if failed:
            context["photo_token"] = _kept_photo_token(request)
        return context

    def save(self, request: AuthedRequest, form: Any, record: Any) -> Contact:
        photo, self.photo_token = _chosen_photo(request, form)
        with transaction.atomic():
            if record is None:
                contact = services.contact_create(
                    actor=request.user,
                    data=form.to_data(),
                    allow_duplicates=_duplicates_allowed(request),
                )
                if photo:
                    contact = services.contact_set_photo(
                        actor=request.user, contact=contact, photo=photo
                    )
                return contact
            updated = services.contact_update(
                actor=request.user,
                contact=record,
                data=form.to_data(),
                expected_version=form.cleaned_data["version"],
                allow_duplicates=_duplicates_allowed(request),
            )
            if photo:
                updated = services.contact_set_photo(
                    actor=request.user,
                    contact=updated,
                    photo=photo,
                    expected_version=updated.version,
                )
            elif form.cleaned_data.get("remove_photo") and updated.photo:
                updated = services.contact_set_photo(
                    actor=request.user,
                    contact=updated,
                    photo=None,
                    expected_version=updated.version,
                )
            return updated

    def respond_to(
        self, request: AuthedRequest, form: Any, record: Any, exc: Exception
    ) -> HttpResponse:
        assert isinstance(exc, services.DuplicatesFound)
        extra = {"contact": record} if record is not None else {}
        return _warning_or_error(request, form, exc.candidates, **extra)

    def saved(self, request: AuthedRequest, record: Any, saved: Any) -> HttpResponse:
        photo_stash.photo_stash_discard(actor=request.user, token=self.photo_token)
        return super().saved(request, record, saved)


create_view = edit_view = ContactEditView.as_view()


# Trash ---------------------------------------------------------------------------------------


class ContactDeleteView(ContactMixin, ObjectDeleteView):
    delete = services.contact_delete


class ContactRestoreView(ContactMixin, ObjectRestoreView):
    restore = services.contact_restore


delete_view = ContactDeleteView.as_view()
restore_view = ContactRestoreView.as_view()


# Affiliations --------------------------------------------------------------------------------


def _changeable_contact(request: AuthedRequest, pk: int) -> Contact:
    contact = get_object_or_404(contact_detail_qs(request.user, Action.VIEW), pk=pk)
    require(request.user, contact, Action.CHANGE)
    return contact


@login_required
@require_http_methods(["GET", "POST"])
def affiliation_add_view(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _changeable_contact(request, pk)
    if request.method != "POST":
        form = AffiliationForm(user=request.user)
        return render(request, "contacts/affiliation_form.html", {"contact": contact, "form": form})
    form = AffiliationForm(request.POST, user=request.user)
    if form.is_valid() and form.chosen_organization is not None:
        try:
            organization_services.affiliation_create(
                actor=request.user,
                contact=contact,
                organization=form.chosen_organization,
                data=form.to_data(),
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(
                request,
                _("%(name)s is now linked to %(organization)s.")
                % {"name": contact.display_name, "organization": form.chosen_organization.name},
            )
            return redirect(contact)
    return render(
        request, "contacts/affiliation_form.html", {"contact": contact, "form": form}, status=400
    )


def _affiliation(
    request: AuthedRequest, pk: int, affiliation_pk: int
) -> tuple[Contact, Affiliation]:
    contact = _changeable_contact(request, pk)
    affiliation = get_object_or_404(
        Affiliation.objects.select_related("organization", "contact"),
        pk=affiliation_pk,
        contact=contact,
        organization__in=Organization.objects.restrict(request.user, Action.VIEW),
    )
    return contact, affiliation


@login_required
@require_http_methods(["GET", "POST"])
def affiliation_edit_view(request: AuthedRequest, pk: int, affiliation_pk: int) -> HttpResponse:
    contact, affiliation = _affiliation(request, pk, affiliation_pk)
    context: dict[str, Any] = {"contact": contact, "affiliation": affiliation}
    if request.method != "POST":
        initial = {
            "title": affiliation.title,
            "department": affiliation.department,
            "start_date": affiliation.start_date.isoformat() if affiliation.start_date else "",
            "end_date": affiliation.end_date.isoformat() if affiliation.end_date else "",
            "is_primary": affiliation.is_primary,
        }
        context["form"] = AffiliationForm(user=request.user, adding=False, initial=initial)
        return render(request, "contacts/affiliation_form.html", context)
    form = AffiliationForm(request.POST, user=request.user, adding=False)
    context["form"] = form
    if form.is_valid():
        try:
            organization_services.affiliation_update(
                actor=request.user, affiliation=affiliation, data=form.to_data()
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(request, _("The affiliation was saved."))
            return redirect(contact)
    return render(request, "contacts/affiliation_form.html", context, status=400)


@login_required
@require_POST
def affiliation_end_view(request: AuthedRequest, pk: int, affiliation_pk: int) -> HttpResponse:
    """End a current affiliation today (the person moved on; the history stays)."""
    contact, affiliation = _affiliation(request, pk, affiliation_pk)
    today: dt.date = timezone.localdate()
    try:
        organization_services.affiliation_update(
            actor=request.user,
            affiliation=affiliation,
            data={"end_date": today},
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The affiliation with %(organization)s was ended.")
            % {"organization": affiliation.organization.name},
        )
    return redirect(contact)


@login_required
@require_POST
def affiliation_remove_view(request: AuthedRequest, pk: int, affiliation_pk: int) -> HttpResponse:
    contact, affiliation = _affiliation(request, pk, affiliation_pk)
    name = affiliation.organization.name
    organization_services.affiliation_delete(actor=request.user, affiliation=affiliation)
    messages.success(
        request, _("The affiliation with %(organization)s was removed.") % {"organization": name}
    )
    return redirect(contact)
