from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "rubrica.sharing"
    label = "sharing"

    def ready(self) -> None:
        _register_share_filter()


def _register_share_filter() -> None:
    """The owned-record policy (core) widens its filter by what shares grant (core.shares)."""
    from rubrica.core.shares import register_share_filter
    from rubrica.sharing.selectors import shared_records_q

    register_share_filter(shared_records_q)
