from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rubrica.contacts"
    label = "contacts"

    def ready(self) -> None:
        _register_search()
        _register_dedup()
        _register_history()
        _register_trash()
        _register_jobs()
        _register_list_defaults()
        _register_sharing()
        _register_grant_entity()
        _register_audit_labels()


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
        )
    )


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


def _register_jobs() -> None:
    """The photos stashed across a duplicate warning are swept by ``rubrica jobs purge``."""
    from rubrica.contacts.photo_stash import photo_stash_sweep
    from rubrica.jobs.registry import FileSweeper, register_file_sweeper

    register_file_sweeper(FileSweeper(key="contacts.photo_stash", sweep=photo_stash_sweep))


def _register_list_defaults() -> None:
    """A user may choose the people list's default columns and sort (accounts, ADR 0021)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.accounts.services import register_list_choices
    from rubrica.contacts.views import COLUMNS, NAME_COLUMN

    register_list_choices("contacts", _("People"), columns=COLUMNS, name_column=NAME_COLUMN)


def _register_sharing() -> None:
    """A person can be shared with a user or a team (rubrica.sharing): a "Shared with" panel,
    and the grantees read (or change) them through the owned-record policy."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.contacts.models import Contact
    from rubrica.sharing.registry import ShareableKind, register_shareable

    register_shareable(ShareableKind(key="contacts", model=Contact, label=_("Person")))


def _register_grant_entity() -> None:
    """Roles grant actions on people under the key "people" (issue 17)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.core.policies import Action, GrantEntity, register_entity

    register_entity(
        GrantEntity(
            "people",
            _("People"),
            (
                Action.VIEW,
                Action.ADD,
                Action.CHANGE,
                Action.DELETE,
                Action.EXPORT,
                Action.IMPORT,
                Action.MERGE,
                Action.BULK_EDIT,
                Action.MANAGE_FIELDS,
                Action.ERASE,
            ),
            position=10,
        )
    )


def _register_audit_labels() -> None:
    """Audit entries about people keep the id only; the audit page looks the current
    name up (ADR 0036), so no name outlives an erasure."""
    from rubrica.audit import labels
    from rubrica.contacts.selectors import audit_labels

    labels.register("contacts.contact", audit_labels)
