"""`rubrica audit list | export | verify | head | write-head | prune`: the audit log at the
command line.

An operator's command: whoever runs it on the server holds the database already, so it acts as
no user (an export is audited with no actor, from the cli door). Write the head down outside the
database daily (the worker does it: `write-head`; ADR 0030) and give the file back to `verify
--against FILE`, so that a rewrite of the whole table is caught too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rubrica.audit import anchor, retention, selectors
from rubrica.audit.services import AuditAction, Target, head, record, verify
from rubrica.kits.cli.base import CliError, HelpFormatter, RubricaCommand, invalid

#: `verify` found an entry changed, removed, inserted or moved.
EXIT_TAMPERED = 8

AUDIT_EXIT_CODES_HELP = gettext_lazy(
    "exit codes:\n"
    "  0  success: the chain is whole\n"
    "  1  the log is empty (head), or the file of heads is missing\n"
    "  2  invalid input\n"
    "  8  the chain is broken: the first broken entry is named on stderr"
)
_EXPECT = re.compile(r"^(\d+):([0-9a-f]{64})$")


def _date(field: str) -> Any:
    def parse(raw: str) -> dt.date:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise invalid(field, _("Give a date as YYYY-MM-DD.")) from None

    return parse


class Command(RubricaCommand):
    help = gettext_lazy(
        "The audit log: list and export entries; verify walks its hash chain and names the "
        "first broken entry; head prints the latest entry's number and hash; write-head appends "
        "it to the head file; prune deletes entries past the retention period."
    )
    epilog = str(AUDIT_EXIT_CODES_HELP)

    def _subparser(self, actions: Any, name: str, help_text: Any) -> Any:
        return actions.add_parser(
            name,
            help=help_text,
            formatter_class=HelpFormatter,
            epilog=str(AUDIT_EXIT_CODES_HELP),
        )

    def _filters(self, parser: Any) -> None:
        parser.add_argument("--actor", default="", help=gettext_lazy("Username of the actor."))
        parser.add_argument(
            "--action",
            dest="action_key",
            metavar="KEY",
            default="",
            help=gettext_lazy("Action key, e.g. export.start."),
        )
        parser.add_argument(
            "--target-type", default="", help=gettext_lazy("Kind of record, e.g. contacts.contact.")
        )
        parser.add_argument("--since", default=None, help=gettext_lazy("First day, YYYY-MM-DD."))
        parser.add_argument("--until", default=None, help=gettext_lazy("Last day, YYYY-MM-DD."))
        parser.add_argument(
            "--text",
            default="",
            help=gettext_lazy("Text in the actor, record, address or details."),
        )

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        listing = self._subparser(
            actions, "list", gettext_lazy("Show entries, newest first (--limit, filters).")
        )
        self._filters(listing)
        listing.add_argument(
            "--limit", type=int, default=50, help=gettext_lazy("At most this many.")
        )
        listing.add_argument(
            "--json", action="store_true", help=gettext_lazy("One JSON object a line.")
        )
        export = self._subparser(
            actions, "export", gettext_lazy("Write entries as CSV, oldest first (audited).")
        )
        self._filters(export)
        export.add_argument(
            "--output", "-o", default="-", help=gettext_lazy("File to write (default: stdout).")
        )
        check = self._subparser(
            actions,
            "verify",
            gettext_lazy("Check every entry of the chain; exit 8 at the first broken one."),
        )
        check.add_argument(
            "--expect",
            metavar="SEQ:HASH",
            help=gettext_lazy(
                "A head written down earlier (`rubrica audit head`): that entry must still "
                "have that hash."
            ),
        )
        check.add_argument(
            "--against",
            metavar="FILE",
            help=gettext_lazy(
                "A file of heads written down earlier (the head file): each must match the chain."
            ),
        )
        self._subparser(
            actions,
            "head",
            gettext_lazy("Print SEQ:HASH of the latest entry, to keep outside the database."),
        )
        write = self._subparser(
            actions,
            "write-head",
            gettext_lazy("Append the head to the head file now (and e-mail it, if configured)."),
        )
        write.add_argument(
            "--file", default=None, help=gettext_lazy("Another file than the configured one.")
        )
        prune = self._subparser(
            actions,
            "prune",
            gettext_lazy("Delete entries older than the retention period, behind a checkpoint."),
        )
        prune.add_argument(
            "--days",
            type=int,
            default=None,
            help=gettext_lazy("Keep this many days (default: RUBRICA_AUDIT_RETENTION_DAYS)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "head":
            latest = head()
            if latest is None:
                raise CliError(_("The audit log is empty."), 1)
            self.out(f"{latest.seq}:{latest.hash}")
        elif action == "verify":
            self._verify(options)
        elif action == "list":
            self._list(options)
        elif action == "export":
            self._export(options)
        elif action == "write-head":
            self._write_head(options)
        else:
            self._prune(options)

    def _filter(self, options: dict[str, Any]) -> selectors.AuditFilter:
        return selectors.AuditFilter(
            actor=options.get("actor") or "",
            action=options.get("action_key") or "",
            target_type=options.get("target_type") or "",
            since=_date("since")(options["since"]) if options.get("since") else None,
            until=_date("until")(options["until"]) if options.get("until") else None,
            text=options.get("text") or "",
        )

    def _list(self, options: dict[str, Any]) -> None:
        limit = options["limit"]
        if limit < 1:
            raise invalid("limit", _("Give a number of at least 1."))
        found = selectors.entries(self._filter(options)).order_by("-seq")[:limit]
        for entry in found:
            row = {
                "seq": entry.seq,
                "time": entry.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                "actor": entry.actor_name,
                "action": entry.action,
                "target_type": entry.target_type,
                "target_id": entry.target_id,
                "target": entry.target_repr,
                "source": entry.source,
                "address": entry.ip_address,
                "details": entry.details,
            }
            if options.get("json"):
                self.out(json.dumps(row, ensure_ascii=False, sort_keys=True))
            else:
                target = " ".join(p for p in (entry.target_type, entry.target_id) if p)
                self.out(
                    "\t".join(
                        [
                            str(entry.seq),
                            row["time"],
                            entry.actor_name or "-",
                            entry.action,
                            target or "-",
                            entry.source or "-",
                            entry.ip_address or "-",
                        ]
                    )
                )

    def _export(self, options: dict[str, Any]) -> None:
        flt = self._filter(options)
        output = options.get("output") or "-"
        record(
            None,
            AuditAction.AUDIT_EXPORT,
            Target("audit.auditentry", "", "audit.csv" if output == "-" else Path(output).name),
            flt.as_details(),
        )
        lines = selectors.csv_lines(selectors.entries(flt))
        if output == "-":
            for line in lines:
                self.stdout.write(line, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                for line in lines:
                    handle.write(line)
        except OSError as exc:
            raise invalid("output", str(exc)) from None

    def _verify(self, options: dict[str, Any]) -> None:
        expect = None
        if options.get("expect"):
            match = _EXPECT.match(options["expect"].strip().lower())
            if match is None:
                raise invalid("expect", _("Give SEQ:HASH as printed by `rubrica audit head`."))
            expect = (int(match.group(1)), match.group(2))
        heads: list[tuple[int, str]] = []
        if options.get("against"):
            path = Path(options["against"])
            if not path.is_file():
                raise CliError(_("No file of heads at %(path)s.") % {"path": path}, 1)
            try:
                heads = anchor.read_heads(path)
            except anchor.HeadFileError as exc:
                raise invalid("against", str(exc)) from None
        report = verify(expect=expect, against=heads)
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
        if heads:
            self.out(
                ngettext(
                    "%(checked)d of %(total)d head written down matched (older ones were "
                    "deleted by retention).",
                    "%(checked)d of %(total)d heads written down matched (older ones were "
                    "deleted by retention).",
                    len(heads),
                )
                % {"checked": report.heads_checked, "total": len(heads)}
            )

    def _write_head(self, options: dict[str, Any]) -> None:
        path = Path(options["file"]).resolve() if options.get("file") else anchor.head_file()
        try:
            written = anchor.write_head(force=True, path=path)
        except OSError as exc:
            raise invalid("file", str(exc)) from None
        if written is None:
            raise CliError(_("The audit log is empty."), 1)
        self.out(
            _("Wrote %(seq)d:%(hash)s to %(path)s")
            % {"seq": written.seq, "hash": written.hash, "path": path}
        )

    def _prune(self, options: dict[str, Any]) -> None:
        days = options.get("days")
        if days is not None and days < 1:
            raise invalid("days", _("Give a number of days of at least 1."))
        count = retention.prune(days=days, force=True)
        self.out(
            ngettext("Deleted %(count)d audit entry.", "Deleted %(count)d audit entries.", count)
            % {"count": count}
        )
