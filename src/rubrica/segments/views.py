"""Web pages for segments. A segment's people are shown by the people list itself
(``/people/?segment=<id>``), so filters, sorting, paging and bulk actions work on them unchanged.

Views only translate: reads start from ``segment_qs`` (a segment the user may not see answers
404), writes go through segments.services.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rubrica.accounts.models import User
from rubrica.contacts.models import Contact
from rubrica.core.ids import parse_id
from rubrica.core.models import Action
from rubrica.core.services import ConflictError
from rubrica.kits.web.access import AuthedRequest, require_can_create
from rubrica.kits.web.lists import labelled_errors, safe_next
from rubrica.segments import services
from rubrica.segments.forms import (
    SegmentForm,
    filter_form,
    list_params,
    posted_filters,
    prefixed,
    resolve_organizations,
    stored_as_params,
)
from rubrica.segments.models import Segment, SegmentKind
from rubrica.segments.selectors import (
    changeable_static_segments,
    segment_count,
    segment_list,
    segment_qs,
)


def _can(user: User, segment: Segment, action: str) -> bool:
    return Segment.permission_policy.user_can(user, action, segment)


@login_required
@require_GET
def list_view(request: AuthedRequest) -> HttpResponse:
    """The segments this user may see, with each one's bounded count of *their* people."""
    try:
        page = segment_list(request.user, cursor=request.GET.get("cursor") or None)
    except ValidationError:
        page = segment_list(request.user)
    changeable = set(
        Segment.objects.restrict(request.user, Action.CHANGE)
        .filter(pk__in=[s.pk for s in page.items])
        .values_list("pk", flat=True)
    )
    deletable = set(
        Segment.objects.restrict(request.user, Action.DELETE)
        .filter(pk__in=[s.pk for s in page.items])
        .values_list("pk", flat=True)
    )
    rows = [
        {
            "segment": segment,
            "count": segment_count(request.user, segment),
            "can_change": segment.pk in changeable,
            "can_delete": segment.pk in deletable,
        }
        for segment in page.items
    ]
    return render(
        request,
        "segments/list.html",
        {"page": page, "rows": rows, "can_write": not request.user.is_read_only},
    )


@login_required
@require_GET
def detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """A segment opens as the people list narrowed to it."""
    segment = get_object_or_404(segment_qs(request.user), pk=pk)
    return redirect(f"{reverse('contacts:list')}?{urlencode({'segment': segment.pk})}")


def _form_context(
    request: AuthedRequest,
    form: SegmentForm,
    filter_data: QueryDict,
    filter_errors: dict[str, str],
    **extra: Any,
) -> dict[str, Any]:
    panel = filter_form(filter_data, request.user)
    organizations = filter_data.getlist("filter-organization")
    return {
        "form": form,
        "filter_form": panel,
        "extra_organizations": organizations[:-1],
        "filter_errors": labelled_errors(panel, filter_errors),
        **extra,
    }


def _save(
    request: AuthedRequest, form: SegmentForm, segment: Segment | None
) -> tuple[Segment | None, dict[str, str], int]:
    """Call the service with the form's data; returns (segment, filter errors, status)."""
    filter_errors: dict[str, str] = {}
    if not form.is_valid():
        return None, filter_errors, 400
    data = form.to_data()
    kind = segment.kind if segment is not None else data.get("kind")
    if kind == SegmentKind.DYNAMIC:
        params, org_errors = resolve_organizations(request.user, posted_filters(request.POST))
        data["filters"] = params
    else:
        org_errors = {}
    try:
        if org_errors:
            raise ValidationError(org_errors)
        if segment is None:
            saved = services.segment_create(actor=request.user, data=data)
        else:
            saved = services.segment_update(
                actor=request.user,
                segment=segment,
                data=data,
                expected_version=parse_id(request.POST.get("version")),
            )
    except ValidationError as exc:
        for key, messages_ in exc.message_dict.items():
            if key.startswith("filters."):
                filter_errors[key.removeprefix("filters.")] = "; ".join(messages_)
            else:
                form.apply_service_errors(ValidationError({key: messages_}))
        return None, filter_errors, 400
    except ConflictError:
        form.add_error(
            None,
            _("Someone else changed this segment meanwhile — reload to see it. Nothing was saved."),
        )
        return None, filter_errors, 409
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You may not do this."))
        return None, filter_errors, 403
    return saved, filter_errors, 200


@login_required
@require_http_methods(["GET", "POST"])
def create_view(request: AuthedRequest) -> HttpResponse:
    """A new segment; the people list's "Save as segment" opens this page with its filters."""
    require_can_create(request.user, Segment)
    if request.method != "POST":
        initial = {"kind": request.GET.get("kind") or SegmentKind.DYNAMIC}
        form = SegmentForm(user=request.user, initial=initial)
        filter_data = prefixed(list_params(request.GET))
        return render(request, "segments/form.html", _form_context(request, form, filter_data, {}))
    form = SegmentForm(request.POST, user=request.user)
    saved, filter_errors, status = _save(request, form, None)
    if saved is not None:
        messages.success(request, _("The segment %(name)s was saved.") % {"name": saved.name})
        return redirect(saved)
    form.mark_invalid()
    context = _form_context(request, form, request.POST, filter_errors)
    return render(request, "segments/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_view(request: AuthedRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(segment_qs(request.user), pk=pk)
    if not _can(request.user, segment, Action.CHANGE):
        raise PermissionDenied
    extra = {"segment": segment}
    if request.method != "POST":
        form = SegmentForm(user=request.user, segment=segment)
        filter_data = prefixed(stored_as_params(request.user, segment.filters))
        context = _form_context(request, form, filter_data, {}, **extra)
        return render(request, "segments/form.html", context)
    form = SegmentForm(request.POST, user=request.user, segment=segment)
    saved, filter_errors, status = _save(request, form, segment)
    if saved is not None:
        messages.success(request, _("The segment %(name)s was saved.") % {"name": saved.name})
        return redirect("segments:list")
    form.mark_invalid()
    context = _form_context(request, form, request.POST, filter_errors, **extra)
    return render(request, "segments/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the segment (never the people in it)."""
    segment = get_object_or_404(segment_qs(request.user), pk=pk)
    if not _can(request.user, segment, Action.DELETE):
        raise PermissionDenied
    if request.method != "POST":
        return render(request, "segments/confirm_delete.html", {"segment": segment})
    services.segment_delete(actor=request.user, segment=segment)
    messages.success(request, _("The segment %(name)s was deleted.") % {"name": segment.name})
    return redirect("segments:list")


@login_required
@require_POST
def add_members_view(request: AuthedRequest) -> HttpResponse:
    """The page "Add to segment" posts to (it is also reached through contacts:bulk)."""
    ids = [i for i in map(parse_id, request.POST.getlist("selected")) if i][:MAX_SELECTED]
    return bulk_members(request, ids, safe_next(request, reverse("contacts:list")))


#: As many people as the people list's bulk actions take at once.
MAX_SELECTED = 500


def _choose_segment(
    request: AuthedRequest, ids: list[int], next_url: str, error: str = "", status: int = 200
) -> HttpResponse:
    """Which saved selection to add the selected people to (or a new one). Asked on its own
    page so that the people list itself runs no query for it."""
    contacts = list(
        Contact.objects.restrict(request.user, Action.VIEW)
        .filter(pk__in=ids)
        .order_by("sort_name", "id")
    )
    context = {
        "contacts": contacts,
        "segments": changeable_static_segments(request.user),
        "next": next_url,
        "error": error,
        "new_name": request.POST.get("new_name", ""),
    }
    return render(request, "segments/add_members.html", context, status=status)


def bulk_members(request: AuthedRequest, ids: list[int], next_url: str) -> HttpResponse:
    """Add the selected people to (action "segment_add") or remove them from (action
    "segment_remove") a static segment: all or nothing, through the services. Adding without a
    chosen segment first asks which one (or the name of a new saved selection)."""
    if not ids:
        messages.warning(request, _("Select at least one person first."))
        return redirect(next_url)
    remove = request.POST.get("action") == "segment_remove"
    new_name = "" if remove else request.POST.get("new_name", "").strip()
    raw = request.POST.get("segment_current" if remove else "segment", "")
    if not remove and not raw and not new_name:
        return _choose_segment(request, ids, next_url)
    try:
        with transaction.atomic():
            if new_name:
                segment = services.segment_create(
                    actor=request.user, data={"name": new_name, "kind": SegmentKind.STATIC}
                )
            else:
                pk = parse_id(raw)
                found = segment_qs(request.user).filter(pk=pk).first() if pk else None
                if found is None:
                    raise ValidationError({"segment": _("There is no such segment.")})
                segment = found
            service = services.segment_remove_members if remove else services.segment_add_members
            count = service(actor=request.user, segment=segment, contacts=ids)
    except ValidationError as exc:
        if remove:
            messages.error(request, " ".join(exc.messages))
            return redirect(next_url)
        return _choose_segment(request, ids, next_url, " ".join(exc.messages), status=400)
    except PermissionDenied:
        messages.error(request, _("You may not change this segment, so nothing was changed."))
        return redirect(next_url)
    if remove:
        text = ngettext(
            "%(count)d person was removed from %(name)s.",
            "%(count)d people were removed from %(name)s.",
            count,
        )
    else:
        text = ngettext(
            "%(count)d person was added to %(name)s.",
            "%(count)d people were added to %(name)s.",
            count,
        )
    messages.success(request, text % {"count": count, "name": segment.name})
    return redirect(next_url)


#: People listed by name among those skipped on the send page (the count covers them all).
SKIPPED_SHOWN = 100


@login_required
@require_http_methods(["GET", "POST"])
def send_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """E-mail the people of a segment (ADR 0038): a preview of how many will receive it and of
    who is skipped and why (no address, bouncing, opted out, no opt-in the team requires); the
    send queues one message per recipient (``mail.sending.mail_send``), each logged on that
    person's timeline once sent."""
    from rubrica.mail.models import MailTemplate

    segment = get_object_or_404(segment_qs(request.user), pk=pk)
    check = services.segment_recipients(request.user, segment)
    templates = MailTemplate.objects.restrict(request.user, Action.VIEW).order_by("name")
    values = {"subject": "", "body": "", "template": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        template = templates.filter(pk=parse_id(values["template"]) or 0).first()
        try:
            queued, check = services.segment_send(
                actor=request.user,
                segment=segment,
                subject=values["subject"],
                body=values["body"],
                template=template,
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                ngettext("%(n)d e-mail queued.", "%(n)d e-mails queued.", queued) % {"n": queued},
            )
            return redirect(f"{reverse('contacts:list')}?{urlencode({'segment': segment.pk})}")
    return render(
        request,
        "segments/send.html",
        {
            "section": "people",
            "segment": segment,
            "sendable": len(check.sendable),
            "skipped": check.skipped[:SKIPPED_SHOWN],
            "skipped_count": len(check.skipped),
            "templates": templates,
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
