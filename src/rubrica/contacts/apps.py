from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rubrica.contacts"
    label = "contacts"

    def ready(self) -> None:
        _register_history()


def _register_history() -> None:
    """People have history pages at history/people/<pk>/ (names history:contact...)."""
    from django.utils.translation import gettext_lazy

    from rubrica.contacts.models import Contact
    from rubrica.contacts.services import ALL_FIELDS, contact_revert
    from rubrica.customfields.models import Entity
    from rubrica.history.registry import HistoryKind, register_history

    register_history(
        HistoryKind(
            key="contact",
            model=Contact,
            url_prefix="people",
            list_url_name="contacts:list",
            list_label=gettext_lazy("People"),
            custom_field_entity=Entity.CONTACT,
            revertable=frozenset(ALL_FIELDS),
            revert=lambda actor, contact, entry, field: contact_revert(
                actor=actor, contact=contact, entry=entry, field=field
            ),
            name_field="display_name",
        )
    )
