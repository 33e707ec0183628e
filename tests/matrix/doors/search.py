"""Search and suggestions: one door over every kind; nothing unseen may be found."""

from __future__ import annotations

from django.urls import reverse

from tests.matrix.doors import api, web

web(
    "search:results",
    rule="signed_in",
    lists=True,
    path=lambda w, c: reverse("search:results") + "?q=Matrix",
)
web(
    "search:suggest",
    rule="signed_in",
    lists=True,
    path=lambda w, c: reverse("search:suggest") + "?q=Matrix",
)
api("GET", "/search", rule="signed_in", lists=True, path=lambda w, c: "/api/v1/search?q=Matrix")
