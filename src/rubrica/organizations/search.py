"""Organizations in the search: how an organization's search document is built, how the
search's filters narrow organizations, and which people's documents carry its name. Registered
with the search engine by ``rubrica.organizations.apps`` (see ``rubrica.search.registry``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from rubrica.contacts.models import Contact
from rubrica.core.filters import Params
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import protected_names
from rubrica.organizations.filters import OrganizationFilter
from rubrica.organizations.models import Organization
from rubrica.search.documents import custom_text, folded_lines, name_forms
from rubrica.search.models import Kind
from rubrica.search.registry import Narrowing
from rubrica.search.text import phone_digits

#: What organization_fields reads; querysets given to it should prefetch these.
ORGANIZATION_PREFETCH = ("phones", "addresses", "tags")

#: The search filters organizations have (those of people too); a stage, email or phone filter
#: leaves no organizations.
FILTER_KEYS = ("tag", "owner", "team")


def organization_fields(org: Organization) -> dict[str, str]:
    """The organization's normalised text per field group: name (with pinyin), email domains
    and website, phone digits, industry, kind and places, tags, notes and custom fields."""
    place = []
    for address in org.addresses.all():
        place.extend([address.city, address.region, address.country, address.postal_code])
    return {
        "name": folded_lines(name_forms(org.name)),
        "email": folded_lines([*org.email_domains, org.website]),
        "phone": folded_lines(
            form for row in org.phones.all() for form in phone_digits(row.e164, row.raw)
        ),
        "org": folded_lines([org.industry, org.kind.name if org.kind else "", *place]),
        "tag": folded_lines(tag.name for tag in org.tags.all()),
        "other": folded_lines(
            [
                "" if "notes" in protected_names(Entity.ORGANIZATION) else org.notes,
                *custom_text(org.custom_fields),
            ]
        ),
    }


def people_of(org: Organization) -> Iterable[tuple[str, QuerySet[Any]]]:
    """The people whose documents carry the organization's name (their organization text): the
    search rewrites them when that name changes."""
    return [(Kind.CONTACT.value, Contact.objects.filter(affiliations__organization=org).distinct())]


def parse_filters(params: Params) -> tuple[Narrowing, dict[str, str]]:
    """The search's organization filters, parsed by the organization list's own
    ``OrganizationFilter``."""
    flt, errors = OrganizationFilter.parse(params)
    given = {"tag": bool(flt.tags), "owner": bool(flt.owners), "team": bool(flt.teams)}
    return Narrowing(apply=flt.apply, used=frozenset(k for k, on in given.items() if on)), errors
