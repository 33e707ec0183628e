"""Privacy (ADR 0032): a person's consent, export and erasure; the administrators' retention
rules and consent rule; ``rubrica privacy``.

Consent and the export follow the person ("change": the export holds everything about them);
erasure follows the grant "erase" on people (ADR 0035: Administrator only among the shipped
roles; a person one does not see is 404, one seen but not erasable 403); the rules are
administrators' (the page refuses everyone else before reading any id).
"""

from __future__ import annotations

from django.urls import reverse

from tests.matrix import world_trust  # noqa: F401 (adds the retention rule to the world)
from tests.matrix.doors import api, exempt, web
from tests.matrix.doors.cli import argv, cli, pk


def _rule(name):
    return lambda w, c: reverse(name, args=[w.ref["rule"].pk])


web(
    "privacy:consent",
    "POST",
    kind="contact",
    rule="change",
    data=lambda w, c: {"channel": "email", "state": "granted"},
)
web("privacy:export", "POST", kind="contact", rule="change")
web("privacy:optin_send", "POST", kind="contact", rule="change", data=lambda w, c: {"purpose": ""})
exempt(
    "web privacy:optin",
    "the double opt-in page is opened by the person from the link e-mailed to them, with no "
    "sign-in; its signed token is the permission; tests/privacy/test_double_optin.py covers a "
    "forged, expired or stale link",
)
web("privacy:erase", kind="contact", rule="erase")
# Without the confirmation ticked: the page again (422), nothing erased.
web("privacy:erase", "POST", kind="contact", rule="erase", data=lambda w, c: {})
web("privacy:home", rule="admin")
web("privacy:consent_rule", "POST", rule="admin", data=lambda w, c: {"require": "on"})
web(
    "privacy:rule_create",
    "POST",
    rule="admin",
    data=lambda w, c: {"name": "Old leads", "age_days": "365", "action": "trash"},
)
web("privacy:purpose_create", "POST", rule="admin", data=lambda w, c: {"name": "Events"})
web(
    "privacy:purpose_delete",
    "POST",
    rule="admin",
    path=lambda w, c: reverse("privacy:purpose_delete", args=[w.ref["purpose"].pk]),
)
web("privacy:rule_preview", rule="admin", path=_rule("privacy:rule_preview"))
web(
    "privacy:rule_activate",
    "POST",
    rule="admin",
    path=_rule("privacy:rule_activate"),
    data=lambda w, c: {"active": "on"},
)
web("privacy:rule_delete", "POST", rule="admin", path=_rule("privacy:rule_delete"))

cli(
    "privacy export",
    kind="contact",
    rule="change",
    path=argv("privacy", "export", "{as}", pk("contact"), "--output", lambda w, c: w.out),
)
# Without --yes: the preview of what would go (the grant "erase"), nothing erased.
cli(
    "privacy erase",
    kind="contact",
    rule="erase",
    path=argv("privacy", "erase", "{as}", pk("contact")),
)
cli("privacy retention", rule="admin", path=argv("privacy", "retention", "{as}", "preview"))

# The API (ADR 0035): the export as the page's; the erasure's counts (GET) and the erasure without
# the confirmation (POST {}: 422, nothing erased) as the erasure page's.
api("POST", "/contacts/{contact_id}/privacy/export", kind="contact", rule="change")
api("GET", "/contacts/{contact_id}/privacy/erasure", kind="contact", rule="erase")
api(
    "POST",
    "/contacts/{contact_id}/privacy/erasure",
    kind="contact",
    rule="erase",
    data=lambda w, c: {},
)
# A person's answer for a purpose (ADR 0044): whoever may change the person.
api(
    "PUT",
    "/contacts/{contact_id}/consent/{purpose}/{channel}",
    kind="contact",
    rule="change",
    path=lambda w, c: f"/api/v1/contacts/{w.pk('contact', c)}/consent/{w.ref['purpose'].key}/email",
    data=lambda w, c: {"state": "withdrawn"},
)
