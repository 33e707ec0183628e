"""`rubrica audit verify | head`: check the audit log's hash chain; print its latest hash.

An operator's command (it reads no record, only the chain): write `rubrica audit head` down
somewhere outside the database (daily, by cron) and give it back to `verify --expect`, so that
a rewrite of the whole table is caught too.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rubrica.audit.services import head, verify
from rubrica.kits.cli.base import CliError, HelpFormatter, RubricaCommand, invalid

#: `verify` found an entry changed, removed, inserted or moved.
EXIT_TAMPERED = 8

AUDIT_EXIT_CODES_HELP = gettext_lazy(
    "exit codes:\n"
    "  0  success: the chain is whole\n"
    "  1  the log is empty (head)\n"
    "  2  invalid input\n"
    "  8  the chain is broken: the first broken entry is named on stderr"
)
_EXPECT = re.compile(r"^(\d+):([0-9a-f]{64})$")


class Command(RubricaCommand):
    help = gettext_lazy(
        "The audit log: verify walks its hash chain and names the first broken entry; head "
        "prints the latest entry's number and hash."
    )
    epilog = str(AUDIT_EXIT_CODES_HELP)

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        check = actions.add_parser(
            "verify",
            help=gettext_lazy("Check every entry of the chain; exit 8 at the first broken one."),
            formatter_class=HelpFormatter,
            epilog=str(AUDIT_EXIT_CODES_HELP),
        )
        check.add_argument(
            "--expect",
            metavar="SEQ:HASH",
            help=gettext_lazy(
                "A head written down earlier (`rubrica audit head`): that entry must still "
                "have that hash."
            ),
        )
        actions.add_parser(
            "head",
            help=gettext_lazy("Print SEQ:HASH of the latest entry, to keep outside the database."),
            formatter_class=HelpFormatter,
            epilog=str(AUDIT_EXIT_CODES_HELP),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "head":
            latest = head()
            if latest is None:
                raise CliError(_("The audit log is empty."), 1)
            self.out(f"{latest.seq}:{latest.hash}")
            return
        expect = None
        if options.get("expect"):
            match = _EXPECT.match(options["expect"].strip().lower())
            if match is None:
                raise invalid("expect", _("Give SEQ:HASH as printed by `rubrica audit head`."))
            expect = (int(match.group(1)), match.group(2))
        report = verify(expect=expect)
        if report.broken is not None:
            raise CliError(
                _("audit entry %(seq)d is broken: %(reason)s")
                % {"seq": report.broken.seq, "reason": report.broken.reason},
                EXIT_TAMPERED,
            )
        self.out(
            ngettext(
                "The audit chain is whole: %(count)d entry, head %(seq)d:%(hash)s",
                "The audit chain is whole: %(count)d entries, head %(seq)d:%(hash)s",
                report.count,
            )
            % {"count": report.count, "seq": report.head_seq, "hash": report.head_hash}
        )
