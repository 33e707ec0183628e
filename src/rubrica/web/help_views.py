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
    translated = sum(section.language != "en" for section in sections)
    return render(
        request,
        "web/help.html",
        {
            "sections": sections,
            "found": found,
            "query": query,
            # the reader's language has a guide, but some sections are still English ones
            "partly_english": guide.guide_locale(language) != "en"
            and 0 < translated < len(sections),
            # the reader's language has no guide at all: all of it is shown in English
            "all_english": translated == 0 and not (language or "en").startswith("en"),
        },
    )
