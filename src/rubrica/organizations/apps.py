from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "rubrica.organizations"
    label = "organizations"

    def ready(self) -> None:
        _register_search()
        _register_history()
        _register_trash()
        _register_list_defaults()
        _register_sharing()
        _register_grant_entity()
        _register_audit_labels()


def _register_search() -> None:
    """Organizations are searchable: the search engine knows no domain and reads what this
    registers (rubrica.search.registry)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.organizations import search
    from rubrica.organizations.models import Organization
    from rubrica.search import registry
    from rubrica.search.models import Kind

    registry.register(
        registry.SearchKind(
            kind=Kind.ORGANIZATION.value,
            model=Organization,
            display_field="name",
            document=search.organization_fields,
            prefetch=search.ORGANIZATION_PREFETCH,
            filter_keys=search.FILTER_KEYS,
            parse_filters=search.parse_filters,
            label=_("Organizations"),
            detail_url="organizations:detail",
            dependents=search.people_of,
        )
    )


def _register_history() -> None:
    """Organizations have history pages at history/organizations/<pk>/ (names
    history:organization...); a person's affiliation rows name their organization by its name."""
    from django.utils.translation import gettext_lazy

    from rubrica.customfields.models import Entity
    from rubrica.history.registry import HistoryKind, register_history
    from rubrica.organizations.models import Organization
    from rubrica.organizations.services import ALL_FIELDS, organization_revert

    register_history(
        HistoryKind(
            key="organization",
            model=Organization,
            url_prefix="organizations",
            list_url_name="organizations:list",
            list_label=gettext_lazy("Organizations"),
            custom_field_entity=Entity.ORGANIZATION,
            revertable=frozenset(ALL_FIELDS),
            revert=lambda actor, organization, entry, field: organization_revert(
                actor=actor, organization=organization, entry=entry, field=field
            ),
            name_field="name",
        )
    )


def _register_trash() -> None:
    """Organizations go to the Trash; the Trash page lists them after people."""
    from django.utils.translation import gettext_lazy

    from rubrica.core.trash import TrashKind, register_trash
    from rubrica.organizations.models import Organization
    from rubrica.organizations.services import organization_restore, organization_trash_purge

    register_trash(
        TrashKind(
            key="organizations",
            model=Organization,
            label=gettext_lazy("Organizations"),
            empty_text=gettext_lazy("No organizations in the Trash."),
            pages_label=gettext_lazy("Pages of organizations"),
            restore_url_name="organizations:restore",
            restore=lambda actor, organization: organization_restore(
                actor=actor, organization=organization
            ),
            purge=lambda cutoff: organization_trash_purge(cutoff=cutoff),
        )
    )


def _register_list_defaults() -> None:
    """A user may choose the organizations list's default columns and sort (ADR 0021)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.accounts.services import register_list_choices
    from rubrica.organizations.views import COLUMNS, NAME_COLUMN

    register_list_choices(
        "organizations", _("Organizations"), columns=COLUMNS, name_column=NAME_COLUMN
    )


def _register_sharing() -> None:
    """An organization can be shared with a user or a team (rubrica.sharing)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.organizations.models import Organization
    from rubrica.sharing.registry import ShareableKind, register_shareable

    register_shareable(
        ShareableKind(key="organizations", model=Organization, label=_("Organization"))
    )


def _register_grant_entity() -> None:
    """Roles grant actions on organizations under the key "organizations" (issue 17)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.core.policies import Action, GrantEntity, register_entity

    register_entity(
        GrantEntity(
            "organizations",
            _("Organizations"),
            (
                Action.VIEW,
                Action.ADD,
                Action.CHANGE,
                Action.DELETE,
                Action.EXPORT,
                Action.IMPORT,
                Action.BULK_EDIT,
                Action.MANAGE_FIELDS,
            ),
            position=20,
        )
    )


def _register_audit_labels() -> None:
    """Audit entries about organizations keep the id only; the audit page looks the current
    name up (ADR 0036), so no name outlives an erasure."""
    from rubrica.audit import labels
    from rubrica.organizations.selectors import audit_labels

    labels.register("organizations.organization", audit_labels)
