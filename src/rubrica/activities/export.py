"""CSV of activities: those a user may see (with the timeline's filters), one row each, streamed
in id order by chunks of ``CHUNK``.

Cells a spreadsheet would run as a formula get a leading apostrophe
(``kits.csv_stream``, as the task export). Linked people and organizations are listed by id, and
only those the user may see.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from rubrica.accounts.models import User
from rubrica.activities.models import Activity, ActivityOrganization, ActivityPerson
from rubrica.contacts.models import Contact
from rubrica.kits.csv_stream import Links, csv_lines, grouped, ids_text
from rubrica.organizations.models import Organization

COLUMNS = [
    "id",
    "kind",
    "direction",
    "occurred_at",
    "duration_minutes",
    "outcome",
    "subject",
    "body",
    "private",
    "people",
    "organizations",
    "owner",
    "created_at",
]


def _links(user: User, ids: list[int]) -> Links:
    people = ActivityPerson.objects.filter(
        activity_id__in=ids, contact_id__in=Contact.objects.restrict(user).values("pk")
    ).values_list("activity_id", "contact_id")
    orgs = ActivityOrganization.objects.filter(
        activity_id__in=ids,
        organization_id__in=Organization.objects.restrict(user).values("pk"),
    ).values_list("activity_id", "organization_id")
    return {"people": grouped(people), "organizations": grouped(orgs)}


def _row(a: Activity, linked: Links) -> list[Any]:
    return [
        a.pk,
        a.kind,
        a.direction,
        a.occurred_at.isoformat(),
        a.duration_minutes,
        a.outcome.name if a.outcome_id and a.outcome else "",
        a.subject,
        a.body,
        "true" if a.private else "false",
        ids_text(linked["people"].get(a.pk)),
        ids_text(linked["organizations"].get(a.pk)),
        a.owner.get_username() if a.owner_id and a.owner else "",
        a.created_at.isoformat(),
    ]


def csv_rows(user: User, activities: QuerySet[Activity]) -> Iterator[str]:
    """The CSV text, a line at a time (header first)."""
    return csv_lines(
        COLUMNS,
        activities.select_related("owner", "outcome"),
        links=lambda ids: _links(user, ids),
        row=_row,
    )
