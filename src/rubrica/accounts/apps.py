from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rubrica.accounts"
    label = "accounts"

    def ready(self) -> None:
        _register_phone_region()


def _register_phone_region() -> None:
    """Phone numbers typed without a country code are read in the team's country (ADR 0021)."""
    from rubrica.accounts.selectors import team_country
    from rubrica.core import normalize

    normalize.set_default_region_source(team_country)
