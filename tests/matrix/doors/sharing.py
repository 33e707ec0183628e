"""Sharing one record with a user or a team (issue 17): the "Shared with" panel's add and
remove, the API's /{kind}/{id}/shares and ``rubrica share``.

Seeing the shares needs only to see the record; adding and removing need the right to share it
(its owner, whoever may change it, administrators): the rule "change". A share id of another
record is not found, whoever asks.
"""

from __future__ import annotations

from django.urls import reverse

from tests.matrix import world_trust  # noqa: F401 (adds the shares to the world)
from tests.matrix.doors import api, web
from tests.matrix.doors.cli import argv, cli, pk
from tests.matrix.world import MISSING_ID


def _share_id(w, c):
    return MISSING_ID if c == "missing" else w.records["share"][c].pk


def _grantee(w, c):
    return {"grantee": f"user:{w.users['grantee'].pk}", "level": "write"}


web(
    "sharing:add",
    "POST",
    kind="contact",
    rule="change",
    path=lambda w, c: reverse("sharing:add", args=["contacts", w.pk("contact", c)]),
    data=_grantee,
)
web(
    "sharing:add",
    "POST",
    kind="organization",
    rule="change",
    label="web POST sharing:add(organizations)",
    path=lambda w, c: reverse("sharing:add", args=["organizations", w.pk("organization", c)]),
    data=_grantee,
)
web(
    "sharing:remove",
    "POST",
    kind="contact",
    rule="change",
    path=lambda w, c: reverse(
        "sharing:remove", args=["contacts", w.pk("contact", c), _share_id(w, c)]
    ),
)
# The private person's share asked about through the team's person: not this record's share.
web(
    "sharing:remove",
    "POST",
    kind="contact",
    rule="own_strict",
    cases=("team",),
    label="web POST sharing:remove(another record's share)",
    refusals=(403,),
    path=lambda w, c: reverse(
        "sharing:remove", args=["contacts", w.pk("contact", "team"), _share_id(w, "private")]
    ),
)

api("GET", "/{kind}/{record_id}/shares", kind="contact", path=lambda w, c: _api(w, c))
api(
    "POST",
    "/{kind}/{record_id}/shares",
    kind="contact",
    rule="change",
    path=lambda w, c: _api(w, c),
    data=lambda w, c: {"user": w.users["grantee"].pk, "level": "write"},
)
api(
    "DELETE",
    "/{kind}/{record_id}/shares/{share_id}",
    kind="contact",
    rule="change",
    path=lambda w, c: f"{_api(w, c)}/{_share_id(w, c)}",
)
api(
    "DELETE",
    "/{kind}/{record_id}/shares/{share_id}",
    kind="contact",
    rule="own_strict",
    cases=("team",),
    label="api DELETE /{kind}/{record_id}/shares/{share_id}(another record's share)",
    refusals=(403,),
    path=lambda w, c: f"{_api(w, 'team')}/{_share_id(w, 'private')}",
)


def _api(w, c):
    return f"/api/v1/contacts/{w.pk('contact', c)}/shares"


cli("share list", kind="contact", path=argv("share", "list", "{as}", "contacts", pk("contact")))
cli(
    "share add",
    kind="contact",
    rule="change",
    path=argv(
        "share",
        "add",
        "{as}",
        "contacts",
        pk("contact"),
        "--user",
        "mx_grantee",
        "--level",
        "write",
    ),
)
cli(
    "share remove",
    kind="contact",
    rule="change",
    path=argv("share", "remove", "{as}", "contacts", pk("contact"), _share_id),
)
