"""The `rubrica` console script: Django's management commands with Rubrica's settings.

`rubrica --help` lists the commands an operator needs; every other Django command (for example
`rubrica dbshell`) passes through unchanged, so one program serves both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

SETTINGS_MODULE = "rubrica.settings"


def gettext_noop(text: str) -> str:
    """Marks text for translation (makemessages finds it) without touching settings, which are
    not configured yet when this module is imported."""
    return text


#: (command, one-line description) shown by `rubrica --help`, in the order a newcomer needs them.
COMMANDS: list[tuple[str, str]] = [
    (
        "setup",
        gettext_noop("Prepare database and static files; create the first administrator."),
    ),
    ("serve", gettext_noop("Run the web server (gunicorn) and the background worker.")),
    ("migrate", gettext_noop("Apply database migrations (setup does this for you).")),
    ("createuser", gettext_noop("Create a user; prints a generated password once.")),
    ("demo", gettext_noop("Fill the database with realistic demo people and organizations.")),
    ("contacts", gettext_noop("list | show | add | edit | delete | restore people.")),
    ("log", gettext_noop("Log a call, email, meeting... on people; `log list` shows a timeline.")),
    ("search", gettext_noop("Find people and organizations; `search reindex` rebuilds the index.")),
    ("dedup", gettext_noop("scan | list | dismiss | merge | undo duplicate people.")),
    ("quality", gettext_noop("report data quality; clean ACTION [--apply]; undo JOB.")),
    ("segments", gettext_noop("list | show | create | delete | add | remove saved segments.")),
    ("documents", gettext_noop("list | add | get files attached to people and organizations.")),
    ("import", gettext_noop("Import people from vCard, CSV, XLSX or JSON; revert | report JOB.")),
    ("export", gettext_noop("Export people or organizations to CSV, XLSX, vCard or JSON.")),
    ("jobs", gettext_noop("list | show | wait | cancel | resume background jobs.")),
    ("mail", gettext_noop("import | fetch | send e-mail; mailboxes; unknown senders.")),
    ("tasks", gettext_noop("list | add | done: your tasks (overdue, today, upcoming).")),
    ("notifications", gettext_noop("list | read your notifications; tick: send due reminders.")),
    ("calendars", gettext_noop("list | agenda | export | import calendars and appointments.")),
    ("trash", gettext_noop("purge: delete for good what has been in the Trash too long.")),
    ("token", gettext_noop("create: make an API token for a user (shown once).")),
    (
        "audit",
        gettext_noop(
            "list | export | verify | head | write-head | prune: the audit log and its hash chain."
        ),
    ),
    ("users", gettext_noop("locked | unlock USERNAME: sign-ins locked after failed attempts.")),
    ("roles", gettext_noop("list | show | grant | assign: roles, their grants, who holds them.")),
]


def _(text: str) -> str:
    """Translate when settings load; `--help` must work even when they do not."""
    try:
        from django.utils.translation import gettext

        return gettext(text)
    except Exception:  # settings broken: show the English text rather than fail
        return text


def help_text() -> str:
    lines = [
        _("Rubrica: a contact manager and light CRM for teams."),
        "",
        _("usage: rubrica COMMAND [options]"),
        "",
        _("commands:"),
    ]
    width = max(len(name) for name, _description in COMMANDS)
    for name, description in COMMANDS:
        lines.append(f"  {name.ljust(width)}  {_(description)}")
    lines += [
        "",
        _("`rubrica help COMMAND` (or `rubrica COMMAND --help`) explains one command."),
        _("`rubrica help --all` lists every Django command, which also work here."),
        "",
        _("First run: `rubrica setup && rubrica serve`, then open http://127.0.0.1:8000"),
        "",
        _("exit codes:"),
        _("  0  success"),
        _("  1  not found (or Rubrica is not set up yet)"),
        _("  2  invalid input: one line per field on stderr, nothing was changed"),
        _("  3  permission denied for the acting user"),
        _("  4  conflict: the record changed meanwhile"),
        "",
        _("environment:"),
        _("  RUBRICA_VAR_DIR  where the SQLite database, secret key and files live"),
        _("  DATABASE_URL     use PostgreSQL instead of SQLite"),
        _("  RUBRICA_USER     whom `rubrica contacts` acts for (default: first admin)"),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (the console script passes it to sys.exit)."""
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    try:
        import django

        django.setup()
    except Exception as exc:  # a bad environment value: say which, without a traceback
        if args in ([], ["-h"], ["--help"], ["help"]):
            sys.stdout.write(help_text() + "\n")
        sys.stderr.write(f"error: {exc}\n")
        return 1
    if args in ([], ["-h"], ["--help"], ["help"]):
        sys.stdout.write(help_text() + "\n")
        return 0
    if args[:2] == ["help", "--all"]:
        args = ["help"]
    if args in (["--version"], ["version"]):
        from importlib.metadata import PackageNotFoundError, version

        try:
            sys.stdout.write(f"rubrica {version('rubrica')}\n")
        except PackageNotFoundError:
            sys.stdout.write("rubrica (not installed)\n")
        return 0

    from django.core.management import ManagementUtility

    try:
        ManagementUtility(["rubrica", *args]).execute()
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        sys.stderr.write(f"{code}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
