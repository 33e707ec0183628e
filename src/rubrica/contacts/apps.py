from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rubrica.contacts"
    label = "contacts"

    def ready(self) -> None:
        _register_history()
        _register_trash()


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


def _register_trash() -> None:
    """People go to the Trash; the Trash page lists them first, the purge photos and all."""
    from django.utils.translation import gettext_lazy

    from rubrica.contacts.models import Contact
    from rubrica.contacts.services import contact_restore, contact_trash_purge
    from rubrica.core.trash import TrashKind, register_trash

    register_trash(
        TrashKind(
            key="people",
            model=Contact,
            label=gettext_lazy("People"),
            empty_text=gettext_lazy("No people in the Trash."),
            pages_label=gettext_lazy("Pages of people"),
            restore_url_name="contacts:restore",
            restore=lambda actor, contact: contact_restore(actor=actor, contact=contact),
            purge=lambda cutoff: contact_trash_purge(cutoff=cutoff),
        )
    )
