"""Settings: users, teams, tokens, personal and team settings, custom fields, lists."""

from __future__ import annotations

from django.urls import reverse

from tests.matrix.doors import api, web


def _ref(name, ref):
    return lambda w, c: reverse(name, args=[w.ref[ref].pk])


web("settings:index", rule="signed_in")
web("settings:users", rule="admin")
web("settings:user_create", rule="admin")
web("settings:user_create", "POST", rule="admin", data=lambda w, c: {"username": "newbie"})
web(
    "settings:user_edit",
    rule="admin",
    path=lambda w, c: reverse("settings:user_edit", args=[w.users["sales"].pk]),
)
web(
    "settings:user_edit",
    "POST",
    rule="admin",
    path=lambda w, c: reverse("settings:user_edit", args=[w.users["sales"].pk]),
    data=lambda w, c: {"role": "admin"},
)
web(
    "settings:user_deactivate",
    "POST",
    rule="admin",
    path=lambda w, c: reverse("settings:user_deactivate", args=[w.users["owner"].pk]),
)
web(
    "settings:user_reset_password",
    "POST",
    rule="admin",
    path=lambda w, c: reverse("settings:user_reset_password", args=[w.users["owner"].pk]),
)
web("settings:teams", rule="admin")
web("settings:team_create", "POST", rule="admin", data=lambda w, c: {"name": "New team"})
web(
    "settings:team_edit",
    "POST",
    rule="admin",
    path=lambda w, c: reverse("settings:team_edit", args=[w.teams["a"].pk]),
    data=lambda w, c: {"name": "Renamed"},
)
web("settings:tokens", rule="signed_in")
web("settings:token_create", "POST", rule="signed_in", data=lambda w, c: {"name": "mine"})
web("settings:token_revoke", "POST", rule="own_strict", kind="token", cases=("missing",))
web("settings:personal", rule="signed_in")
web("settings:team_settings", rule="admin")
web("settings:team_settings", "POST", rule="admin", data=lambda w, c: {"country": "IT"})
web("settings:password_change", rule="signed_in")
web("settings:fields", rule="fields")
web(
    "settings:field_create",
    rule="fields",
    path=lambda w, c: reverse("settings:field_create", args=["contact"]),
)
web("settings:field_edit", rule="fields", path=_ref("settings:field_edit", "field"))
web("settings:field_delete", "POST", rule="fields", path=_ref("settings:field_delete", "field"))
web("settings:tags", rule="admin")
web(
    "settings:tag_edit",
    "POST",
    rule="admin",
    path=_ref("settings:tag_edit", "tag"),
    data=lambda w, c: {"name": "Renamed"},
)
web("settings:tag_delete", "POST", rule="admin", path=_ref("settings:tag_delete", "tag"))
for plural, one, ref in (("stages", "stage", "stage"), ("kinds", "kind", "kind")):
    web(f"settings:{plural}", rule="admin")
    web(
        f"settings:{one}_edit",
        "POST",
        rule="admin",
        path=_ref(f"settings:{one}_edit", ref),
        data=lambda w, c: {"name": "Renamed"},
    )
    web(
        f"settings:{one}_move",
        "POST",
        rule="admin",
        path=_ref(f"settings:{one}_move", ref),
        data=lambda w, c: {"offset": "1"},
    )
    web(f"settings:{one}_delete", "POST", rule="admin", path=_ref(f"settings:{one}_delete", ref))

api("GET", "/me/settings", rule="signed_in")
api("PATCH", "/me/settings", rule="signed_in", data=lambda w, c: {})
api("GET", "/team/settings", rule="signed_in")
api("PATCH", "/team/settings", rule="admin", data=lambda w, c: {"country": "IT"})
api("GET", "/custom-fields", rule="signed_in")
api(
    "POST",
    "/custom-fields",
    rule="fields",
    data=lambda w, c: {
        "entity": "contact",
        "key": "shoe_size",
        "label": "Shoe size",
        "field_type": "text",
    },
)
api(
    "GET",
    "/custom-fields/{field_id}",
    rule="signed_in",
    path=lambda w, c: f"/api/v1/custom-fields/{w.ref['field'].pk}",
)
api(
    "PATCH",
    "/custom-fields/{field_id}",
    rule="fields",
    path=lambda w, c: f"/api/v1/custom-fields/{w.ref['field'].pk}",
    data=lambda w, c: {"label": "Renamed"},
)
api(
    "DELETE",
    "/custom-fields/{field_id}",
    rule="fields",
    path=lambda w, c: f"/api/v1/custom-fields/{w.ref['field'].pk}",
)
api("GET", "/tags", rule="signed_in")
api("POST", "/tags", rule="add", data=lambda w, c: {"name": "fresh"})
api("GET", "/tags/{tag_id}", rule="signed_in", path=lambda w, c: f"/api/v1/tags/{w.ref['tag'].pk}")
api(
    "PATCH",
    "/tags/{tag_id}",
    rule="admin",
    path=lambda w, c: f"/api/v1/tags/{w.ref['tag'].pk}",
    data=lambda w, c: {"name": "Renamed"},
)
api("DELETE", "/tags/{tag_id}", rule="admin", path=lambda w, c: f"/api/v1/tags/{w.ref['tag'].pk}")
api("GET", "/stages", rule="signed_in")
api("GET", "/organization-kinds", rule="signed_in")
