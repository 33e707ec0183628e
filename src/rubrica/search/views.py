"""The global search: a results page and the as-you-type suggestions of the navbar search box.

Both read only through ``rubrica.search.query``, which starts from ``restrict(user, "view")``, so
a record the person may not see is never listed. Matched text is user data: the highlight is
built with ``format_html`` from three escaped slices, never marked safe as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from rubrica import search
from rubrica.search.engine import Hit
from rubrica.search.models import Kind
from rubrica.web.access import AuthedRequest

#: Longer text is cut: nobody types more in a search box, and it bounds the work per request.
MAX_QUERY = 200
RESULTS = 50
SUGGESTIONS = 8
KINDS = (Kind.CONTACT.value, Kind.ORGANIZATION.value)

FIELD_LABELS: dict[str, Promise] = {
    "name": _("Name"),
    "email": _("Email"),
    "phone": _("Phone"),
    "org": _("Organization, title or place"),
    "tag": _("Tag"),
    "other": _("Notes or custom fields"),
}
KIND_CHOICES = (
    ("", _("All")),
    (Kind.CONTACT.value, _("People")),
    (Kind.ORGANIZATION.value, _("Organizations")),
)
DETAIL_URLS = {
    Kind.CONTACT.value: "contacts:detail",
    Kind.ORGANIZATION.value: "organizations:detail",
}


@dataclass(frozen=True)
class Row:
    """One hit as the templates show it."""

    kind: str
    pk: int
    display: str
    url: str
    field_label: str
    snippet: SafeString


def clean_query(raw: str) -> str:
    """The text as typed, control characters (NUL, tabs, newlines) turned into spaces, cut to
    ``MAX_QUERY`` characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in raw[: MAX_QUERY * 2])
    return text.strip()[:MAX_QUERY]


def highlighted(snippet: str, highlight: tuple[int, int] | None) -> SafeString:
    """``snippet`` escaped, with the matched slice wrapped in <mark>."""
    if not highlight:
        return escape(snippet)
    start, end = highlight
    if not 0 <= start < end <= len(snippet):
        return escape(snippet)
    return format_html("{}<mark>{}</mark>{}", snippet[:start], snippet[start:end], snippet[end:])


def _row(hit: Hit) -> Row:
    return Row(
        kind=hit.kind,
        pk=hit.pk,
        display=hit.display,
        url=reverse(DETAIL_URLS[hit.kind], args=[hit.pk]),
        field_label=str(FIELD_LABELS.get(hit.field, hit.field)),
        snippet=highlighted(hit.snippet, hit.highlight),
    )


@login_required
@require_GET
def results_view(request: AuthedRequest) -> HttpResponse:
    """People and organizations matching ``q``, best first within each group; ``kind``
    narrows to one of them (an unknown kind is ignored)."""
    q = clean_query(request.GET.get("q", ""))
    kind = request.GET.get("kind", "")
    if kind not in KINDS:
        kind = ""
    kinds = (kind,) if kind else KINDS
    hits = search.query(request.user, q, kinds=kinds, limit=RESULTS) if q else []
    rows = [_row(hit) for hit in hits]
    people = [row for row in rows if row.kind == Kind.CONTACT]
    organizations = [row for row in rows if row.kind == Kind.ORGANIZATION]
    context = {
        "q": q,
        "quick_search": q,
        "kind": kind,
        "kind_choices": KIND_CHOICES,
        "people": people,
        "organizations": organizations,
        "total": len(rows),
        "truncated": len(rows) >= RESULTS,
        "limit": RESULTS,
    }
    return render(request, "search/results.html", context)


@login_required
@require_GET
def suggest_view(request: AuthedRequest) -> HttpResponse:
    """An HTML fragment for the navbar dropdown: up to ``SUGGESTIONS`` links. Blank text answers
    an empty body, which empties (and so closes) the dropdown."""
    q = clean_query(request.GET.get("q", ""))
    if not q:
        return HttpResponse("")
    rows = [_row(hit) for hit in search.query(request.user, q, limit=SUGGESTIONS)]
    return render(request, "search/_suggestions.html", {"q": q, "rows": rows[:SUGGESTIONS]})
