"""Records -> response data. The services' snapshot() gives the input shape; this adds the
read-only parts (ids, version, timestamps, photo, affiliations).

Lists are rendered with a fixed number of queries per page whatever its size (prefetching the
children of all rows at once). An affiliation is shown only when its organization is visible to
the caller, so a private organization's name never leaks through a shared person.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.urls import reverse

from rubrica.contacts.models import NEVER, Contact
from rubrica.contacts.services import snapshot as contact_snapshot
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.selectors import visible_organization_ids
from rubrica.organizations.services import snapshot as organization_snapshot

CONTACT_LOOKUPS: tuple[Any, ...] = (
    "stage",
    "owner",
    "team",
    "tags",
    "emails",
    "phones",
    "addresses",
    "urls",
    "profiles",
)
ORGANIZATION_LOOKUPS = ("kind", "owner", "team", "tags", "phones", "addresses")


def affiliation_data(aff: Affiliation, *, with_contact: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": aff.pk,
        "organization": {"id": aff.organization_id, "name": aff.organization.name},
        "title": aff.title,
        "department": aff.department,
        "start_date": aff.start_date,
        "end_date": aff.end_date,
        "is_primary": aff.is_primary,
    }
    if with_contact:
        data["contact"] = {"id": aff.contact_id, "name": aff.contact.display_name}
        data["created_at"] = aff.created_at
        data["updated_at"] = aff.updated_at
    return data


def contacts_data(
    request: HttpRequest, contacts: Sequence[Contact], user: Any
) -> list[dict[str, Any]]:
    prefetch_related_objects(
        list(contacts),
        *CONTACT_LOOKUPS,
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization")),
    )
    visible = visible_organization_ids(
        user, (aff.organization_id for c in contacts for aff in c.affiliations.all())
    )
    out = []
    for contact in contacts:
        data = contact_snapshot(contact)
        data.update(
            id=contact.pk,
            uid=contact.uid,
            version=contact.version,
            photo=(
                request.build_absolute_uri(reverse("contacts:photo", args=[contact.pk]))
                if contact.photo
                else None
            ),
            created_at=contact.created_at,
            updated_at=contact.updated_at,
            deleted_at=contact.deleted_at,
            last_interaction_at=(
                contact.last_interaction_at if contact.last_interaction_at > NEVER else None
            ),
            affiliations=[
                affiliation_data(aff)
                for aff in contact.affiliations.all()
                if aff.organization_id in visible
            ],
        )
        out.append(data)
    return out


def contact_data(request: HttpRequest, contact: Contact, user: Any) -> dict[str, Any]:
    return contacts_data(request, [contact], user)[0]


def organizations_data(organizations: Sequence[Organization], user: Any) -> list[dict[str, Any]]:
    prefetch_related_objects(list(organizations), *ORGANIZATION_LOOKUPS)
    parents = visible_organization_ids(user, (org.parent_id for org in organizations))
    out = []
    for org in organizations:
        data = organization_snapshot(org)
        if data["parent"] not in parents:
            data["parent"] = None
        data.update(
            id=org.pk,
            uid=org.uid,
            version=org.version,
            created_at=org.created_at,
            updated_at=org.updated_at,
            deleted_at=org.deleted_at,
        )
        out.append(data)
    return out


def organization_data(org: Organization, user: Any) -> dict[str, Any]:
    return organizations_data([org], user)[0]
