"""The audit trail page, for administrators only: filter by actor, action and period, newest
first, in keyset pages; verify the chain on request."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction, head, verify
from rubrica.core.pagination import keyset_page
from rubrica.kits.web.access import administrator_required
from rubrica.kits.web.forms import BootstrapMixin

PAGE_SIZE = 50
ORDER = ("-seq",)


class AuditFilterForm(BootstrapMixin, forms.Form):
    actor = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("All actions")), *AuditAction.choices],
    )
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered(form: AuditFilterForm) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if not form.is_valid():
        return entries
    data: dict[str, Any] = form.cleaned_data
    if data.get("actor"):
        entries = entries.filter(actor_name__iexact=data["actor"].strip())
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("since"):
        entries = entries.filter(at__gte=_day_start(data["since"]))
    if data.get("until"):
        entries = entries.filter(at__lt=_day_start(data["until"] + dt.timedelta(days=1)))
    return entries


def _href(request: HttpRequest, cursor: str | None) -> str:
    if not cursor:
        return ""
    params = request.GET.copy()
    params["cursor"] = cursor
    return f"?{params.urlencode()}"


@administrator_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = _filtered(form)
    try:
        page = keyset_page(
            entries, order=ORDER, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
        )
    except ValidationError:
        messages.error(request, _("This page link is not valid; showing the first page."))
        page = keyset_page(entries, order=ORDER, cursor=None, size=PAGE_SIZE)
    labels = dict(AuditAction.choices)
    rows = [
        {
            "entry": entry,
            "label": labels.get(entry.action, entry.action),
            "details": json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
            if entry.details
            else "",
        }
        for entry in page.items
    ]
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "rows": rows,
            "prev_href": _href(request, page.prev_cursor),
            "next_href": _href(request, page.next_cursor),
            "head": head(),
        },
    )


@administrator_required
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Walk the whole chain now and say whether it is whole, or which entry is broken."""
    report = verify()
    if report.broken is None:
        messages.success(
            request,
            _("The audit chain is whole up to entry %(seq)d.") % {"seq": report.head_seq},
        )
    else:
        messages.error(
            request,
            _("Audit entry %(seq)d is broken: %(reason)s")
            % {"seq": report.broken.seq, "reason": report.broken.reason},
        )
    return redirect("audit:list")
