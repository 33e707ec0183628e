"""The audit trail page, for administrators only: filter by actor, action, target type, period
and text, newest first, in keyset pages; export what is filtered as CSV (streamed; the export is
itself audited); verify the chain on request, naming and showing the first broken entry."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from rubrica.audit import anchor, selectors
from rubrica.audit import labels as target_labels
from rubrica.audit.services import AuditAction, Report, Target, head, record, verify
from rubrica.core.pagination import keyset_page
from rubrica.kits.web.access import AuthedRequest, administrator_required
from rubrica.kits.web.forms import BootstrapMixin, LocalDateInput

PAGE_SIZE = 50
ORDER = ("-seq",)


class AuditFilterForm(BootstrapMixin, forms.Form):
    actor = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("All actions")), *AuditAction.choices],
    )
    target_type = forms.CharField(
        label=gettext_lazy("Kind of record"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("As shown in the Record column, e.g. contacts.contact."),
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=LocalDateInput())
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=LocalDateInput())
    text = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Found in the user, the record, the address or the details."),
    )
    seq = forms.IntegerField(
        label=gettext_lazy("From entry number"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Show this entry and the ones before it."),
    )

    def audit_filter(self) -> selectors.AuditFilter:
        """The filter asked for; nothing filtered while the form has errors (they are shown)."""
        if not self.is_valid():
            return selectors.AuditFilter()
        data: dict[str, Any] = self.cleaned_data
        return selectors.AuditFilter(
            actor=data.get("actor") or "",
            action=data.get("action") or "",
            target_type=data.get("target_type") or "",
            since=data.get("since"),
            until=data.get("until"),
            text=data.get("text") or "",
            before_seq=data.get("seq"),
        )


def _href(request: HttpRequest, cursor: str | None) -> str:
    if not cursor:
        return ""
    params = request.GET.copy()
    params["cursor"] = cursor
    return f"?{params.urlencode()}"


def _render_list(
    request: HttpRequest, form: AuditFilterForm, report: Report | None = None
) -> HttpResponse:
    found = selectors.entries(form.audit_filter())
    try:
        page = keyset_page(
            found, order=ORDER, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
        )
    except ValidationError:
        messages.error(request, _("This page link is not valid; showing the first page."))
        page = keyset_page(found, order=ORDER, cursor=None, size=PAGE_SIZE)
    labels = dict(AuditAction.choices)
    broken_seq = report.broken.seq if report is not None and report.broken is not None else None
    items = list(page.items)
    names = target_labels.current_labels((e.target_type, e.target_id) for e in items)
    rows = [
        {
            "entry": entry,
            "label": labels.get(entry.action, entry.action),
            "target": names.get((entry.target_type, entry.target_id), entry.target_repr),
            "details": json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
            if entry.details
            else "",
            "broken": entry.seq == broken_seq,
        }
        for entry in items
    ]
    export_params = request.GET.copy()
    export_params.pop("cursor", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "rows": rows,
            "prev_href": _href(request, page.prev_cursor),
            "next_href": _href(request, page.next_cursor),
            "head": head(),
            "report": report,
            "export_query": export_params.urlencode(),
        },
    )


@administrator_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, AuditFilterForm(request.GET or None))


@administrator_required
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Walk the whole chain now, against the heads written down in the head file if there is
    one, and say whether it is whole; when not, open the log at the first broken entry."""
    heads: list[tuple[int, str]] = []
    path = anchor.head_file()
    if path.is_file():
        try:
            heads = anchor.read_heads(path)
        except (OSError, anchor.HeadFileError) as exc:
            messages.warning(request, str(exc))
    report = verify(against=heads)
    if report.broken is None:
        messages.success(
            request,
            _("The audit chain is whole up to entry %(seq)d.") % {"seq": report.head_seq},
        )
        return _render_list(request, AuditFilterForm(None), report)
    messages.error(
        request,
        _("Audit entry %(seq)d is broken: %(reason)s")
        % {"seq": report.broken.seq, "reason": report.broken.reason},
    )
    return _render_list(request, AuditFilterForm({"seq": report.broken.seq}), report)


@login_required
@require_GET
def audit_export(request: AuthedRequest) -> HttpResponseBase:
    """The filtered log as CSV, oldest first, streamed; administrators only. The export is
    recorded first (so it is in the file when the filter lets it in)."""
    if not request.user.is_administrator:
        raise PermissionDenied(_("Only administrators can open this page."))
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return _render_list(request, form)
    flt = form.audit_filter()
    record(
        request.user,
        AuditAction.AUDIT_EXPORT,
        Target("audit.auditentry", "", "audit.csv"),
        flt.as_details(),
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        selectors.csv_lines(selectors.entries(flt)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
