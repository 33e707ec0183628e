"""Mail: a person's captured mail, mailboxes, templates, sending."""

from __future__ import annotations

from tests.matrix.doors import api, web

MISSING = ("missing",)

web("mail:home", rule="signed_in", lists=True)
web("mail:upload", "POST", rule="add", refusals=(302,))
web("mail:preference", "POST", rule="signed_in", data=lambda w, c: {"level": "all"})
web(
    "mail:create_from_address",
    "POST",
    rule="add",
    refusals=(302,),
    data=lambda w, c: {"address": "new@matrix.example"},
)
web("mail:message", kind="message", rule="own", cases=MISSING)
web("mail:mailboxes", rule="signed_in")
web("mail:mailbox_fetch", "POST", kind="mailbox", rule="own", cases=MISSING)
web("mail:mailbox_delete", "POST", kind="mailbox", rule="own", cases=MISSING)
web(
    "mail:send",
    "POST",
    kind="contact",
    rule="view",
    refusals=(200, 302, 422),
    data=lambda w, c: {"contact": w.pk("contact", c), "subject": "Hi", "body": "Hello"},
)

api("GET", "/mail/messages", rule="signed_in", lists=True)
api("POST", "/mail/messages", rule="add", refusals=(422,))
api("GET", "/mail/messages/{message_id}", kind="message", rule="own", cases=MISSING)
api("POST", "/mail/imports", rule="add", refusals=(422,), body="multipart", data=lambda w, c: {})
api("GET", "/mail/mailboxes", rule="signed_in")
api("POST", "/mail/mailboxes", rule="add", data=lambda w, c: {"name": "Box"})
api("GET", "/mail/mailboxes/{mailbox_id}", kind="mailbox", rule="own", cases=MISSING)
api("PATCH", "/mail/mailboxes/{mailbox_id}", kind="mailbox", rule="own", cases=MISSING)
api("DELETE", "/mail/mailboxes/{mailbox_id}", kind="mailbox", rule="own", cases=MISSING)
api("POST", "/mail/mailboxes/{mailbox_id}/fetch", kind="mailbox", rule="own", cases=MISSING)
api("GET", "/mail/templates", rule="signed_in")
api(
    "POST",
    "/mail/templates",
    rule="add",
    data=lambda w, c: {"name": "T", "subject": "S", "body": "B"},
)
api("PATCH", "/mail/templates/{template_id}", kind="template", rule="own", cases=MISSING)
api("DELETE", "/mail/templates/{template_id}", kind="template", rule="own", cases=MISSING)
api("GET", "/mail/outgoing", rule="signed_in", lists=True)
api(
    "POST",
    "/mail/send",
    kind="contact",
    rule="view",
    refusals=(200, 302, 422),
    data=lambda w, c: {"contact": w.pk("contact", c), "subject": "Hi", "body": "Hello"},
)
api("GET", "/mail/unknown-senders", rule="signed_in")
api(
    "POST", "/mail/unknown-senders", rule="add", data=lambda w, c: {"address": "new@matrix.example"}
)
api("GET", "/mail/preference", rule="signed_in")
api("PUT", "/mail/preference", rule="signed_in", data=lambda w, c: {"level": "all"})
web("mail:smtp_settings", rule="admin")
web(
    "mail:smtp_settings",
    "POST",
    rule="admin",
    data=lambda w, c: {"host": "smtp.example.org", "port": "587", "security": "starttls"},
)
