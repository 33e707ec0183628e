"""The ``rubrica`` command acting as a user (``--as``): each action as each role.

``path(world, case)`` gives the arguments, with ``{as}`` where ``--as USERNAME`` goes (after the
action for most commands, before it where the command takes it first).
"""

from __future__ import annotations

from tests.matrix.doors import cli, exempt


def argv(*parts):
    return lambda w, c: [str(p(w, c)) if callable(p) else p for p in parts]


def pk(kind):
    return lambda w, c: w.pk(kind, c)


TRASHED = ("private_trashed", "team_trashed", "missing")

cli("contacts list", rule="signed_in", lists=True, path=argv("contacts", "list", "{as}"))
cli("contacts show", kind="contact", path=argv("contacts", "show", "{as}", pk("contact")))
cli(
    "contacts add",
    rule="add",
    path=argv("contacts", "add", "{as}", "--data", '{"given_name": "New"}'),
)
cli(
    "contacts edit",
    kind="contact",
    rule="change",
    path=argv("contacts", "edit", "{as}", "--set", "given_name=Changed", pk("contact")),
)
cli(
    "contacts delete",
    kind="contact",
    rule="change",
    path=argv("contacts", "delete", "{as}", pk("contact")),
)
cli(
    "contacts restore",
    kind="contact",
    rule="change",
    cases=TRASHED,
    path=argv("contacts", "restore", "{as}", pk("contact")),
)
cli("segments list", rule="signed_in", lists=True, path=argv("segments", "list", "{as}"))
cli("segments show", kind="segment", path=argv("segments", "show", "{as}", pk("segment")))
cli(
    "segments create",
    rule="add",
    path=argv("segments", "create", "{as}", "--static", "New segment"),
)
cli(
    "segments add",
    kind="segment",
    rule="change",
    path=argv(
        "segments", "add", "{as}", pk("segment"), lambda w, c: w.record("contact", "team").pk
    ),
)
cli(
    "segments remove",
    kind="segment",
    rule="change",
    path=argv(
        "segments", "remove", "{as}", pk("segment"), lambda w, c: w.record("contact", "team").pk
    ),
)
cli(
    "segments delete",
    kind="segment",
    rule="owner_change",
    path=argv("segments", "delete", "{as}", pk("segment")),
)
cli(
    "documents list",
    kind="contact",
    path=argv("documents", "list", "{as}", "contact", pk("contact")),
)
cli(
    "documents get",
    kind="document",
    path=argv("documents", "get", "{as}", "-o", lambda w, c: w.out, pk("document")),
)
cli(
    "documents add",
    kind="contact",
    rule="change",
    path=argv("documents", "add", "{as}", "contact", pk("contact"), lambda w, c: w.file),
)
cli("dedup list", rule="signed_in", lists=True, path=argv("dedup", "list", "{as}"))
cli("dedup dismiss", kind="pair", rule="change", path=argv("dedup", "dismiss", "{as}", pk("pair")))
cli(
    "dedup merge",
    kind="contact",
    rule="change",
    path=argv(
        "dedup", "merge", "{as}", pk("contact"), lambda w, c: w.record("contact", "team_twin").pk
    ),
)
cli("dedup undo", kind="merge", rule="change", path=argv("dedup", "undo", "{as}", pk("merge")))
cli("dedup scan", rule="add", path=argv("dedup", "scan", "{as}"))
cli("tasks list", rule="signed_in", lists=True, path=argv("tasks", "{as}", "list"))
cli("tasks add", rule="add", path=argv("tasks", "{as}", "add", "New task"))
cli("tasks done", kind="task", rule="change", path=argv("tasks", "{as}", "done", pk("task")))
cli("jobs list", rule="signed_in", path=argv("jobs", "{as}", "list"))
cli("jobs show", kind="import", rule="job_view", path=argv("jobs", "{as}", "show", pk("import")))
cli(
    "jobs cancel",
    kind="import",
    rule="job_act",
    extra={"ok_codes": (0, 2)},
    path=argv("jobs", "{as}", "cancel", pk("import")),
)
cli(
    "jobs resume",
    kind="import",
    rule="job_act",
    extra={"ok_codes": (0, 2)},
    path=argv("jobs", "{as}", "resume", pk("import")),
)
cli("calendars list", rule="signed_in", path=argv("calendars", "{as}", "list"))
cli("calendars agenda", rule="signed_in", lists=True, path=argv("calendars", "{as}", "agenda"))
cli(
    "calendars export",
    kind="calendar",
    path=argv("calendars", "{as}", "export", "-o", lambda w, c: w.out, pk("calendar")),
)
cli(
    "calendars import",
    kind="calendar",
    rule="owner_change",
    path=argv("calendars", "{as}", "import", pk("calendar"), lambda w, c: w.ics),
)
cli("notifications list", rule="signed_in", path=argv("notifications", "{as}", "list"))
cli(
    "notifications read",
    kind="notification",
    rule="own_strict",
    path=argv("notifications", "{as}", "read", pk("notification")),
)
cli("mail mailboxes", rule="signed_in", path=argv("mail", "{as}", "mailboxes"))
cli("mail unknown", rule="signed_in", path=argv("mail", "{as}", "unknown"))
cli(
    "mail fetch",
    kind="mailbox",
    rule="own",
    cases=("missing",),
    path=argv("mail", "{as}", "fetch", pk("mailbox")),
)
cli("quality clean", rule="signed_in", path=argv("quality", "clean", "{as}", "trim"))
cli("quality report", rule="signed_in", path=argv("quality", "report", "{as}"))
cli(
    "quality undo",
    kind="import",
    rule="own",
    cases=("missing",),
    path=argv("quality", "undo", "{as}", pk("import")),
)
cli(
    "export",
    rule="export",
    path=argv("export", "{as}", "--format", "csv", "-o", lambda w, c: w.out),
)
cli(
    "export",
    rule="export",
    label="cli export --entity organizations",
    path=argv(
        "export", "{as}", "--entity", "organizations", "--format", "json", "-o", lambda w, c: w.out
    ),
)
cli("search", rule="signed_in", lists=True, path=argv("search", "{as}", "Matrix"))
cli(
    "log",
    kind="contact",
    rule="add_on",
    refusals=(2,),
    path=argv("log", "{as}", "--person", pk("contact"), "--subject", "Logged", "note"),
)
cli("users locked", rule="admin", path=argv("users", "locked", "{as}"))
cli("users unlock", rule="admin", path=argv("users", "unlock", "{as}", "mx_owner"))
exempt(
    "cli demo",
    "fills an empty instance with made-up records as the operator; no one's records are read",
)
exempt(
    "cli dedup reindex",
    "rebuilds the match keys of every person: operator maintenance that shows no records",
)
exempt(
    "cli import",
    "an import job of the acting user: the web and API import doors (rule add) cover it",
)
exempt("cli jobs check", "the operator's health check of the worker; shows no records")
exempt("cli jobs purge", "the operator's clean-up of old finished jobs")
exempt("cli jobs recover", "the operator's recovery of jobs left running by a dead worker")
exempt(
    "cli jobs wait",
    "waits for a job the acting user started; reads it like jobs show, which is in the matrix",
)
exempt("cli mail import", "an upload like the mail:upload door (rule add), covered there")
exempt(
    "cli mail mailbox-add",
    "creates a mailbox of the acting user (rule add), as POST /mail/mailboxes in the matrix",
)
exempt(
    "cli segments send",
    "the service of POST /segments/{segment_id}/send, a segment the acting user may see, "
    "covered there",
)
exempt(
    "cli mail send",
    "sends as the acting user to a person they may see, as POST /mail/send in the matrix",
)
exempt(
    "cli notifications tick", "the scheduler's tick run by the operator; reads no one's records out"
)
