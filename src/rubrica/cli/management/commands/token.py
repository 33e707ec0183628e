"""`rubrica token create`: an API token for scripts and integrations, shown once."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    EXIT_NOT_FOUND,
    CliError,
    HelpFormatter,
    RubricaCommand,
)


class Command(RubricaCommand):
    help = gettext_lazy("Manage API tokens: create makes one and prints its secret once.")

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        create = actions.add_parser(
            "create",
            help=gettext_lazy("Create a token for a user."),
            formatter_class=HelpFormatter,
            epilog=str(EXIT_CODES_HELP),
        )
        create.add_argument("--user", required=True, metavar="USERNAME")
        create.add_argument(
            "--name", required=True, help=gettext_lazy("What the token is for, e.g. 'backup'.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from rubrica.accounts.models import User
        from rubrica.accounts.services import token_create

        user = User.objects.filter(username__iexact=options["user"], is_active=True).first()
        if user is None:
            raise CliError(
                _("no active user named %(name)s") % {"name": options["user"]}, EXIT_NOT_FOUND
            )
        # The operator acts on the user's behalf: the token can do what the user can.
        token, secret = token_create(actor=user, user=user, name=options["name"])
        self.out(
            _("Created token %(name)s for %(username)s:")
            % {"name": token.name, "username": user.username}
        )
        self.out(secret)
        self.out(
            _("Keep it now: it cannot be shown again. Use it as 'Authorization: Bearer <token>'.")
        )
