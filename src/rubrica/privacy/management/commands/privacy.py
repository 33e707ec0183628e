"""`rubrica privacy`: export everything held about a person, erase a person, preview and run
the retention rules (ADR 0032). The acting user's rights apply: an id they may not see is "not
found"; erasure and retention are for administrators."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    CliError,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
)
from rubrica.privacy import retention
from rubrica.privacy.erasure import contact_erase, erasure_preview
from rubrica.privacy.export import export_filename, person_export
from rubrica.privacy.models import RetentionRule

EPILOG = gettext_lazy(
    "examples:\n"
    "  rubrica privacy export 12                 write person-12-DATE.zip here\n"
    "  rubrica privacy export 12 -o ada.zip      ... to ada.zip\n"
    "  rubrica privacy erase 12                  what erasing person 12 would remove\n"
    "  rubrica privacy erase 12 --yes            erase person 12 for good\n"
    "  rubrica privacy retention preview         what each rule would let go now\n"
    "  rubrica privacy retention run             run the rules that are on now\n"
)


class Command(RubricaCommand):
    help = gettext_lazy("Privacy: export PERSON | erase PERSON [--yes] | retention preview|run.")
    epilog = f"{EPILOG}\n{EXIT_CODES_HELP}"

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

        def sub(name: str, text: Any) -> Any:
            command = actions.add_parser(
                name, help=text, formatter_class=HelpFormatter, epilog=str(EXIT_CODES_HELP)
            )
            add_acting_user_argument(command)
            command.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
            return command

        export = sub("export", gettext_lazy("Everything held about a person, as one ZIP."))
        export.add_argument("person", type=int, metavar="PERSON_ID")
        export.add_argument(
            "-o", "--output", help=gettext_lazy("Where to write the ZIP (default: here).")
        )
        erase = sub("erase", gettext_lazy("Erase a person for good (administrators)."))
        erase.add_argument("person", type=int, metavar="PERSON_ID")
        erase.add_argument(
            "--yes", action="store_true", help=gettext_lazy("Erase; without it, only tell.")
        )
        keep = sub("retention", gettext_lazy("Retention rules (administrators)."))
        keep.add_argument("step", choices=["preview", "run"], metavar="preview|run")
        keep.add_argument(
            "--rule", type=int, help=gettext_lazy("Only this rule (default: every rule).")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        command = options["command"]
        if command == "retention":
            self._retention(user, options)
            return
        person = get_or_not_found(
            Contact.all_objects.restrict(user, Action.VIEW),
            options["person"],
            _("no person %(id)s") % {"id": options["person"]},
        )
        if command == "export":
            target = Path(options["output"] or export_filename(person))
            archive = person_export(actor=user, contact=person)
            try:
                with target.open("wb") as handle:
                    shutil.copyfileobj(archive, handle)
            except OSError as exc:
                raise CliError(
                    _("cannot write %(path)s: %(error)s")
                    % {"path": target, "error": exc.strerror or exc},
                    2,
                ) from exc
            if options["json"]:
                self.out_json({"person": person.pk, "file": str(target)})
            else:
                self.out(_("Wrote %(path)s.") % {"path": target})
            return
        if options["yes"]:
            counts = contact_erase(actor=user, contact=person)
            done = True
        else:
            counts = erasure_preview(actor=user, contact=person)
            done = False
        if options["json"]:
            self.out_json({"person": person.pk, "erased": done, "counts": counts})
            return
        for key, value in counts.items():
            self.out(f"{key}: {value}")
        self.out(
            _("Person %(id)d was erased.") % {"id": person.pk}
            if done
            else _("Nothing was changed; add --yes to erase for good.")
        )

    def _retention(self, user: Any, options: dict[str, Any]) -> None:
        retention.ensure_admin(user)
        rules = RetentionRule.objects.select_related("created_by").order_by("id")
        if options["rule"] is not None:
            rules = rules.filter(pk=options["rule"])
            if not rules.exists():
                raise CliError(_("no rule %(id)s") % {"id": options["rule"]}, 1)
        report: list[dict[str, Any]] = []
        for rule in rules:
            if options["step"] == "preview":
                preview = retention.retention_preview(actor=user, rule=rule)
                report.append(
                    {
                        "rule": rule.pk,
                        "name": rule.name,
                        "action": rule.action,
                        "active": rule.active,
                        "count": preview.count,
                        "people": [{"id": p.pk, "name": p.display_name} for p in preview.people],
                    }
                )
            else:
                if not rule.active:
                    continue
                done = retention.retention_run(rule)
                report.append({"rule": rule.pk, "name": rule.name, "count": len(done)})
        if options["json"]:
            self.out_json(report)
            return
        for item in report:
            self.out(f"#{item['rule']} {item['name']}: {item['count']}")
            for person in item.get("people", []):
                self.out(f"  {person['id']}\t{person['name']}")
