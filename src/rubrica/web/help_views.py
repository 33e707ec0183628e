"""The help pages: the user guide in the app, searchable (see ``web.help``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from rubrica.web import help as guide


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    language = get_language() or "en"
    query = request.GET.get("q", "").strip()[:200]
    sections = guide.sections(language)
    found = guide.search(query, language) if query else None
    own_guide = guide.guide_path(language) != guide.guide_path("en")
    return render(
        request,
        "web/help.html",
        {
            "sections": sections,
            "found": found,
            "query": query,
            # an English guide inside a Persian page is still written left to right
            "guide_language": language if own_guide else "en",
        },
    )
