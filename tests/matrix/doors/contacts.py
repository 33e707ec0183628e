"""People: pages, bulk actions, affiliations, the API."""

from __future__ import annotations

from django.urls import reverse

from tests.matrix.doors import api, web

TRASHED = ("private_trashed", "team_trashed", "missing")


def _bulk(w, c):
    """A bulk tag, with the record's id inside the request next to one the user owns."""
    return {"selected": [w.pk("contact", c)], "action": "delete", "confirmed": "yes"}


def _aff(name):
    return lambda w, c: reverse(
        f"contacts:{name}",
        args=[w.pk("contact", c), w.pk("affiliation", c)],
    )


web("contacts:list", rule="signed_in", lists=True)
web(
    "contacts:list",
    rule="signed_in",
    lists=True,
    label="web GET contacts:list?q",
    path=lambda w, c: reverse("contacts:list") + "?q=Matrix",
)
web("contacts:create", rule="add")
web(
    "contacts:create",
    "POST",
    rule="add",
    data=lambda w, c: {"given_name": "New", "family_name": "Person"},
)
web("contacts:columns", "POST", rule="signed_in", data=lambda w, c: {"columns": ["email"]})
web("contacts:bulk", "POST", kind="contact", rule="add_on", refusals=(200, 302, 422), data=_bulk)
web("contacts:detail", kind="contact")
web("contacts:edit", kind="contact", rule="change")
web(
    "contacts:edit",
    "POST",
    kind="contact",
    rule="change",
    data=lambda w, c: {"given_name": "Changed"},
)
web("contacts:delete", kind="contact", rule="change")
web("contacts:delete", "POST", kind="contact", rule="change")
web("contacts:restore", "POST", kind="contact", rule="restore", cases=TRASHED)
web("contacts:photo", kind="contact")
web("contacts:affiliation_add", kind="contact", rule="change")
web(
    "contacts:affiliation_add",
    "POST",
    kind="contact",
    rule="change",
    data=lambda w, c: {"organization": w.record("organization", "team").pk, "title": "x"},
)
web("contacts:affiliation_edit", kind="affiliation", rule="change", path=_aff("affiliation_edit"))
web(
    "contacts:affiliation_edit",
    "POST",
    kind="affiliation",
    rule="change",
    path=_aff("affiliation_edit"),
    data=lambda w, c: {"title": "Changed"},
)
web(
    "contacts:affiliation_end",
    "POST",
    kind="affiliation",
    rule="change",
    path=_aff("affiliation_end"),
)
web(
    "contacts:affiliation_remove",
    "POST",
    kind="affiliation",
    rule="change",
    path=_aff("affiliation_remove"),
)

api("GET", "/contacts", rule="signed_in", lists=True)
api(
    "GET",
    "/contacts",
    rule="signed_in",
    lists=True,
    label="api GET /contacts?q",
    path=lambda w, c: "/api/v1/contacts?q=Matrix",
)
api("POST", "/contacts", rule="add", data=lambda w, c: {"given_name": "New"})
api("GET", "/contacts/trash", rule="signed_in", lists=True)
api("GET", "/contacts/{contact_id}", kind="contact")
api(
    "PATCH",
    "/contacts/{contact_id}",
    kind="contact",
    rule="change",
    data=lambda w, c: {"given_name": "Changed"},
)
api("DELETE", "/contacts/{contact_id}", kind="contact", rule="change")
api(
    "POST",
    "/contacts/{contact_id}/restore",
    kind="contact",
    rule="restore",
    refusals=(403,),
    cases=TRASHED,
)
