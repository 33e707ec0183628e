from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rubrica.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from rubrica.accounts import twofactor
        from rubrica.accounts.sessions import on_logged_in

        # A new session is written at sign-in: its idle clock starts then (Django's own signal).
        user_logged_in.connect(on_logged_in, dispatch_uid="rubrica.accounts.session_touched")
        # ...and what it owes: a second factor, its set-up, or nothing (ADR 0029).
        user_logged_in.connect(twofactor.on_logged_in, dispatch_uid="rubrica.accounts.two_factor")
        _register_phone_region()
        _register_grants()


def _register_phone_region() -> None:
    """Phone numbers typed without a country code are read in the team's country (ADR 0021)."""
    from rubrica.accounts.selectors import team_country
    from rubrica.core import normalize

    normalize.set_default_region_source(team_country)


def _register_grants() -> None:
    """Roles' grants decide the permission policies (issue 17): core asks this app's reader
    (it imports no app), and the users are the entity of the "manage users" grant."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.accounts.selectors import grants
    from rubrica.core.policies import Action, GrantEntity, register_entity, register_grant_reader

    register_grant_reader(grants)
    register_entity(
        GrantEntity("users", _("Users, roles and teams"), (Action.MANAGE_USERS,), position=900)
    )
