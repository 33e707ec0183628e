from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "rubrica.segments"
    label = "segments"

    def ready(self) -> None:
        _register_contacts()


def _register_contacts() -> None:
    """``?segment=<id>`` narrows the people list to a segment: contacts knows no segment and asks
    the scope this registers (rubrica.contacts.scopes)."""
    from rubrica.contacts import scopes
    from rubrica.segments import selectors

    scopes.register_list_scope(
        scopes.ListScope(
            param="segment",
            resolve=selectors.segment_from_param,
            page=selectors.segment_page,
        )
    )
