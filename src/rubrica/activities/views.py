"""Web pages of activities: the timeline panel (and its htmx pages), quick-log, an activity's
page, edit, delete/restore, keep-in-touch and "people to contact". Views only translate: reads
go through restrict()/selectors, writes through activities.services."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rubrica.accounts.models import User
from rubrica.activities import selectors, services
from rubrica.activities.export import csv_rows
from rubrica.activities.markdown import render as render_markdown
from rubrica.activities.models import Activity, Direction, KeepInTouch, Kind
from rubrica.activities.types import ActivityInput
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction, Target
from rubrica.contacts.models import NEVER, Contact
from rubrica.core.models import Action
from rubrica.core.pagination import keyset_page
from rubrica.core.services import ConflictError
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import field_access
from rubrica.kits.web.access import AuthedRequest, can, require
from rubrica.kits.web.forms import typed_datetime
from rubrica.kits.web.lists import safe_next
from rubrica.kits.web.trash import delete_record, restore_record
from rubrica.organizations.models import Organization

PAGE_SIZE = 20
RECORD_MODELS: dict[str, type[Contact] | type[Organization]] = {
    "person": Contact,
    "organization": Organization,
}


def _record_key(record: Contact | Organization) -> str:
    return "person" if isinstance(record, Contact) else "organization"


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _timeline_context(request: HttpRequest, record: Contact | Organization) -> dict[str, Any]:
    user = request.user
    flt, errors = selectors.TimelineFilter.parse(request.GET)
    if errors:
        flt = selectors.TimelineFilter()
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.timeline_page(
            user=user, record=record, flt=flt, cursor=cursor, size=PAGE_SIZE
        )
    except ValidationError:
        cursor = None
        page = selectors.timeline_page(
            user=user, record=record, flt=flt, cursor=None, size=PAGE_SIZE
        )
    older_than = _parse_time(request.GET.get("changes_before")) if cursor else None
    newer_than = page.items[-1].occurred_at if page.items and page.next_cursor else None
    entries = (
        []
        if flt.active
        else selectors.folded_history(record, newer_than=newer_than, older_than=older_than)
    )
    access = field_access(
        cast(User, user), Entity.CONTACT if isinstance(record, Contact) else Entity.ORGANIZATION
    )
    items = []
    for item in selectors.interleave(page.items, entries):
        if isinstance(item, Activity):
            items.append({"activity": item, "html": render_markdown(item.body)})
        else:
            items.append(
                {
                    "changes": item,
                    "lines": [(e, selectors.change_lines(e, access)) for e in item.entries],
                }
            )
    key = _record_key(record)
    more_params = request.GET.copy()
    if page.next_cursor:
        more_params["cursor"] = page.next_cursor
        if newer_than is not None:
            more_params["changes_before"] = newer_than.isoformat()
    return {
        "record": record,
        "record_key": key,
        "timeline_url": reverse("activities:timeline", args=[key, record.pk]),
        "items": items,
        "page": page,
        "more_query": more_params.urlencode(),
        "flt": flt,
        "filter_errors": errors,
        "kinds": Kind.choices,
        "directions": Direction.choices,
        "outcomes": services.outcomes_offered(),
        "users": list(User.objects.filter(is_active=True).order_by("username")),
        "can_log": not request.user.is_read_only,  # type: ignore[union-attr]
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "is_more": bool(cursor),
    }


def timeline_panel(request: HttpRequest, record: Contact | Organization) -> dict[str, Any] | None:
    """The timeline panel's context (kits.web.panels): only activities the user may see."""
    return _timeline_context(request, record)


def keep_in_touch_panel(request: HttpRequest, record: Contact) -> dict[str, Any] | None:
    cadence = KeepInTouch.objects.filter(contact=record).select_related("source_tag").first()
    return {
        "cadence": cadence,
        "last": record.last_interaction_at if record.last_interaction_at > NEVER else None,
        "now": timezone.now(),
        "can_change": can(request.user, record, Action.CHANGE),  # type: ignore[arg-type]
    }


def _visible_record(request: AuthedRequest, key: str, pk: int) -> Contact | Organization:
    model = RECORD_MODELS.get(key)
    if model is None:
        raise Http404
    record = get_object_or_404(model.objects.restrict(request.user, Action.VIEW), pk=pk)
    return cast("Contact | Organization", record)


@login_required
@require_GET
def timeline_view(request: AuthedRequest, key: str, pk: int) -> HttpResponse:
    """The timeline alone (htmx: filters and "more"), or on its own page."""
    record = _visible_record(request, key, pk)
    context = _timeline_context(request, record)
    template = (
        "activities/_timeline_items.html"
        if request.GET.get("cursor") and request.headers.get("HX-Request")
        else "activities/_timeline.html"
        if request.headers.get("HX-Request")
        else "activities/timeline_page.html"
    )
    return render(request, template, context)


# Quick-log and editing ----------------------------------------------------------------------


def _form_data(request: AuthedRequest) -> ActivityInput:
    post = request.POST
    data: ActivityInput = {}
    if "kind" in post:
        data["kind"] = post["kind"]
    if "direction" in post:
        data["direction"] = post["direction"]
    if "subject" in post:
        data["subject"] = post["subject"]
    if "body" in post:
        data["body"] = post["body"]
    if "outcome" in post:
        data["outcome"] = post["outcome"]
    if "duration_minutes" in post:
        data["duration_minutes"] = post["duration_minutes"]
    if post.get("occurred_at"):
        data["occurred_at"] = typed_datetime(post["occurred_at"])
    if "people" in post:
        data["people"] = _ids(post.getlist("people"))
    if "organizations" in post:
        data["organizations"] = _ids(post.getlist("organizations"))
    if "users" in post:
        data["users"] = _ids(post.getlist("users"))
    if "private" in post or post.get("has_private"):
        data["private"] = post.get("private") == "on"
    return data


def _ids(values: list[str]) -> list[int | str]:
    return [value for value in values if value.strip()]


@login_required
@require_POST
def quick_log_view(request: AuthedRequest) -> HttpResponse:
    """One click saves: the person (or organization) is in the form; an htmx post answers the
    refreshed timeline, a plain post goes back where it came from."""
    key = request.POST.get("record_key", "person")
    pk = request.POST.get("record_pk", "")
    if not pk.isdigit():
        raise Http404
    record = _visible_record(request, key, int(pk))
    data = _form_data(request)
    if key == "person":
        data.setdefault("people", [str(record.pk)])
    else:
        data.setdefault("organizations", [str(record.pk)])
    errors: dict[str, str] = {}
    try:
        activity = services.activity_create(actor=request.user, data=data)
    except ValidationError as exc:
        errors = {k: "; ".join(v) for k, v in exc.message_dict.items()}
        activity = None
    if request.headers.get("HX-Request") and request.POST.get("reply") == "row":
        return render(
            request,
            "activities/_row_logged.html",
            {"record": record, "errors": errors, "activity": activity},
            status=422 if errors else 200,
        )
    if request.headers.get("HX-Request"):
        context = _timeline_context(request, record)
        context["log_errors"] = errors
        context["logged"] = activity
        status = 422 if errors else 200
        return render(request, "activities/_timeline.html", context, status=status)
    if errors:
        for field, message in errors.items():
            messages.error(request, f"{field}: {message}")
    else:
        messages.success(request, _("Logged."))
    return redirect(safe_next(request, record.get_absolute_url()))


def _activity(request: AuthedRequest, pk: int) -> Activity:
    activity: Activity = get_object_or_404(
        Activity.objects.restrict(request.user, Action.VIEW).select_related("owner", "outcome"),
        pk=pk,
    )
    return activity


@login_required
@require_GET
def list_view(request: AuthedRequest) -> HttpResponse:
    """The activities the user may see, newest first (keyset pages)."""
    flt, errors = selectors.TimelineFilter.parse(request.GET)
    qs = flt.apply(selectors.visible_activities(request.user)).select_related("owner", "outcome")
    try:
        page = keyset_page(qs, order=selectors.ORDER, cursor=request.GET.get("cursor"), size=50)
    except ValidationError:
        page = keyset_page(qs, order=selectors.ORDER, cursor=None, size=50)
    return render(
        request,
        "activities/list.html",
        {"page": page, "flt": flt, "filter_errors": errors, "kinds": Kind.choices},
    )


@login_required
@require_GET
def export_view(request: AuthedRequest) -> StreamingHttpResponse:
    """CSV of the activities the user may see, with the list's filters (``?kind=``...)."""
    flt, _errors = selectors.TimelineFilter.parse(request.GET)
    rows = flt.apply(selectors.visible_activities(request.user))
    audit.record(
        request.user,
        AuditAction.LIST_EXPORT,
        Target("activities.activity", "", "activities.csv"),
        {"filters": request.GET.urlencode()[:500]},
    )
    response = StreamingHttpResponse(
        csv_rows(request.user, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="activities.csv"'
    return response


@login_required
@require_GET
def detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    people = Contact.objects.restrict(request.user, Action.VIEW).filter(
        activity_links__activity=activity
    )
    organizations = Organization.objects.restrict(request.user, Action.VIEW).filter(
        activity_links__activity=activity
    )
    return render(
        request,
        "activities/detail.html",
        {
            "activity": activity,
            "html": render_markdown(activity.body),
            "people": people,
            "organizations": organizations,
            "users": activity.users.all(),
            "can_change": can(request.user, activity, Action.CHANGE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_view(request: AuthedRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    require(request.user, activity, Action.CHANGE)
    errors: dict[str, str] = {}
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            services.activity_update(
                actor=request.user,
                activity=activity,
                data=_form_data(request),
                expected_version=int(version) if version.isdigit() else None,
            )
        except ValidationError as exc:
            errors = {k: "; ".join(v) for k, v in exc.message_dict.items()}
        except ConflictError:
            errors = {
                "__all__": _(
                    "Someone else changed this activity meanwhile — reload to see their changes. "
                    "Nothing was saved."
                )
            }
        else:
            messages.success(request, _("Saved."))
            return redirect(activity)
    people = list(
        Contact.objects.restrict(request.user, Action.VIEW).filter(
            activity_links__activity=activity
        )
    )
    organizations = list(
        Organization.objects.restrict(request.user, Action.VIEW).filter(
            activity_links__activity=activity
        )
    )
    return render(
        request,
        "activities/form.html",
        {
            "activity": activity,
            "values": request.POST if request.method == "POST" else None,
            "occurred_at": timezone.localtime(activity.occurred_at).strftime("%Y-%m-%dT%H:%M"),
            "people": people,
            "organizations": organizations,
            "participants": set(activity.users.values_list("pk", flat=True)),
            "errors": errors,
            "kinds": Kind.choices,
            "directions": Direction.choices,
            "outcomes": services.outcomes_offered(activity.outcome),
            "users": list(User.objects.filter(is_active=True).order_by("username")),
        },
        status=422 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return delete_record(
        request,
        pk,
        model=Activity,
        namespace="activities",
        delete=lambda actor, activity: services.activity_delete(actor=actor, activity=activity),
    )


@login_required
@require_POST
def restore_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return restore_record(
        request,
        pk,
        model=Activity,
        restore=lambda actor, activity: services.activity_restore(actor=actor, activity=activity),
    )


# Keep in touch ------------------------------------------------------------------------------


@login_required
@require_POST
def keep_in_touch_view(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.restrict(request.user, Action.VIEW), pk=pk)
    try:
        if request.POST.get("clear"):
            services.keep_in_touch_clear(actor=request.user, contact=contact)
            messages.success(request, _("Keep in touch is off for this person."))
        else:
            services.keep_in_touch_set(
                actor=request.user,
                contact=contact,
                ideal_days=request.POST.get("ideal_days"),
                max_days=request.POST.get("max_days"),
            )
            messages.success(request, _("Keep in touch is set."))
    except ValidationError as exc:
        for field, message in exc.message_dict.items():
            messages.error(request, f"{field}: {'; '.join(message)}")
    except PermissionDenied:
        raise
    return redirect(contact)


@login_required
@require_GET
def to_contact_view(request: AuthedRequest) -> HttpResponse:
    """People to contact: those with a cadence, the most overdue first."""
    try:
        page = selectors.people_to_contact(user=request.user, cursor=request.GET.get("cursor"))
    except ValidationError:
        page = selectors.people_to_contact(user=request.user, cursor=None)
    return render(
        request,
        "activities/to_contact.html",
        {"page": page, "now": timezone.now(), "never": NEVER},
    )
