"""`rubrica keys`: the keys that encrypt sensitive fields (ADR 0027).

`keys new` adds a fresh key to the key file as the current one (old keys stay, so old values
still open); `keys rotate` re-encrypts every sensitive value with the current key, here with a
progress bar or, with --background, in the worker (resumable: `rubrica jobs resume ID`);
`keys status` counts the stored values by key, so an old key is removed only once unused.
"""

from __future__ import annotations

import os
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica import env
from rubrica.accounts.cli import acting_user
from rubrica.core import sealing
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    EXIT_JOB_FAILED,
    CliError,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
)

EPILOG = gettext_lazy(
    "examples:\n"
    "  rubrica keys status                 the keys, and how many values each encrypts\n"
    "  rubrica keys new                    add a new current key to the key file\n"
    "  rubrica keys rotate                 re-encrypt every value with the current key\n"
    "  rubrica keys rotate --background    leave it to the worker\n"
)


class Command(RubricaCommand):
    help = gettext_lazy("Keys of sensitive fields: status | new | rotate [--background].")
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

        sub("status", gettext_lazy("The keys and how many stored values each encrypts."))
        sub("new", gettext_lazy("Add a new current key to the key file."))
        rotate = sub("rotate", gettext_lazy("Re-encrypt every sensitive value."))
        rotate.add_argument(
            "--background",
            action="store_true",
            help=gettext_lazy("Leave the work to the worker and return at once."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from rubrica.keys.services import ensure_key_administrator

        command = options["command"]
        if command != "rotate":
            # rotate asks in its service (reseal_start), with its own message.
            ensure_key_administrator(acting_user(options["as_user"]))
        if command == "status":
            self._status(options)
        elif command == "new":
            self._new(options)
        else:
            self._rotate(options)

    def _status(self, options: dict[str, Any]) -> None:
        from rubrica.keys.services import key_usage

        ring = sealing.key_ring()
        usage = key_usage()
        rows = [
            {"key": kid, "current": kid == ring.current, "values": usage.get(kid, 0)}
            for kid in ring.keys
        ]
        missing = sorted(set(usage) - set(ring.keys))
        if options["json"]:
            self.out_json({"keys": rows, "missing": missing})
            return
        for row in rows:
            mark = _("current") if row["current"] else ""
            self.out(
                _("%(key)s %(mark)s: %(count)d value(s)")
                % {"key": row["key"], "mark": mark, "count": row["values"]}
            )
        for kid in missing:
            self.out(_("%(key)s: values sealed with a key that is missing") % {"key": kid})

    def _new(self, options: dict[str, Any]) -> None:
        if os.environ.get("RUBRICA_FIELD_KEYS", "").strip():
            raise CliError(
                _(
                    "The keys come from RUBRICA_FIELD_KEYS: put a new line first there "
                    "(print one with `rubrica keys new --json` after unsetting it)."
                ),
                2,
            )
        path = env.field_key_file()
        text = env.field_keys_text()
        ring = sealing.parse_keys(text)
        kid, line = sealing.new_key_line(ring)
        fd = os.open(f"{path}.new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{line}\n{text if text.endswith(chr(10)) else text + chr(10)}")
        os.replace(f"{path}.new", path)
        sealing.forget_keys()
        if options["json"]:
            self.out_json({"key": kid, "file": str(path)})
            return
        self.out(
            _(
                "Key %(key)s added to %(file)s and used for new values. Back the file up, then "
                "run `rubrica keys rotate` to re-encrypt the stored values with it."
            )
            % {"key": kid, "file": path}
        )

    def _rotate(self, options: dict[str, Any]) -> None:
        from rubrica.jobs.cli import as_json, run_with_progress, summary
        from rubrica.jobs.models import JobStatus
        from rubrica.keys.services import reseal_start

        user = acting_user(options["as_user"])
        job = reseal_start(actor=user, enqueue=options["background"])
        if not options["background"]:
            job = run_with_progress(job, self)
        if options["json"]:
            self.out_json(as_json(job))
        else:
            self.out(summary(job))
        if job.status == JobStatus.FAILED:
            message = _("The rotation failed: %(error)s") % {"error": job.error}
            raise CliError(message, EXIT_JOB_FAILED)
