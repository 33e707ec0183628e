"""What every Rubrica management command shares: exit codes, error output, the acting user.

The CLI is a door like the web UI and the API: it translates arguments into service calls and
service results into text. Errors a person can cause (bad input, a record they cannot see, an
action they may not do) end in one line per problem on stderr and a documented exit code, never a
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)
from django.db import DatabaseError, models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.core import origin
from rubrica.core.services import ConflictError

if TYPE_CHECKING:
    from rich.console import Console

_M = TypeVar("_M", bound=models.Model)

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_INVALID = 2
EXIT_PERMISSION = 3
EXIT_CONFLICT = 4
#: A job run in the foreground (import, export, scan, cleaning) failed; resumable.
EXIT_JOB_FAILED = 5
#: A job finished but some of its records failed (an import: see its report).
EXIT_PARTIAL = 6
#: A job finished but every one of its records failed (nothing was imported).
EXIT_ALL_FAILED = 7

EXIT_CODES_HELP = gettext_lazy(
    "exit codes:\n"
    "  0  success\n"
    "  1  not found (or Rubrica is not set up yet)\n"
    "  2  invalid input: one line per field on stderr, nothing was changed\n"
    "  3  permission denied for the acting user\n"
    "  4  conflict: the record changed meanwhile (--if-version)\n"
    "  5  the job failed (resume it: rubrica jobs resume ID)\n"
    "  6  the job finished, but some records failed (see its report)\n"
    "  7  the job finished, but every record failed"
)


class CliError(CommandError):
    """A failure to report as ``error: ...`` lines with a given exit code.

    It is a CommandError so that ``call_command`` callers can catch it and read ``returncode``
    and ``lines``; from the command line it is printed without Django's class-name prefix.
    """

    def __init__(self, lines: str | Iterable[str], returncode: int = EXIT_NOT_FOUND) -> None:
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines), returncode=returncode)


def validation_lines(exc: ValidationError) -> list[str]:
    """``field: message`` for each problem, in a stable order; ``__all__`` without a prefix."""
    if not hasattr(exc, "error_dict"):
        return [str(message) for message in exc.messages]
    lines = []
    for field, messages in sorted(exc.message_dict.items()):
        for message in messages:
            lines.append(message if field == "__all__" else f"{field}: {message}")
    return lines


def invalid(field: str, message: str) -> CliError:
    return CliError(f"{field}: {message}", EXIT_INVALID)


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's option order, with the epilog (exit codes, examples) printed as written."""


class RubricaCommand(BaseCommand):
    """Base of the Rubrica commands: turns service exceptions into exit codes and error lines."""

    #: Checks run by `rubrica serve`/`setup` themselves; the others would only slow every call.
    requires_system_checks: list[str] = []
    #: A lazy translation, evaluated when help is printed in the active language.
    help: Any = ""
    epilog: str | None = None

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = HelpFormatter
        parser.epilog = str(self.epilog or EXIT_CODES_HELP)
        return parser

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            try:
                with origin.using(origin.CLI):
                    return super().execute(*args, **options)
            except ValidationError as exc:
                raise CliError(validation_lines(exc), EXIT_INVALID) from exc
            except PermissionDenied as exc:
                message = str(exc) or _("You may not do this.")
                raise CliError(message, EXIT_PERMISSION) from exc
            except ConflictError as exc:
                raise CliError(
                    _("%(message)s Its version is now %(version)d.")
                    % {"message": exc, "version": exc.current_version},
                    EXIT_CONFLICT,
                ) from exc
            except DatabaseError as exc:
                if "no such table" in str(exc) or "does not exist" in str(exc):
                    raise CliError(
                        _("The database is not set up yet: run `rubrica setup` first."),
                        EXIT_NOT_FOUND,
                    ) from exc
                raise
        except CliError as exc:
            if getattr(self, "_called_from_command_line", False) and not options.get("traceback"):
                for line in exc.lines:
                    self.stderr.write(_("error: %(line)s") % {"line": line})
                sys.exit(exc.returncode)
            raise

    # Helpers shared by the commands ---------------------------------------------------------

    def out(self, text: str = "") -> None:
        self.stdout.write(text)

    def out_json(self, value: Any) -> None:
        self.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str))

    def console(self) -> Console:
        """A rich console on the command's stdout (a terminal, a pipe or a test's buffer)."""
        from rich.console import Console

        stream = cast(IO[str], getattr(self.stdout, "_out", self.stdout))
        return Console(file=stream, highlight=False, soft_wrap=False)

    @contextlib.contextmanager
    def progress_bar(self, label: str) -> Iterator[Callable[[int, int], None]]:
        """A rich progress bar on stderr (stdout stays clean for --json); yields the
        ``report(done, total)`` callback that long functions such as ``reindex`` take."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            console=self.err_console(),
            transient=False,
        ) as progress:
            task = progress.add_task(label, total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            yield report

    def err_console(self) -> Console:
        from rich.console import Console

        stream = cast(IO[str], getattr(self.stderr, "_out", self.stderr))
        return Console(file=stream, highlight=False)


def add_acting_user_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help=_(
            "Act as this user: what they may see and do applies. Default: $RUBRICA_USER, "
            "else the first administrator."
        ),
    )


def parse_json_object(raw: str, field: str = "data") -> dict[str, Any]:
    """A JSON object from ``raw``: the text itself, ``@path`` for a file, ``-`` for stdin."""
    if raw == "-":
        raw = sys.stdin.read()
    elif raw.startswith("@"):
        try:
            with open(raw[1:], encoding="utf-8") as handle:
                raw = handle.read()
        except OSError as exc:
            raise invalid(
                field,
                _("cannot read %(path)s: %(error)s")
                % {"path": raw[1:], "error": exc.strerror or exc},
            ) from exc
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise invalid(
            field,
            _("This is not valid JSON (line %(line)d, column %(col)d: %(msg)s).")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
        ) from exc
    if not isinstance(value, Mapping):
        raise invalid(field, _("Enter a JSON object."))
    return dict(value)


def get_or_not_found(queryset: models.QuerySet[_M, _M], pk: int, message: str) -> _M:
    """The row ``pk`` of ``queryset`` (restricted by the caller), else a not-found exit."""
    try:
        return queryset.get(pk=pk)
    except ObjectDoesNotExist:
        raise CliError(message, EXIT_NOT_FOUND) from None
