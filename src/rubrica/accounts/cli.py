"""Who a CLI command acts for: ``--as USERNAME``, else ``$RUBRICA_USER``, else the first
administrator. What they may see and do applies, as on every other door."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rubrica import env
from rubrica.accounts.models import User
from rubrica.kits.cli.base import EXIT_NOT_FOUND, CliError


def first_administrator() -> User | None:
    from rubrica.accounts.services import active_administrators

    return active_administrators().order_by("pk").first()


def acting_user(username: str | None) -> User:
    """The user the command acts for: ``--as``, else $RUBRICA_USER, else the first administrator."""
    name = (username or env.cli_user()).strip()
    if name:
        user = User.objects.filter(username__iexact=name, is_active=True).first()
        if user is None:
            raise CliError(_("no active user named %(name)s") % {"name": name}, EXIT_NOT_FOUND)
        return user
    user = first_administrator()
    if user is None:
        raise CliError(
            _("There is no administrator yet: run `rubrica setup` first, or pass --as USERNAME."),
            EXIT_NOT_FOUND,
        )
    return user
