"""`rubrica createuser`: add a person who can log in, from the operator's shell."""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.models import Role, User
from rubrica.core import normalize
from rubrica.kits.cli.base import EXIT_INVALID, CliError, RubricaCommand, invalid


class Command(RubricaCommand):
    help = gettext_lazy(
        "Create a user. Without --password-stdin a password is generated and printed once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help=gettext_lazy("The login name."))
        parser.add_argument("--email", default="", help=gettext_lazy("Email address."))
        parser.add_argument(
            "--role",
            choices=Role.values,
            default=Role.MEMBER,
            help=gettext_lazy(
                "admin: everything; member: own and shared records; viewer: read-only. "
                "Default: member."
            ),
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help=gettext_lazy("Read the password from the first line of standard input."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from rubrica.accounts.services import user_create

        email = options["email"].strip()
        if email:
            # user_create stores the address as given; the CLI refuses a malformed one first.
            try:
                email = normalize.email(email)
            except ValueError as exc:
                raise invalid("email", str(exc)) from exc
        password: str | None = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise invalid("password", _("Standard input had no password."))
            candidate = User(username=options["username"], email=options["email"])
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                raise CliError([f"password: {m}" for m in exc.messages], EXIT_INVALID) from exc
        user, generated = user_create(
            actor=None,
            username=options["username"],
            email=email,
            password=password,
            role=options["role"],
        )
        self.out(
            _("Created %(role)s %(username)s.")
            % {"role": user.get_role_display().lower(), "username": user.username}
        )
        if generated:
            self.out(
                _("Password for %(username)s: %(password)s")
                % {"username": user.username, "password": generated}
            )
            self.out(_("This password is shown only once."))
