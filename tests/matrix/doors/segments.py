"""Segments: shared like records; only the owner (or an administrator) deletes one."""

from __future__ import annotations

from tests.matrix.doors import api, web

web("segments:list", rule="signed_in", lists=True)
web("segments:create", rule="add")
web(
    "segments:create",
    "POST",
    rule="add",
    data=lambda w, c: {"name": "New segment", "kind": "static"},
)
web(
    "segments:add_members",
    "POST",
    kind="segment",
    rule="change",
    refusals=(200, 302, 422),
    data=lambda w, c: {"segment": w.pk("segment", c), "ids": [w.record("contact", "team").pk]},
)
web(
    "segments:add_members",
    "POST",
    kind="contact",
    rule="view",
    refusals=(200, 302, 422),
    label="web POST segments:add_members(contact ids)",
    data=lambda w, c: {"segment": w.record("segment", "team").pk, "ids": [w.pk("contact", c)]},
)
web("segments:detail", kind="segment")
web("segments:edit", kind="segment", rule="change")
web("segments:edit", "POST", kind="segment", rule="change", data=lambda w, c: {"name": "Changed"})
web("segments:delete", "POST", kind="segment", rule="owner_change")

api("GET", "/segments", rule="signed_in", lists=True)
api("POST", "/segments", rule="add", data=lambda w, c: {"name": "New segment", "kind": "static"})
api("GET", "/segments/{segment_id}", kind="segment")
api(
    "PATCH",
    "/segments/{segment_id}",
    kind="segment",
    rule="change",
    data=lambda w, c: {"name": "Changed"},
)
api("DELETE", "/segments/{segment_id}", kind="segment", rule="owner_change")
api("GET", "/segments/{segment_id}/contacts", kind="segment", lists=True)
api(
    "POST",
    "/segments/{segment_id}/members",
    kind="segment",
    rule="change",
    refusals=(422,),
    data=lambda w, c: {"ids": [w.record("contact", "team").pk]},
)
api(
    "POST",
    "/segments/{segment_id}/members",
    kind="contact",
    rule="view",
    refusals=(200, 302, 422),
    label="api POST /segments/{segment_id}/members(contact ids)",
    path=lambda w, c: f"/api/v1/segments/{w.record('segment', 'team').pk}/members",
    data=lambda w, c: {"ids": [w.pk("contact", c)]},
)
api(
    "DELETE",
    "/segments/{segment_id}/members",
    kind="segment",
    rule="change",
    refusals=(422,),
    data=lambda w, c: {"ids": [w.record("contact", "team").pk]},
)
web("segments:send", kind="segment")
web(
    "segments:send",
    "POST",
    kind="segment",
    refusals=(200, 302, 400),
    data=lambda w, c: {"subject": "Hello", "body": "Hi"},
)
api("GET", "/segments/{segment_id}/recipients", kind="segment")
# Sending needs to see the segment (404 otherwise) and to write to the timeline (read-only: 403
# once the segment is seen), which is the "change" row of the matrix.
api(
    "POST",
    "/segments/{segment_id}/send",
    kind="segment",
    rule="change",
    refusals=(422,),
    data=lambda w, c: {"subject": "Hello", "body": "Hi"},
)
