"""`rubrica setup`: everything a fresh install needs before `rubrica serve`, safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import first_administrator
from rubrica.kits.cli.base import RubricaCommand

ADMIN_USERNAME = "admin"
LOGIN_URL = "http://127.0.0.1:8000"


def database_description() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite, {connection.settings_dict['NAME']}"
    return f"{connection.vendor}, {connection.settings_dict.get('NAME', '')}"


class Command(RubricaCommand):
    help = gettext_lazy(
        "Apply migrations, collect static files and, when there is no administrator yet, create "
        "one named 'admin' with a generated password that is printed once. Running it again "
        "changes nothing that is already in place."
    )
    requires_system_checks = "__all__"  # type: ignore[assignment]

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--skip-static",
            action="store_true",
            help=gettext_lazy("Do not collect static files (for tests and scripted installs)."),
        )
        parser.add_argument(
            "--country",
            default=None,
            help=gettext_lazy(
                "The team's country as a two-letter code (IT, CN, IR...): phone numbers typed "
                "without a country code are read as numbers of this country. Asked when not "
                "given and none is set, if the terminal can answer."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from rubrica.accounts.services import user_create

        quiet = max(0, options["verbosity"] - 1)
        call_command("migrate", interactive=False, verbosity=quiet, stdout=self.stdout)
        self.out(_("Database is up to date (%(where)s).") % {"where": database_description()})
        if not options["skip_static"]:
            call_command("collectstatic", interactive=False, verbosity=quiet, stdout=self.stdout)
            self.out(_("Static files are collected."))
        self._team_country(options["country"])
        self._field_keys()
        admin = first_administrator()
        if admin is not None:
            self.out(
                _("An administrator exists (%(username)s); no account was created.")
                % {"username": admin.username}
            )
            return
        user, password = user_create(actor=None, username=ADMIN_USERNAME, role="admin")
        self.out(_("Created the administrator account."))
        self.out(
            _("Log in at %(url)s as %(username)s with password: %(password)s")
            % {"url": LOGIN_URL, "username": user.username, "password": password}
        )
        self.out(_("This password is shown only once: keep it, or change it after logging in."))

    def _field_keys(self) -> None:
        """Make the key file of sensitive fields when there is none (ADR 0027): outside the
        database and the repository, 0600. Said once, with the advice to back it up."""
        import os

        from rubrica import env
        from rubrica.core import sealing

        if os.environ.get("RUBRICA_FIELD_KEYS", "").strip():
            sealing.key_ring()  # a bad value fails here, not at the first sensitive save
            return
        path = env.field_key_file()
        existed = path.exists()
        sealing.parse_keys(env.field_keys_text())  # makes the file when missing, checks it
        if not existed:
            self.out(
                _(
                    "Created the key file of sensitive fields, %(file)s. Back it up apart from "
                    "the database: without it encrypted values cannot be read."
                )
                % {"file": path}
            )

    def _team_country(self, given: str | None) -> None:
        """Set the team's country from ``--country``, or ask for it on a terminal when none is
        set; a bad code is a clear error and changes nothing."""
        import sys

        from django.core.exceptions import ValidationError

        from rubrica.accounts.selectors import team_country
        from rubrica.accounts.services import team_settings_update
        from rubrica.kits.cli.base import EXIT_INVALID, CliError

        country = given
        if country is None:
            if team_country() or not sys.stdin.isatty():
                return
            country = input(
                _("In which country does the team work? Two-letter code, such as IT: ")
            ).strip()
            if not country:
                return
        try:
            team_settings_update(actor=None, country=country)
        except ValidationError as exc:
            raise CliError(" ".join(exc.message_dict["country"]), EXIT_INVALID) from None
        self.out(_("The team's country is %(code)s.") % {"code": team_country() or "-"})
