from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "rubrica.organizations"
    label = "organizations"

    def ready(self) -> None:
        _register_search()


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
