"""The global search: a results page and the as-you-type suggestions of the navbar search box.

Both read only through ``rubrica.search.query``, which starts from ``restrict(user, "view")``, so
a record the person may not see is never listed. Matched text is user data: the highlight is
built with ``format_html`` from three escaped slices, never marked safe as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from rubrica import search
from rubrica.accounts.models import User
from rubrica.kits.web.access import AuthedRequest
from rubrica.kits.web.forms import set_choices
from rubrica.kits.web.lists import labelled_errors
from rubrica.search import filters, registry
from rubrica.search.engine import Hit
from rubrica.search.models import Kind

#: Longer text is cut: nobody types more in a search box, and it bounds the work per request.
MAX_QUERY = 200
RESULTS = 50
SUGGESTIONS = 8

FIELD_LABELS: dict[str, Promise] = {
    "name": _("Name"),
    "email": _("Email"),
    "phone": _("Phone"),
    "org": _("Organization, title or place"),
    "tag": _("Tag"),
    "other": _("Notes or custom fields"),
}


def kind_choices() -> list[tuple[str, str | Promise]]:
    """The page's kind menu: all, then each registered kind by its label."""
    return [("", _("All")), *((entry.kind, entry.label) for entry in registry.kinds())]


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
        url=reverse(registry.get(hit.kind).detail_url, args=[hit.pk]),
        field_label=str(FIELD_LABELS.get(hit.field, hit.field)),
        snippet=highlighted(hit.snippet, hit.highlight),
    )


def filter_form(request: AuthedRequest) -> Form:
    """The filter panel a kind gives the page (the people list's: same labels, choices and
    ids), of which the page shows the fields in ``filters.keys()``; the owner choices start
    with the user themselves."""
    user = request.user
    users = list(User.objects.filter(is_active=True).order_by("username"))
    form = registry.filter_form()(request.GET, users)
    set_choices(
        form,
        "owner",
        [
            ("", _("Anyone")),
            (str(user.pk), _("Me")),
            *((str(u.pk), u.get_username()) for u in users),
        ],
    )
    keys = filters.keys()
    for name in [name for name in form.fields if name not in keys]:
        del form.fields[name]
    return form


@login_required
@require_GET
def results_view(request: AuthedRequest) -> HttpResponse:
    """People and organizations matching ``q``, best first within each group; ``kind``
    narrows to one of them (an unknown kind is ignored), and the filters of ``filters``
    (tag, owner, team; for people also stage, has_email, has_phone) narrow them before matching.
    A filter value that cannot be used is named in a message and ignored, as on the people
    list."""
    q = clean_query(request.GET.get("q", ""))
    kind = request.GET.get("kind", "")
    every_kind = registry.keys()
    if kind not in every_kind:
        kind = ""
    flt, errors = filters.parse(request.GET)
    kinds = flt.kinds((kind,) if kind else every_kind)
    hits = (
        search.query(request.user, q, kinds=kinds, limit=RESULTS, narrow=flt.narrow())
        if q and kinds
        else []
    )
    rows = [_row(hit) for hit in hits]
    people = [row for row in rows if row.kind == Kind.CONTACT]
    organizations = [row for row in rows if row.kind == Kind.ORGANIZATION]
    # kinds other apps registered (activities...), each under its registered label
    others = [
        (entry.kind, entry.label, [row for row in rows if row.kind == entry.kind])
        for entry in registry.kinds()
        if entry.kind not in Kind.values
    ]
    context = {
        "q": q,
        "quick_search": q,
        "kind": kind,
        "kind_choices": kind_choices(),
        "people": people,
        "organizations": organizations,
        "others": [group for group in others if group[2]],
        "total": len(rows),
        "truncated": len(rows) >= RESULTS,
        "limit": RESULTS,
        "filtered": flt.active,
        "people_only": flt.excludes(Kind.ORGANIZATION),
        "clear_url": _clear_url(q, kind),
    }
    form = filter_form(request)
    context["filter_form"] = form
    context["filter_errors"] = labelled_errors(form, errors)
    return render(request, "search/results.html", context)


def _clear_url(q: str, kind: str) -> str:
    """The page with the same text and kind, without filters."""
    params = {key: value for key, value in (("q", q), ("kind", kind)) if value}
    base = reverse("search:results")
    return f"{base}?{urlencode(params)}" if params else base


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
