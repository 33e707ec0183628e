"""The timeline: activities, quick log, keep in touch, their settings lists."""

from __future__ import annotations

from django.urls import reverse

from tests.matrix.doors import api, web

TRASHED = ("private_trashed", "team_trashed", "missing")

web("activities:list", rule="signed_in", lists=True)
web(
    "activities:quick_log",
    "POST",
    kind="contact",
    rule="change",
    data=lambda w, c: {
        "kind": "note",
        "subject": "Logged",
        "record_key": "person",
        "record_pk": w.pk("contact", c),
    },
)
web("activities:export", rule="signed_in", lists=True)
web("activities:to_contact", rule="signed_in", lists=True)
web(
    "activities:timeline",
    kind="contact",
    path=lambda w, c: reverse("activities:timeline", args=["person", w.pk("contact", c)]),
)
web(
    "activities:keep_in_touch",
    "POST",
    kind="contact",
    rule="change",
    data=lambda w, c: {"cadence": "30"},
)
web("activities:detail", kind="activity")
web("activities:edit", kind="activity", rule="owner_change")
web(
    "activities:edit",
    "POST",
    kind="activity",
    rule="owner_change",
    data=lambda w, c: {"subject": "Changed"},
)
web("activities:delete", "POST", kind="activity", rule="owner_change")
web("activities:restore", "POST", kind="activity", rule="owner_restore", cases=TRASHED)
web("settings:outcomes", rule="admin")
web(
    "settings:outcome_edit",
    rule="admin",
    path=lambda w, c: reverse("settings:outcome_edit", args=[w.ref["outcome"].pk]),
)
web(
    "settings:outcome_edit",
    "POST",
    rule="admin",
    path=lambda w, c: reverse("settings:outcome_edit", args=[w.ref["outcome"].pk]),
    data=lambda w, c: {"name": "Changed"},
)
web(
    "settings:outcome_move",
    "POST",
    rule="admin",
    path=lambda w, c: reverse("settings:outcome_move", args=[w.ref["outcome"].pk]),
    data=lambda w, c: {"offset": "1"},
)
web(
    "settings:outcome_retire",
    "POST",
    rule="admin",
    path=lambda w, c: reverse("settings:outcome_retire", args=[w.ref["outcome"].pk]),
)
web(
    "settings:outcome_delete",
    "POST",
    rule="admin",
    path=lambda w, c: reverse("settings:outcome_delete", args=[w.ref["outcome"].pk]),
)
web("settings:tag_cadences", rule="admin")
web(
    "settings:tag_cadences",
    "POST",
    rule="admin",
    data=lambda w, c: {"tag": w.ref["tag"].pk, "days": "30"},
)

api("GET", "/activities", rule="signed_in", lists=True)
api(
    "POST",
    "/activities",
    kind="contact",
    rule="add_on",
    refusals=(200, 302, 422),
    data=lambda w, c: {"kind": "note", "subject": "Logged", "people": [w.pk("contact", c)]},
)
api("GET", "/activities/{activity_id}", kind="activity")
api(
    "PATCH",
    "/activities/{activity_id}",
    kind="activity",
    rule="owner_change",
    data=lambda w, c: {"subject": "Changed"},
)
api("DELETE", "/activities/{activity_id}", kind="activity", rule="owner_change")
api(
    "POST", "/activities/{activity_id}/restore", kind="activity", rule="owner_change", cases=TRASHED
)
api(
    "PUT",
    "/activities/keep-in-touch/{person_id}",
    kind="contact",
    rule="change",
    refusals=(422,),
    data=lambda w, c: {"cadence_days": 30},
)
api("GET", "/activities/to-contact", rule="signed_in", lists=True)
api("GET", "/activities/outcomes", rule="signed_in")
api("GET", "/activities/tag-cadences", rule="signed_in")
api(
    "PUT",
    "/activities/tag-cadences/{tag_id}",
    rule="admin",
    refusals=(422,),
    path=lambda w, c: f"/api/v1/activities/tag-cadences/{w.ref['tag'].pk}",
    data=lambda w, c: {"days": 30},
)
api(
    "DELETE",
    "/activities/tag-cadences/{tag_id}",
    rule="admin",
    path=lambda w, c: f"/api/v1/activities/tag-cadences/{w.ref['tag'].pk}",
)
