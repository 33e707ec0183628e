"""The affiliation part of creating many people at once (``contacts.bulk.contacts_create_many``):
the same validation, rows and history change as ``affiliation_create``, without its per-row
queries.

Here, next to ``_clean_affiliation`` and ``_affiliation_snapshot``, so that what an affiliation
holds and how its creation is recorded stays defined once for both paths
(``tests/contacts/test_bulk.py`` checks that a person created in bulk with an organization equals
one made by ``contact_create`` and ``affiliation_create``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rubrica.contacts.models import Contact
from rubrica.core.services import Errors
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.services import _affiliation_snapshot, _clean_affiliation


def affiliation_clean(data: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """The values ``affiliation_create`` would save for ``data``, and the field errors it would
    refuse them with (empty when none); writes nothing."""
    errors: Errors = {}
    values = _clean_affiliation(data, errors)
    return values, errors


def affiliations_create_primary(
    links: Sequence[tuple[Contact, Organization, Mapping[str, Any]]],
) -> list[Affiliation]:
    """Write one primary affiliation per ``(person, organization, cleaned values)``, in one
    INSERT, for people created in the same batch (who have no other affiliation to demote, no
    lock to take and no history yet: the caller records ``affiliation_created_changes``, bumps
    nothing and indexes once). Returns them in order, with their primary keys."""
    made = []
    for contact, organization, values in links:
        aff = Affiliation(contact=contact, organization=organization, is_primary=True)
        for name, value in values.items():
            setattr(aff, name, value)
        made.append(aff)
    Affiliation.objects.bulk_create(made)
    return made


def affiliation_created_changes(aff: Affiliation) -> dict[str, Any]:
    """The history changes ``affiliation_create`` records on the person for a new ``aff``."""
    return {f"affiliation.{aff.pk}": {"before": None, "after": _affiliation_snapshot(aff)}}
