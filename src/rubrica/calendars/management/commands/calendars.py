"""`rubrica calendars`: the calendars you see, your agenda (occurrences of the coming days,
series expanded), export a calendar to .ics, import an .ics file into one."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.calendars import ical, selectors
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
    invalid,
)


class Command(RubricaCommand):
    help = gettext_lazy("Calendars: list | agenda | export | import.")

    def add_arguments(self, parser: Any) -> None:
        add_acting_user_argument(parser)
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

        def sub(name: str, text: Any) -> Any:
            return actions.add_parser(
                name, help=text, formatter_class=HelpFormatter, epilog=str(EXIT_CODES_HELP)
            )

        sub("list", gettext_lazy("The calendars you see."))
        agenda = sub("agenda", gettext_lazy("Your appointments of the coming days."))
        agenda.add_argument(
            "--from", dest="since", help=gettext_lazy("YYYY-MM-DD; default: today.")
        )
        agenda.add_argument("--days", type=int, default=7, help=gettext_lazy("How many days."))
        agenda.add_argument(
            "--calendar", type=int, action="append", help=gettext_lazy("Calendar id.")
        )
        export = sub("export", gettext_lazy("Write a calendar as .ics."))
        export.add_argument("calendar", type=int)
        export.add_argument("-o", "--output", help=gettext_lazy("File; default: standard output."))
        imp = sub("import", gettext_lazy("Read an .ics file into a calendar."))
        imp.add_argument("calendar", type=int)
        imp.add_argument("file", help=gettext_lazy("An .ics file, or - for standard input."))

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        action = options["action"]
        if action == "list":
            self._list(user, options)
        elif action == "agenda":
            self._agenda(user, options)
        elif action == "export":
            self._export(user, options)
        else:
            self._import(user, options)

    def _list(self, user: Any, options: dict[str, Any]) -> None:
        calendars = list(selectors.visible_calendars(user).order_by("name", "id"))
        writable = set(selectors.writable_calendars(user).values_list("pk", flat=True))
        rows = [
            {
                "id": c.pk,
                "name": c.name,
                "owner": c.owner.get_username(),
                "writable": c.pk in writable,
            }
            for c in calendars
        ]
        if options["json"]:
            self.out_json(rows)
            return
        for row in rows:
            mode = _("read-write") if row["writable"] else _("read-only")
            self.out(f"{row['id']}\t{row['name']}\t{row['owner']}\t{mode}")

    def _agenda(self, user: Any, options: dict[str, Any]) -> None:
        day = timezone.localdate()
        if options["since"]:
            parsed = parse_date(options["since"])
            if parsed is None:
                raise invalid("from", _("Enter a date as YYYY-MM-DD."))
            day = parsed
        if not 1 <= options["days"] <= 366:
            raise invalid("days", _("Enter a number of days between 1 and 366."))
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        end = start + dt.timedelta(days=options["days"])
        found = selectors.occurrences(
            user=user, start=start, end=end, calendars=options["calendar"] or None
        )
        rows = [
            {
                "appointment": o.appointment.pk,
                "start": o.start.isoformat(),
                "end": o.end.isoformat(),
                "title": _("Busy") if o.busy_only else o.appointment.title,
                "calendar": o.appointment.calendar_id,
                "busy": o.busy_only,
            }
            for o in found
        ]
        if options["json"]:
            self.out_json(rows)
            return
        for o, row in zip(found, rows, strict=True):
            local = o.start.astimezone(tz)
            when = (
                local.strftime("%Y-%m-%d")
                if o.appointment.all_day
                else local.strftime("%Y-%m-%d %H:%M")
            )
            self.out(f"{when}\t{row['title']}")

    def _calendar(self, user: Any, pk: int) -> Any:
        return get_or_not_found(
            selectors.visible_calendars(user), pk, _("no calendar %(id)s") % {"id": pk}
        )

    def _export(self, user: Any, options: dict[str, Any]) -> None:
        calendar = self._calendar(user, options["calendar"])
        body = ical.calendar_ics(calendar, user=user)
        if options["output"]:
            Path(options["output"]).write_bytes(body)
        else:
            self.stdout.write(body.decode(), ending="")

    def _import(self, user: Any, options: dict[str, Any]) -> None:
        calendar = self._calendar(user, options["calendar"])
        if options["file"] == "-":
            data = sys.stdin.buffer.read()
        else:
            path = Path(options["file"])
            if not path.is_file():
                raise invalid("file", _("There is no such file."))
            data = path.read_bytes()
        result = ical.import_ics(actor=user, calendar=calendar, ics=data)
        summary = {"created": result.created, "updated": result.updated, "skipped": result.skipped}
        if options["json"]:
            self.out_json(summary)
        else:
            self.out(
                _("Imported: %(created)d new, %(updated)d updated.")
                % {"created": result.created, "updated": result.updated}
            )
