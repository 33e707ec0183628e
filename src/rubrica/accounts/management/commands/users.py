"""`rubrica users locked | unlock USERNAME`: sign-ins locked out after repeated failures;
`rubrica users reset-two-factor USERNAME`: remove a user's second factors (a lost phone, or the
only administrator locked out of their own account; ADR 0029)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rubrica.accounts.cli import acting_user
from rubrica.accounts.signin import lockouts, unlock
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
)


class Command(RubricaCommand):
    help = gettext_lazy(
        "Sign-ins locked out after repeated failures: locked lists them, unlock USERNAME "
        "lets that username try again."
    )

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        listing = actions.add_parser(
            "locked",
            help=gettext_lazy("List the usernames and addresses locked out now."),
            formatter_class=HelpFormatter,
            epilog=str(EXIT_CODES_HELP),
        )
        listing.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        add_acting_user_argument(listing)
        release = actions.add_parser(
            "unlock",
            help=gettext_lazy("Let USERNAME sign in again from every address."),
            formatter_class=HelpFormatter,
            epilog=str(EXIT_CODES_HELP),
        )
        release.add_argument("username", metavar="USERNAME")
        add_acting_user_argument(release)
        reset = actions.add_parser(
            "reset-two-factor",
            help=gettext_lazy("Remove USERNAME's authenticator app, passkeys and recovery codes."),
            formatter_class=HelpFormatter,
            epilog=str(EXIT_CODES_HELP),
        )
        reset.add_argument("username", metavar="USERNAME")
        add_acting_user_argument(reset)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options.get("as_user"))
        if options["action"] == "reset-two-factor":
            from rubrica.accounts.models import User
            from rubrica.accounts.twofactor import two_factor_reset
            from rubrica.kits.cli.base import EXIT_NOT_FOUND, CliError

            # The caller's right first: whoever may not reset gets the same answer whether the
            # username exists or not (no probing for usernames; ADR 0036).
            if not actor.is_administrator:
                raise PermissionDenied(_("Only administrators can reset a second factor."))
            target = User.objects.filter(username__iexact=options["username"]).first()
            if target is None:
                raise CliError(
                    _("no user named %(name)s") % {"name": options["username"]}, EXIT_NOT_FOUND
                )
            count = two_factor_reset(actor=actor, user=target)
            self.out(
                ngettext(
                    "Removed %(count)d second factor of %(username)s.",
                    "Removed %(count)d second factors of %(username)s.",
                    count,
                )
                % {"count": count, "username": target.username}
            )
            return
        if options["action"] == "unlock":
            count = unlock(actor=actor, username=options["username"])
            if count:
                self.out(_("%(username)s may sign in again.") % {"username": options["username"]})
            else:
                self.out(_("%(username)s was not locked out.") % {"username": options["username"]})
            return
        if not actor.is_administrator:
            raise PermissionDenied(_("Only administrators can see locked-out sign-ins."))
        found = lockouts()
        if options["json"]:
            self.out_json(
                [
                    {
                        "username": item.username,
                        "ip_address": item.ip_address,
                        "failures": item.failures,
                        "last_attempt": item.last_attempt.isoformat(),
                        "until": item.until.isoformat() if item.until else None,
                    }
                    for item in found
                ]
            )
            return
        if not found:
            self.out(_("No sign-in is locked out."))
            return
        for item in found:
            values = {
                "username": item.username,
                "address": item.ip_address,
                "count": item.failures,
                "until": formats.date_format(item.until, "DATETIME_FORMAT") if item.until else "",
            }
            if item.until:
                line = ngettext(
                    "%(username)s from %(address)s: %(count)d failure, locked until %(until)s",
                    "%(username)s from %(address)s: %(count)d failures, locked until %(until)s",
                    item.failures,
                )
            else:
                line = ngettext(
                    "%(username)s from %(address)s: %(count)d failure, locked until unlocked",
                    "%(username)s from %(address)s: %(count)d failures, locked until unlocked",
                    item.failures,
                )
            self.out(line % values)
