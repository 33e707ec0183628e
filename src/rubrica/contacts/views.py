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
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rubrica.accounts.models import User
from rubrica.contacts import photo_stash, services
from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.forms import AffiliationForm, ContactFilterForm, ContactForm
from rubrica.contacts.models import Contact, Gender
from rubrica.contacts.selectors import contact_detail_qs, contact_list
from rubrica.core.ids import parse_id
from rubrica.core.models import Action
from rubrica.core.pagination import Page
from rubrica.core.services import ConflictError
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.kits.web.access import AuthedRequest, can, require, require_can_create
from rubrica.kits.web.list_scopes import resolve_scopes, scope_bulk
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
)
NAME_COLUMN = Column("name", gettext_lazy("Name"), "name")
DEFAULT_COLUMNS = ("email", "phone", "organization", "city", "stage", "tags")
COLUMNS_SESSION_KEY = "contacts.columns"
MAX_BULK = 500
CONFLICT_MESSAGE = gettext_lazy(
    "Someone else changed this person while you were editing — reload to see their changes. "
    "Nothing was saved."
)


# List ----------------------------------------------------------------------------------------


def _list_definitions() -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(entity=Entity.CONTACT, show_in_list=True))


def _available_columns(definitions: list[CustomFieldDefinition]) -> list[Column]:
    return [*COLUMNS, *custom_columns(definitions)]


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


@login_required
@require_GET
def list_view(request: AuthedRequest) -> HttpResponse:
    definitions = _list_definitions()
    available = _available_columns(definitions)
    columns = chosen_columns(request, COLUMNS_SESSION_KEY, available, DEFAULT_COLUMNS)
    params, org_errors, org_label = _organization_params(request)
    flt, errors = ContactFilter.parse(params)
    errors.update(org_errors)
    # Scopes other apps add (a saved segment: ?segment=ID), kits/web/list_scopes.py.
    scoped = resolve_scopes(request.user, Contact, request.GET)
    errors.update(scoped.errors)
    size = page_size(request)
    cursor = request.GET.get("cursor") or None

    def listed(cursor: str | None) -> Page[Contact]:
        return scoped.page(
            request.user,
            flt,
            cursor,
            size,
            own=lambda: contact_list(user=request.user, flt=flt, cursor=cursor, size=size),
        )

    try:
        page = listed(cursor)
    except ValidationError as exc:
        errors.update({key: "; ".join(value) for key, value in exc.message_dict.items()})
        page = listed(None)
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
    partial = wants_partial(request, "results")
    context: dict[str, Any] = {
        "page": page,
        "rows": rows,
        "columns": columns,
        "available_columns": available,
        "chosen_keys": [column.key for column in columns],
        "name_column": NAME_COLUMN,
        "header_cells": header_cells([NAME_COLUMN, *columns], flt.sort),
        "sort": flt.sort,
        "size": size,
        "page_sizes": PAGE_SIZES,
        "filtered": filters_active(request.GET),
        "quick_search": flt.q,
        "can_write": not request.user.is_read_only,
        "partial": partial,
    }
    tags = list(Tag.objects.all())
    stages = list(LifecycleStage.objects.all())
    users = list(User.objects.filter(is_active=True).order_by("username"))
    context.update(tags=tags, bulk_stages=stages, bulk_users=users)
    context.update(scoped.context(request.user))
    data = request.GET.copy()
    if org_label:
        data.setlist("organization", [org_label])
    form = ContactFilterForm(data, definitions=definitions, tags=tags, stages=stages, users=users)
    context["filter_form"] = form
    context["filter_errors"] = labelled_errors(form, errors)
    template = "contacts/_results.html" if partial else "contacts/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@require_POST
def columns_view(request: AuthedRequest) -> HttpResponse:
    """Remember which columns this person shows (in the session)."""
    save_columns(request, COLUMNS_SESSION_KEY, _available_columns(_list_definitions()))
    return redirect(safe_next(request, reverse("contacts:list")))


@login_required
@require_POST
def bulk_view(request: AuthedRequest) -> HttpResponse:
    """One action on the selected people, all or nothing, through contacts_bulk."""
    next_url = safe_next(request, reverse("contacts:list"))
    require_can_create(request.user)
    ids = [i for i in map(parse_id, request.POST.getlist("selected")) if i][:MAX_BULK]
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
        return render(
            request,
            "contacts/bulk_delete_confirm.html",
            {"contacts": contacts, "next": next_url},
        )
    value: Any = {
        "tag": request.POST.get("tag", "").strip(),
        "untag": request.POST.get("tag", "").strip(),
        "stage": request.POST.get("stage", "").strip() or None,
        "owner": request.POST.get("owner", "").strip(),
    }.get(action)
    try:
        count = services.contacts_bulk(
            actor=request.user, contacts=contacts, action=action, value=value
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(
            request,
            _("You may not do this to every selected person, so nothing was changed."),
        )
    else:
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
        messages.success(request, text % {"count": count})
    return redirect(next_url)


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


def _detail_context(request: AuthedRequest, contact: Contact, **extra: Any) -> dict[str, Any]:
    definitions = list(CustomFieldDefinition.objects.filter(entity=Entity.CONTACT))
    can_change = can(request.user, contact, Action.CHANGE)
    context = {
        "contact": contact,
        "can_change": can_change,
        "can_delete": can(request.user, contact, Action.DELETE),
        "custom_values": custom_values(definitions, contact.custom_fields),
        "affiliations": _affiliations(request, contact),
        "gender_label": dict(Gender.choices).get(contact.gender, "") if contact.gender else "",
        "today": timezone.localdate(),
    }
    if can_change and "affiliation_form" not in extra:
        context["affiliation_form"] = AffiliationForm(user=request.user)
    context.update(extra)
    return context


@login_required
@require_GET
def detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(contact_detail_qs(request.user, Action.VIEW), pk=pk)
    return render(request, "contacts/detail.html", _detail_context(request, contact))


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


def _form_context(form: ContactForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, "tags": list(Tag.objects.all()), **extra}


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
    try:
        token = _warning_photo_token(request, form)
    except ValidationError as exc:
        form.apply_service_errors(exc)
        form.mark_invalid()
        return render(request, "contacts/form.html", _form_context(form, **extra), status=400)
    context = _form_context(form, duplicates=duplicates, photo_token=token, **extra)
    return render(request, "contacts/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def create_view(request: AuthedRequest) -> HttpResponse:
    require_can_create(request.user)
    if request.method != "POST":
        form = ContactForm(user=request.user)
        return render(request, "contacts/form.html", _form_context(form))
    form = ContactForm(request.POST, request.FILES, user=request.user)
    status = 400
    if form.is_valid():
        photo, token = _chosen_photo(request, form)
        try:
            with transaction.atomic():
                contact = services.contact_create(
                    actor=request.user,
                    data=form.to_data(),
                    allow_duplicates=_duplicates_allowed(request),
                )
                if photo:
                    contact = services.contact_set_photo(
                        actor=request.user, contact=contact, photo=photo
                    )
        except services.DuplicatesFound as exc:
            return _warning_or_error(request, form, exc.candidates)
        except ValidationError as exc:
            form.apply_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
            status = 403
        else:
            photo_stash.photo_stash_discard(actor=request.user, token=token)
            messages.success(request, _("%(name)s was added.") % {"name": contact.display_name})
            return redirect(contact)
    form.mark_invalid()
    context = _form_context(form, photo_token=_kept_photo_token(request))
    return render(request, "contacts/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_view(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(contact_detail_qs(request.user, Action.VIEW), pk=pk)
    require(request.user, contact, Action.CHANGE)
    if request.method != "POST":
        form = ContactForm(user=request.user, contact=contact)
        return render(request, "contacts/form.html", _form_context(form, contact=contact))
    form = ContactForm(request.POST, request.FILES, user=request.user, contact=contact)
    status = 400
    if form.is_valid():
        photo, token = _chosen_photo(request, form)
        try:
            with transaction.atomic():
                updated = services.contact_update(
                    actor=request.user,
                    contact=contact,
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
        except services.DuplicatesFound as exc:
            return _warning_or_error(request, form, exc.candidates, contact=contact)
        except ConflictError:
            form.add_error(None, str(CONFLICT_MESSAGE))
            status = 409
        except ValidationError as exc:
            form.apply_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
            status = 403
        else:
            photo_stash.photo_stash_discard(actor=request.user, token=token)
            messages.success(request, _("%(name)s was saved.") % {"name": updated.display_name})
            return redirect(updated)
    form.mark_invalid()
    context = _form_context(form, contact=contact, photo_token=_kept_photo_token(request))
    return render(request, "contacts/form.html", context, status=status)


# Trash ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return delete_record(
        request,
        pk,
        model=Contact,
        namespace="contacts",
        delete=lambda actor, record: services.contact_delete(actor=actor, contact=record),
    )


@login_required
@require_POST
def restore_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return restore_record(
        request,
        pk,
        model=Contact,
        restore=lambda actor, record: services.contact_restore(actor=actor, contact=record),
    )


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
