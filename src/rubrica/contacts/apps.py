from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rubrica.contacts"
    label = "contacts"

    def ready(self) -> None:
        _register_search()
        _register_dedup()


def _register_search() -> None:
    """People are searchable: the search engine knows no domain and reads what this registers
    (rubrica.search.registry)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.contacts import search
    from rubrica.contacts.models import Contact
    from rubrica.search import registry
    from rubrica.search.models import Kind

    registry.register(
        registry.SearchKind(
            kind=Kind.CONTACT.value,
            model=Contact,
            display_field="display_name",
            document=search.contact_fields,
            prefetch=search.CONTACT_PREFETCH,
            filter_keys=search.FILTER_KEYS,
            parse_filters=search.parse_filters,
            label=_("People"),
            detail_url="contacts:detail",
            filter_form=search.filter_form,
        )
    )




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
