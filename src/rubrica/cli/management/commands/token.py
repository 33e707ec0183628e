"""`rubrica token create|list|revoke`: API tokens for scripts and integrations. A new token's
secret is printed once; ``--scope read`` makes a token that cannot change anything,
``--scope contacts:read`` one that reads people only (ADR 0036), and
``--expires-days`` one that stops working by itself (ADR 0029)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.scopes import AREAS
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
        create.add_argument(
            "--scope",
            action="append",
            metavar="SCOPE",
            help=gettext_lazy(
                "What the token may do, repeatable: read or write (every area), AREA:read, "
                "AREA:write, AREA:* or admin (areas: %(areas)s); default: read and write."
            )
            % {"areas": ", ".join(AREAS)},
        )
        create.add_argument(
            "--expires-days",
            type=int,
            metavar="DAYS",
            help=gettext_lazy("The token stops working after this many days."),
        )
        listing = actions.add_parser(
            "list",
            help=gettext_lazy("List a user's tokens (never their secrets)."),
            formatter_class=HelpFormatter,
            epilog=str(EXIT_CODES_HELP),
        )
        listing.add_argument("--user", required=True, metavar="USERNAME")
        revoke = actions.add_parser(
            "revoke",
            help=gettext_lazy("Revoke a token by its number (see list)."),
            formatter_class=HelpFormatter,
            epilog=str(EXIT_CODES_HELP),
        )
        revoke.add_argument("id", type=int, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self.list_tokens(options["user"])
        elif action == "revoke":
            self.revoke(options["id"])
        else:
            self.create(options)

    def _user(self, username: str) -> Any:
        from rubrica.accounts.models import User

        user = User.objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise CliError(_("no active user named %(name)s") % {"name": username}, EXIT_NOT_FOUND)
        return user

    def create(self, options: dict[str, Any]) -> None:
        from rubrica.accounts.services import token_create

        user = self._user(options["user"])
        days = options.get("expires_days")
        if days is not None and days < 1:
            raise CliError(_("--expires-days: enter a whole number of days, at least 1."))
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        # The operator acts on the user's behalf: the token can do what the user can.
        token, secret = token_create(
            actor=user,
            user=user,
            name=options["name"],
            expires_at=expires_at,
            scopes=options.get("scope"),
        )
        self.out(
            _("Created token %(name)s for %(username)s:")
            % {"name": token.name, "username": user.username}
        )
        self.out(secret)
        self.out(
            _("Keep it now: it cannot be shown again. Use it as 'Authorization: Bearer <token>'.")
        )

    def list_tokens(self, username: str) -> None:
        from rubrica.accounts.models import ApiToken

        user = self._user(username)
        now = timezone.now()
        for token in ApiToken.objects.filter(user=user).order_by("id"):
            if token.revoked_at:
                status = _("revoked")
            elif token.expires_at and token.expires_at <= now:
                status = _("expired")
            else:
                status = _("active")
            used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "-"
            expires = token.expires_at.isoformat(timespec="seconds") if token.expires_at else "-"
            self.out(
                "\t".join(
                    [
                        str(token.pk),
                        token.key_prefix + "…",
                        token.name,
                        ",".join(token.scopes or []),
                        status,
                        expires,
                        used,
                    ]
                )
            )

    def revoke(self, pk: int) -> None:
        from rubrica.accounts.models import ApiToken
        from rubrica.accounts.services import token_revoke

        token = ApiToken.objects.select_related("user").filter(pk=pk).first()
        if token is None:
            raise CliError(_("no token number %(id)d") % {"id": pk}, EXIT_NOT_FOUND)
        if token.revoked_at is None:
            token_revoke(actor=token.user, token=token)
        self.out(_("Token %(name)s revoked.") % {"name": token.name})
