"""Organizations and affiliations: pages, bulk actions, the API."""

from __future__ import annotations

from django.urls import reverse

from tests.matrix.doors import api, web

TRASHED = ("private_trashed", "team_trashed", "missing")


def _bulk(w, c):
    """A bulk move to the Trash of the record's id (ids one may not touch are skipped)."""
    return {"selected": [w.pk("organization", c)], "action": "delete", "confirmed": "yes"}


web("organizations:list", rule="signed_in", lists=True)
web(
    "organizations:bulk",
    "POST",
    kind="organization",
    rule="add_on",
    refusals=(200, 302, 422),
    data=_bulk,
)
web("organizations:create", rule="add")
web("organizations:create", "POST", rule="add", data=lambda w, c: {"name": "New Ltd"})
web("organizations:columns", "POST", rule="signed_in", data=lambda w, c: {"columns": ["phone"]})
web(
    "organizations:suggest",
    rule="signed_in",
    lists=True,
    path=lambda w, c: reverse("organizations:suggest") + "?q=Matrix",
)
web("organizations:detail", kind="organization")
web("organizations:edit", kind="organization", rule="change")
web(
    "organizations:edit",
    "POST",
    kind="organization",
    rule="change",
    data=lambda w, c: {"name": "Changed"},
)
web("organizations:delete", kind="organization", rule="change")
web("organizations:delete", "POST", kind="organization", rule="change")
web("organizations:restore", "POST", kind="organization", rule="restore", cases=TRASHED)

api("GET", "/organizations", rule="signed_in", lists=True)
api("POST", "/organizations", rule="add", data=lambda w, c: {"name": "New Ltd"})
api("GET", "/organizations/trash", rule="signed_in", lists=True)
api("GET", "/organizations/{organization_id}", kind="organization")
api(
    "PATCH",
    "/organizations/{organization_id}",
    kind="organization",
    rule="change",
    data=lambda w, c: {"name": "Changed"},
)
api("DELETE", "/organizations/{organization_id}", kind="organization", rule="change")
api(
    "POST",
    "/organizations/{organization_id}/restore",
    kind="organization",
    rule="restore",
    refusals=(403,),
    cases=TRASHED,
)

api("GET", "/affiliations", rule="signed_in", lists=True)
api(
    "POST",
    "/affiliations",
    kind="contact",
    rule="change",
    refusals=(200, 302, 422),
    data=lambda w, c: {
        "contact": w.pk("contact", c),
        "organization": w.record("organization", "team").pk,
        "title": "x",
    },
)
api("GET", "/affiliations/{affiliation_id}", kind="affiliation")
api(
    "PATCH",
    "/affiliations/{affiliation_id}",
    kind="affiliation",
    rule="change",
    data=lambda w, c: {"title": "Changed"},
)
api("DELETE", "/affiliations/{affiliation_id}", kind="affiliation", rule="change")
