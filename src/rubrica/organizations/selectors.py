"""Reads of organizations shared by the web UI, the API, the CLI and exports."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from rubrica.accounts.models import User
from rubrica.core.models import Action
from rubrica.core.pagination import Page, keyset_page
from rubrica.organizations.filters import OrganizationFilter
from rubrica.organizations.models import Organization


def organization_list(
    *, user: User, flt: OrganizationFilter, cursor: str | None = None, size: int = 50
) -> Page[Organization]:
    qs = flt.apply(Organization.objects.restrict(user, Action.VIEW))
    qs = qs.select_related("kind", "owner").prefetch_related("tags")
    return keyset_page(qs, order=flt.order, cursor=cursor, size=size)


def organization_detail_qs(user: User, action: str = Action.VIEW) -> QuerySet[Organization]:
    return (
        Organization.objects.restrict(user, action)
        .select_related("kind", "owner", "team", "parent")
        .prefetch_related("tags", "phones", "addresses")
    )


def visible_organization_ids(user: User, ids: Iterable[int | None]) -> set[int]:
    """Which of ``ids`` the user may view: a person's affiliations, list column or an
    organization's parent must not name an organization the reader cannot see."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return set()
    visible = Organization.objects.restrict(user, Action.VIEW).filter(pk__in=wanted)
    return set(visible.values_list("pk", flat=True))


def name_key(name: str) -> str:
    """An organization's ``sort_name`` for ``name``: white space folded, case folded in any
    script (``name__iexact`` folds only ASCII letters on SQLite)."""
    return " ".join(name.split()).casefold()[:300]


def organizations_named(visible: QuerySet[Organization], name: str) -> QuerySet[Organization]:
    """The organizations of ``visible`` called ``name`` regardless of case and spacing, oldest
    first, through the ``sort_name`` index."""
    return visible.filter(sort_name=name_key(name)).order_by("pk")


def audit_labels(ids: list[str]) -> dict[str, str]:
    """The current name of each organization of ``ids`` still there (in the Trash too), for
    the audit page (``audit.labels``)."""
    pks = [int(pk) for pk in ids if pk.isdigit()]
    rows = Organization.all_objects.filter(pk__in=pks).values_list("pk", "name")
    return {str(pk): name for pk, name in rows}
