"""The data-quality page, the lists behind its figures, and the cleaning preview/apply/undo.

Everyone who logs in sees the figures of what they may read; only people who may write see the
cleaning buttons, and a POST from a read-only user is refused (403) before anything is looked at.

Up to ``selectors.INLINE_MAX_PEOPLE`` visible people the figures are computed at each view;
beyond, the page shows the person's latest report computed by a background job (a snapshot),
its age, and a Refresh button that any person who logs in may use: it only reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rubrica.contacts.models import Contact, ContactPhone
from rubrica.core.models import Action
from rubrica.core.pagination import Page, keyset_page
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import MASK, PERSONAL_PHONES, field_access, is_personal_phone
from rubrica.jobs.models import Job
from rubrica.jobs.services import jobs_recover
from rubrica.kits.web.access import AuthedRequest
from rubrica.quality import selectors
from rubrica.quality.cleaning import ACTIONS, field_label
from rubrica.quality.services import (
    JOB_KIND,
    cleaning_start,
    cleaning_undo_start,
    preview_cleaning,
    snapshot_start,
)

_M = TypeVar("_M", bound=Model)

PAGE_SIZE = 50


def _months(request: AuthedRequest) -> int:
    return selectors.parse_months(request.GET.get("months", selectors.DEFAULT_STALE_MONTHS))


@login_required
@require_GET
def report(request: AuthedRequest) -> HttpResponse:
    user = request.user
    months = _months(request)
    live = selectors.report_is_live(user)
    snapshot = None
    running = None
    computed_here = False
    if live:
        data: selectors.Report | None = selectors.quality_report(user, months=months)
    else:
        if selectors.active_snapshot_job(user) is not None:
            jobs_recover()  # a report job whose process died shows as failed, not running
        running = selectors.active_snapshot_job(user)
        # without ?months= the latest report is shown, whatever months it was computed with
        snapshot = selectors.latest_snapshot(
            user, months=months if "months" in request.GET else None
        )
        if snapshot is not None:
            months = snapshot.report.stale_months
        elif running is None:
            running = snapshot_start(actor=user, months=months)
        data = snapshot.report if snapshot is not None else None
        if data is None and running is not None and running.waiting_for_worker:
            # No worker takes the job: compute the figures here rather than wait forever.
            data = selectors.quality_report(user, months=months)
            computed_here = True
    action = request.GET.get("action", "")
    preview = None
    if action in ACTIONS and not user.is_read_only:
        preview = preview_cleaning(user, action)
    stale_to = (
        (data.stale_cutoff - dt.timedelta(days=1)).date().isoformat() if data is not None else ""
    )
    return render(
        request,
        "quality/report.html",
        {
            "report": data,
            "live": live,
            "snapshot": snapshot,
            "running": running,
            "computed_here": computed_here,
            "months": months,
            "stale_to": stale_to,
            "actions": ACTIONS.items(),
            "action": action if action in ACTIONS else "",
            "action_label": ACTIONS.get(action, ""),
            "preview": preview,
            "preview_rows": [
                {"change": change, "label": field_label(change.field)}
                for change in (preview.changes if preview else [])
            ],
            "can_clean": not user.is_read_only,
            "recent_jobs": Job.objects.restrict(user, "view")
            .filter(kind=JOB_KIND)
            .select_related("owner")[:5],
        },
    )


@login_required
@require_POST
def refresh(request: AuthedRequest) -> HttpResponse:
    """Start computing the person's report again (or follow the one already running). Allowed
    to read-only users too: it reads only what they may see."""
    raw = request.POST.get("months", str(selectors.DEFAULT_STALE_MONTHS)).strip()
    try:
        months = int(raw)
    except ValueError:
        months = 0  # refused below, with the message naming the field
    try:
        job = snapshot_start(actor=request.user, months=months)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("quality:report")
    messages.success(request, _("The report is being computed."))
    shown = job.params.get("months", months)
    return redirect(f"{reverse('quality:report')}?{urlencode({'months': shown})}")


def _cursor(request: AuthedRequest) -> str | None:
    return request.GET.get("cursor") or None


@login_required
@require_GET
def invalid_phones(request: AuthedRequest) -> HttpResponse:
    """Phones that could not be read as numbers, of the people the user may see."""
    visible = Contact.objects.restrict(request.user, Action.VIEW).values("pk")
    qs = ContactPhone.objects.filter(e164="", contact_id__in=visible).select_related("contact")
    page = _page(request, qs)
    # a personal number is masked for a reader who may not read them (ADR 0034)
    hidden = not field_access(request.user, Entity.CONTACT).can_read(PERSONAL_PHONES)
    rows = [
        {
            "contact": row.contact,
            "value": MASK if hidden and is_personal_phone(row.label) else row.raw,
        }
        for row in page.items
    ]
    return _render_list(request, _("People with unreadable phone numbers"), rows, page)


@login_required
@require_GET
def invalid_emails(request: AuthedRequest) -> HttpResponse:
    """Email addresses the validator refuses. Pages run over the database's suspects; each
    shows those of its suspects that fail, so a page can hold fewer than a full page."""
    qs = selectors.suspect_email_rows(request.user).select_related("contact")
    page = _page(request, qs)
    rows = [
        {"contact": row.contact, "value": row.value}
        for row in page.items
        if not selectors.is_valid_email(row.value)
    ]
    return _render_list(request, _("People with invalid email addresses"), rows, page)


def _page(request: AuthedRequest, qs: QuerySet[_M]) -> Page[_M]:
    order = ("contact_id", "id")
    try:
        return keyset_page(qs, order=order, cursor=_cursor(request), size=PAGE_SIZE)
    except ValidationError:
        messages.error(request, _("This page link is not valid; showing the first page."))
        return keyset_page(qs, order=order, cursor=None, size=PAGE_SIZE)


def _render_list(
    request: AuthedRequest, title: str, rows: list[dict[str, Any]], page: Page[Any]
) -> HttpResponse:
    return render(request, "quality/people.html", {"title": title, "rows": rows, "page": page})


def _refuse_read_only(request: AuthedRequest) -> None:
    if request.user.is_read_only:
        raise PermissionDenied


@login_required
@require_POST
def clean(request: AuthedRequest) -> HttpResponse:
    """Start the cleaning job chosen in the preview and show its progress."""
    _refuse_read_only(request)
    action = request.POST.get("action", "")
    try:
        job = cleaning_start(actor=request.user, action=action)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("quality:report")
    messages.success(request, _("The cleaning has started."))
    return redirect(job)


@login_required
@require_POST
def undo(request: AuthedRequest, pk: int) -> HttpResponse:
    """Start the job that undoes cleaning ``pk``."""
    _refuse_read_only(request)
    job = get_object_or_404(Job.objects.restrict(request.user, "view"), pk=pk)
    if job.kind != JOB_KIND:
        raise Http404
    try:
        undo_job = cleaning_undo_start(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(job)
    messages.success(request, _("Undoing the cleaning."))
    return redirect(undo_job)
