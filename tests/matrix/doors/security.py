"""Roles and grants, two-factor, passkeys, app passwords and protected fields (issue 17).

Roles, the two-factor rule, an administrator's reset of someone's second factor and the field
protections are administrators' ("admin"). A person's own second factor, recovery codes and app
passwords act on the signed-in person only ("signed_in"); revoking someone else's passkey or app
password by its id is not found, administrators included ("own_strict").
"""

from __future__ import annotations

from django.urls import reverse

from tests.matrix import world_trust  # noqa: F401 (adds the secrets and the role to the world)
from tests.matrix.doors import api, exempt, web
from tests.matrix.doors.cli import argv, cli
from tests.matrix.world import MISSING_ID


def _id(kind):
    return lambda w, c: MISSING_ID if c == "missing" else w.records[kind][c].pk


def _role(name):
    return lambda w, c: reverse(name, args=[w.ref["role"].pk])


# Roles: administrators only.
web("settings:roles", rule="admin")
web("settings:role_create", rule="admin")
web(
    "settings:role_create",
    "POST",
    rule="admin",
    data=lambda w, c: {"key": "mx_new", "name": "Matrix new"},
)
web("settings:role_edit", rule="admin", path=_role("settings:role_edit"))
web(
    "settings:role_edit",
    "POST",
    rule="admin",
    path=_role("settings:role_edit"),
    data=lambda w, c: {"name": "Renamed role"},
)
web(
    "settings:role_edit",
    "POST",
    rule="admin",
    label="web POST settings:role_edit(sales)",
    path=lambda w, c: reverse("settings:role_edit", args=[_shipped("sales")]),
    data=lambda w, c: {"name": "Sales"},
)
web("settings:role_delete", "POST", rule="admin", path=_role("settings:role_delete"))

# The same over the API (ADR 0033): administrators only, a request by anyone else changes nothing.
api("GET", "/roles", rule="admin")
api("POST", "/roles", rule="admin", data=lambda w, c: {"key": "mx_api", "name": "Matrix API"})
api("GET", "/roles/{role_id}", rule="admin", path=lambda w, c: f"/api/v1/roles/{w.ref['role'].pk}")
api(
    "PATCH",
    "/roles/{role_id}",
    rule="admin",
    path=lambda w, c: f"/api/v1/roles/{w.ref['role'].pk}",
    data=lambda w, c: {"name": "Renamed role"},
)
api(
    "PATCH",
    "/roles/{role_id}/grants",
    rule="admin",
    path=lambda w, c: f"/api/v1/roles/{w.ref['role'].pk}/grants",
    data=lambda w, c: {"grants": {"people": {"view": "all"}}},
)
api(
    "DELETE",
    "/roles/{role_id}",
    rule="admin",
    path=lambda w, c: f"/api/v1/roles/{w.ref['role'].pk}",
)
api(
    "PUT",
    "/users/{user_id}/roles",
    rule="admin",
    path=lambda w, c: f"/api/v1/users/{w.users['sales'].pk}/roles",
    data=lambda w, c: {"roles": ["administrator"]},
)
api(
    "PUT",
    "/teams/{team_id}/roles",
    rule="admin",
    path=lambda w, c: f"/api/v1/teams/{w.teams['a'].pk}/roles",
    data=lambda w, c: {"roles": ["administrator"]},
)
api(
    "PUT",
    "/teams/{team_id}/managers",
    rule="admin",
    path=lambda w, c: f"/api/v1/teams/{w.teams['a'].pk}/managers",
    data=lambda w, c: {"managers": []},
)


def _shipped(key):
    from rubrica.accounts.models import AccessRole

    return AccessRole.objects.get(key=key).pk


# Two-factor: one's own.
web("settings:security", rule="signed_in")
web("settings:totp_setup", rule="signed_in")
web("settings:totp_setup", "POST", rule="signed_in", data=lambda w, c: {"code": "000000"})
web("settings:totp_remove", "POST", rule="signed_in")
web("settings:recovery_codes", "POST", rule="signed_in")
web("settings:app_passwords", rule="signed_in")
web("settings:app_passwords", "POST", rule="signed_in", data=lambda w, c: {"name": "Laptop"})
web("signin_verify", rule="signed_in")
web(
    "settings:passkey_remove",
    "POST",
    kind="passkey",
    rule="own_strict",
    cases=("private", "missing"),
    path=lambda w, c: reverse("settings:passkey_remove", args=[_id("passkey")(w, c)]),
)
web(
    "settings:app_password_revoke",
    "POST",
    kind="app_password",
    rule="own_strict",
    cases=("private", "missing"),
    path=lambda w, c: reverse("settings:app_password_revoke", args=[_id("app_password")(w, c)]),
)

# Two-factor: administrators' rule and reset.
web(
    "settings:two_factor_policy",
    "POST",
    rule="admin",
    data=lambda w, c: {"two_factor_roles": ["administrator"]},
)
web(
    "settings:user_two_factor_reset",
    "POST",
    rule="admin",
    path=lambda w, c: reverse("settings:user_two_factor_reset", args=[w.users["owner"].pk]),
)

# Protected fields: administrators only.
web("settings:protected_fields", rule="admin")
web(
    "settings:protected_fields",
    "POST",
    rule="admin",
    data=lambda w, c: {
        "field": "contact-birthday",
        "contact-birthday-sensitive": "on",
        "contact-birthday-read_roles": ["administrator"],
        "contact-birthday-edit_roles": ["administrator"],
    },
)

cli("roles list", rule="admin", path=argv("roles", "list", "{as}"))
cli("roles show", rule="admin", path=argv("roles", "show", "{as}", "sales"))
cli(
    "roles grant",
    rule="admin",
    path=argv("roles", "grant", "{as}", "mx_role", "people", "view", "own"),
)
cli(
    "roles assign",
    rule="admin",
    path=argv("roles", "assign", "{as}", "mx_owner", "mx_role", "sales"),
)
cli(
    "users reset-two-factor",
    rule="admin",
    path=argv("users", "reset-two-factor", "{as}", "mx_owner"),
)

for name in ("authentication-begin", "authentication-complete"):
    exempt(
        f"web otp_webauthn:credential-{name}",
        "the passkey sign-in ceremony is public by design (it signs a person in); "
        "tests/accounts/test_two_factor.py covers it with a real authenticator",
    )
for name in ("registration-begin", "registration-complete"):
    exempt(
        f"web otp_webauthn:credential-{name}",
        "registers a passkey for the signed-in person only (no id is asked: it cannot reach "
        "anyone else); tests/accounts/test_two_factor.py covers it with a real authenticator",
    )
exempt("web otp_webauthn:js-i18n-catalog", "the passkey script's translations: public and static")
