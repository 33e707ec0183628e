from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "rubrica.documents"
    label = "documents"

    def ready(self) -> None:
        _register_attachables()
        _register_history()
        _register_trash()
        _register_panels()
        _register_jobs()
        _register_grant_entity()


def _register_attachables() -> None:
    """Documents attach to people, organizations and activities (one foreign key each on
    Document)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.activities.models import Activity
    from rubrica.contacts.models import Contact
    from rubrica.documents.attachables import AttachableKind, register_attachable
    from rubrica.organizations.models import Organization

    register_attachable(AttachableKind("contact", Contact, "contact", _("Person")))
    register_attachable(
        AttachableKind("organization", Organization, "organization", _("Organization"))
    )
    register_attachable(AttachableKind("activity", Activity, "activity", _("Activity")))


def _register_history() -> None:
    """Documents have history pages at history/documents/<pk>/ (names history:document...)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext, gettext_lazy

    from rubrica.documents.models import Document
    from rubrica.history.registry import HistoryKind, register_history

    def revert(actor, document, entry, field):  # type: ignore[no-untyped-def]
        raise ValidationError({"field": gettext("This field cannot be restored here.")})

    register_history(
        HistoryKind(
            key="document",
            model=Document,
            url_prefix="documents",
            list_url_name="trash",
            list_label=gettext_lazy("Trash"),
            custom_field_entity="document",
            revertable=frozenset(),
            revert=revert,
            name_field="title",
        )
    )


def _register_trash() -> None:
    """Documents go to the Trash with their versions; the purge deletes their files."""
    from django.utils.translation import gettext_lazy

    from rubrica.core.trash import TrashKind, register_trash
    from rubrica.documents.models import Document
    from rubrica.documents.services import document_restore, document_trash_purge

    register_trash(
        TrashKind(
            key="documents",
            model=Document,
            label=gettext_lazy("Documents"),
            empty_text=gettext_lazy("No documents in the Trash."),
            pages_label=gettext_lazy("Pages of documents"),
            restore_url_name="documents:restore",
            restore=lambda actor, document: document_restore(actor=actor, document=document),
            purge=lambda cutoff: document_trash_purge(cutoff=cutoff),
        )
    )


def _register_panels() -> None:
    """A "Documents" panel on the pages of every kind documents attach to."""
    from rubrica.documents import views
    from rubrica.documents.attachables import attachable_kinds
    from rubrica.kits.web.panels import Panel, register_panel

    for kind in attachable_kinds():
        register_panel(
            Panel(
                key="documents",
                model=kind.model,
                template="documents/panel.html",
                context=views.panel_context,
                placement="main",
                order=30,
            )
        )


def _register_jobs() -> None:
    """Stored files no version names are swept by ``rubrica jobs purge``."""
    from rubrica.documents.services import orphan_sweep
    from rubrica.jobs.registry import FileSweeper, register_file_sweeper

    register_file_sweeper(FileSweeper(key="documents.orphans", sweep=orphan_sweep))


def _register_grant_entity() -> None:
    """Roles grant actions on documents under the key "documents" (issue 17)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.core.policies import Action, GrantEntity, register_entity

    register_entity(
        GrantEntity(
            "documents",
            _("Documents"),
            (Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE),
            position=60,
        )
    )
