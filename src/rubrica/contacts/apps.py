from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rubrica.contacts"
    label = "contacts"

    def ready(self) -> None:
        _register_dedup()


def _register_dedup() -> None:
    """People are the records the duplicate engine matches: how it reads, restricts and shows
    them (``rubrica.contacts.matching``)."""
    from rubrica.contacts import matching
    from rubrica.contacts.models import Contact
    from rubrica.dedup import registry

    registry.register(
        registry.Records(
            model=Contact,
            restrict=matching.restrict,
            alive=matching.alive,
            identities=matching.identities,
            input_identity=matching.input_identity,
            stored_input=matching.stored_input,
            url=matching.url,
            name_field="display_name",
            card=registry.Card(
                template=matching.CARD_TEMPLATE,
                related=matching.CARD_RELATED,
                sides=matching.sides,
            ),
        )
    )
