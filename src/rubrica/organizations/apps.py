from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "rubrica.organizations"
    label = "organizations"

    def ready(self) -> None:
        _register_history()


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
