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


def _register_phone_region() -> None:
    """Phone numbers typed without a country code are read in the team's country (ADR 0021)."""
    from rubrica.accounts.selectors import team_country
    from rubrica.core import normalize

    normalize.set_default_region_source(team_country)
