"""`rubrica mail`: import .eml/.mbox files, add and fetch IMAP mailboxes, send e-mail to people.

Imports and fetches run here with a progress bar unless --background leaves them to the worker;
`send` queues the messages and, unless --background, sends them at once.
"""

from __future__ import annotations

import getpass
import os
from typing import Any, cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.core.models import Action
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    CliError,
    RubricaCommand,
    add_acting_user_argument,
)
from rubrica.mail import selectors, sending, services
from rubrica.mail.models import Mailbox, MailTemplate
from rubrica.mail.types import MailboxInput

EXAMPLES = gettext_lazy(
    "examples:\n"
    "  rubrica mail import archive.mbox        capture every message of the file\n"
    "  rubrica mail mailbox-add --name Work --host imap.example.org --user me\n"
    "                                          add an IMAP mailbox (asks for the password)\n"
    "  rubrica mail fetch 3                    fetch mailbox 3 now\n"
    "  rubrica mail send --to 12 --to 15 --subject 'Hello {{ contact.given_name }}' \\\n"
    "                    --body-file body.txt  send to people 12 and 15\n"
    "  rubrica mail unknown                    addresses in your mail that belong to nobody\n"
)


class Command(RubricaCommand):
    help = gettext_lazy("E-mail: import | fetch | send | mailboxes | mailbox-add | unknown.")
    epilog = f"{EXAMPLES}\n{EXIT_CODES_HELP}"

    def add_arguments(self, parser: Any) -> None:
        add_acting_user_argument(parser)
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        imp = actions.add_parser("import", help=gettext_lazy("Capture an .eml or .mbox file."))
        imp.add_argument("file", metavar="FILE")
        imp.add_argument(
            "--background",
            action="store_true",
            help=gettext_lazy("Queue the job for the worker and return its id."),
        )
        fetch = actions.add_parser("fetch", help=gettext_lazy("Fetch an IMAP mailbox now."))
        fetch.add_argument("mailbox", type=int, metavar="MAILBOX")
        fetch.add_argument(
            "--background",
            action="store_true",
            help=gettext_lazy("Queue the job for the worker and return its id."),
        )
        actions.add_parser("mailboxes", help=gettext_lazy("List your mailboxes."))
        add = actions.add_parser("mailbox-add", help=gettext_lazy("Add an IMAP mailbox."))
        add.add_argument("--name", required=True)
        add.add_argument("--host", required=True)
        add.add_argument("--port", type=int, default=993)
        add.add_argument("--security", choices=["ssl", "starttls", "none"], default="ssl")
        add.add_argument("--user", dest="username", required=True)
        add.add_argument(
            "--folder",
            dest="folders",
            action="append",
            help=gettext_lazy("A folder to capture (repeat; default INBOX)."),
        )
        add.add_argument("--since", dest="fetch_since", help=gettext_lazy("Fetch since (date)."))
        add.add_argument(
            "--password-env",
            metavar="VAR",
            help=gettext_lazy("Read the password from this environment variable (else asked)."),
        )
        send = actions.add_parser("send", help=gettext_lazy("Send an e-mail to people."))
        send.add_argument("--to", dest="people", type=int, action="append", required=True)
        send.add_argument("--subject", default="")
        send.add_argument("--body", default="")
        send.add_argument("--body-file", metavar="FILE")
        send.add_argument("--template", type=int, metavar="TEMPLATE")
        send.add_argument(
            "--purpose",
            metavar="KEY",
            help=gettext_lazy("The consent purpose written for (default: e-mail in general)."),
        )
        send.add_argument("--document", dest="documents", type=int, action="append", default=[])
        send.add_argument(
            "--background",
            action="store_true",
            help=gettext_lazy("Leave the sending to the worker."),
        )
        actions.add_parser("unknown", help=gettext_lazy("Addresses that belong to nobody known."))

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        action = options["action"]
        if action == "import":
            self._import(user, options)
        elif action == "fetch":
            self._fetch(user, options)
        elif action == "mailboxes":
            boxes = Mailbox.objects.restrict(user, Action.VIEW)
            rows = [
                {
                    "id": b.pk,
                    "name": b.name,
                    "host": b.host,
                    "folders": b.folders,
                    "last_fetch_at": b.last_fetch_at,
                    "last_error": b.last_error,
                }
                for b in boxes
            ]
            if options["json"]:
                self.out_json(rows)
            for row in [] if options["json"] else rows:
                self.out(f"{row['id']}\t{row['name']}\t{row['host']}\t{','.join(row['folders'])}")
        elif action == "mailbox-add":
            self._add(user, options)
        elif action == "send":
            self._send(user, options)
        elif action == "unknown":
            rows = selectors.unknown_senders(user)
            if options["json"]:
                self.out_json(rows)
            for row in [] if options["json"] else rows:
                self.out(f"{row['address']}\t{row['name']}\t{row['messages']}")

    def _run(self, job: Any, options: dict[str, Any]) -> None:
        from rubrica.jobs.cli import as_json, run_with_progress, summary

        if not options["background"]:
            job = run_with_progress(job, self)
        if options["json"]:
            self.out_json(as_json(job))
        else:
            self.out(summary(job))

    def _import(self, user: Any, options: dict[str, Any]) -> None:
        path = options["file"]
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CliError(
                _("cannot read %(file)s: %(error)s") % {"file": path, "error": exc}
            ) from exc
        with handle:
            job = services.import_start(
                actor=user,
                upload=handle,
                filename=os.path.basename(path),
                enqueue=options["background"],
            )
        self._run(job, options)

    def _fetch(self, user: Any, options: dict[str, Any]) -> None:
        mailbox = Mailbox.objects.restrict(user, Action.VIEW).filter(pk=options["mailbox"]).first()
        if mailbox is None:
            raise CliError(_("no mailbox %(id)s") % {"id": options["mailbox"]})
        job = services.mailbox_fetch_start(
            actor=user, mailbox=mailbox, enqueue=options["background"]
        )
        self._run(job, options)

    def _add(self, user: Any, options: dict[str, Any]) -> None:
        variable = options.get("password_env")
        password = os.environ.get(variable, "") if variable else getpass.getpass()
        data = cast(
            MailboxInput,
            {
                k: options[k]
                for k in ("name", "host", "port", "security", "username", "fetch_since")
                if options.get(k) is not None
            },
        )
        data["password"] = password
        data["folders"] = options["folders"] or ["INBOX"]
        mailbox = services.mailbox_create(actor=user, data=data)
        if options["json"]:
            self.out_json({"id": mailbox.pk, "name": mailbox.name})
        else:
            self.out(_("Mailbox %(id)d added.") % {"id": mailbox.pk})

    def _send(self, user: Any, options: dict[str, Any]) -> None:
        body = options["body"]
        if options.get("body_file"):
            with open(options["body_file"], encoding="utf-8") as handle:
                body = handle.read()
        template = None
        if options.get("template"):
            template = (
                MailTemplate.objects.restrict(user, Action.VIEW)
                .filter(pk=options["template"])
                .first()
            )
            if template is None:
                raise CliError(_("no template %(id)s") % {"id": options["template"]})
        queued = sending.mail_send(
            actor=user,
            contact_ids=options["people"],
            subject=options["subject"],
            body=body,
            template=template,
            document_ids=options["documents"],
            enqueue=options["background"],
            purpose=sending.purpose_by_key(options.get("purpose")),
        )
        result = {"queued": len(queued)}
        if not options["background"]:
            result.update(sending.send_due([o.pk for o in queued]))
        if options["json"]:
            self.out_json(result)
        else:
            self.out(
                _("%(queued)d queued, %(sent)d sent, %(failed)d to retry.")
                % {
                    "queued": result["queued"],
                    "sent": result.get("sent", 0),
                    "failed": result.get("failed", 0),
                }
            )
