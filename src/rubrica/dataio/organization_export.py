"""The organizations' side of export jobs: the organizations a person may see (the list's
filters or chosen ids) written as CSV, XLSX or JSON, by the same job kind, download, audit and
permission rules as the people's (``exporting``).

Each organization is what its page shows its reader: ``organizations.services.snapshot`` with
the protected fields the reader may not read left out and the sealed ones they may read opened
(``present``), plus ``id``, ``uid``, the parent's name (only when the reader may see the parent)
and the timestamps. Read in chunks of ``CHUNK``, written as they come.

vCard is not offered: a vCard of an organization (``KIND:org``) is read by most address books,
Rubrica's importer included, as a person, so a round trip would turn each organization into one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from rubrica.accounts.models import User
from rubrica.core.models import Action
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import FieldAccess, field_access, present
from rubrica.organizations.filters import OrganizationFilter
from rubrica.organizations.models import Organization
from rubrica.organizations.services import snapshot

FORMATS = ("csv", "xlsx", "json")
CHUNK = 2000


def parse_filters(value: dict[str, Any]) -> OrganizationFilter:
    """The list filter of ``value``; its errors raised, each under ``selection.filters.<name>``."""
    flt, errors = OrganizationFilter.parse(value)
    if errors:
        raise ValidationError({f"selection.filters.{k}": v for k, v in errors.items()})
    return flt


def selected_organizations(user: User, selection: dict[str, Any]) -> QuerySet[Organization]:
    """The organizations of ``selection`` (filters or ids, as ``exporting.clean_selection``
    left it) that ``user`` may view, in list order."""
    visible = Organization.objects.restrict(user, Action.VIEW)
    if "filters" in selection:
        flt = parse_filters(selection["filters"])
        return flt.apply(visible).order_by(*flt.order)
    return visible.filter(pk__in=selection.get("ids", [])).order_by("sort_name", "id")


def organization_export_data(
    organization: Organization, *, access: FieldAccess, visible_parents: set[int]
) -> dict[str, Any]:
    """What every writer gets for one organization (see the module docstring)."""
    data = present(access, snapshot(organization))
    parent = organization.parent
    data.update(
        id=organization.pk,
        uid=organization.uid,
        parent=parent.pk if parent is not None and parent.pk in visible_parents else None,
        parent_name=parent.name if parent is not None and parent.pk in visible_parents else "",
        created_at=organization.created_at.isoformat(),
        updated_at=organization.updated_at.isoformat(),
        version=organization.version,
    )
    return data


def organization_rows(viewer: User, qs: QuerySet[Organization]) -> Iterator[dict[str, Any]]:
    """Each organization's export data as ``viewer`` may see it, read in chunks."""
    qs = qs.select_related("owner", "team", "kind", "parent").prefetch_related(
        "phones", "addresses", "tags"
    )
    access = field_access(viewer, Entity.ORGANIZATION)
    chunk: list[Organization] = []
    for organization in qs.iterator(chunk_size=CHUNK):
        chunk.append(organization)
        if len(chunk) >= CHUNK:
            yield from _chunk_rows(viewer, chunk, access)
            chunk = []
    yield from _chunk_rows(viewer, chunk, access)


def organizations_by_uid(viewer: User, uids: set[str]) -> Iterator[dict[str, Any]]:
    """The organizations with one of ``uids`` that ``viewer`` may view, by name, each as
    :func:`organization_rows` gives it (asked for ``CHUNK`` UIDs at a time)."""
    ordered = sorted(uids)
    for start in range(0, len(ordered), CHUNK):
        qs = (
            Organization.objects.restrict(viewer, Action.VIEW)
            .filter(uid__in=ordered[start : start + CHUNK])
            .order_by("sort_name", "id")
        )
        yield from organization_rows(viewer, qs)


def _chunk_rows(
    viewer: User, chunk: list[Organization], access: FieldAccess
) -> Iterator[dict[str, Any]]:
    parents = {o.parent_id for o in chunk if o.parent_id}
    visible_parents = set(
        Organization.objects.restrict(viewer, Action.VIEW)
        .filter(pk__in=parents)
        .values_list("pk", flat=True)
        if parents
        else []
    )
    for organization in chunk:
        yield organization_export_data(organization, access=access, visible_parents=visible_parents)
