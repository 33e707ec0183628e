"""The layout's own pages: home, Trash, help, sign-in; the audit log; feedback."""

from __future__ import annotations

from django.urls import reverse

from tests.matrix.doors import exempt, web

TRASHED = ("private_trashed", "team_trashed", "missing")

web("home", rule="signed_in", lists=True)
web("trash", rule="signed_in", lists=True)
web(
    "trash_restore",
    "POST",
    kind="contact",
    rule="restore",
    cases=TRASHED,
    path=lambda w, c: reverse("trash_restore", args=["people", w.pk("contact", c)]),
)
web(
    "trash_restore",
    "POST",
    kind="task",
    rule="restore",
    cases=TRASHED,
    label="web POST trash_restore(tasks)",
    path=lambda w, c: reverse("trash_restore", args=["tasks", w.pk("task", c)]),
)
web("help", rule="signed_in")
web("audit:list", rule="admin")
web("audit:verify", rule="admin")
web("feedback:new", rule="signed_in")
web("feedback:list", rule="admin")
exempt(
    "web login",
    "the sign-in page is public by design; tests/accounts/test_signin.py covers throttling",
)
exempt("web logout", "signing out needs no permission and changes no record")
exempt("web manifest", "the PWA manifest is public and static (no data)")
for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
    exempt(
        f"api {method} /{{rest}}",
        "the API's fallback: any unknown URL answers a 404 problem, for everyone",
    )
