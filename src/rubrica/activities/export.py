"""CSV of activities: those a user may see (with the timeline's filters), one row each, streamed
in id order by chunks of ``CHUNK``.

Cells a spreadsheet would run as a formula (starting with = + - @ tab or CR) get a leading
apostrophe, as the people and task exports do. Linked people and organizations are listed by
id, and only those the user may see.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from rubrica.accounts.models import User
from rubrica.activities.models import Activity, ActivityOrganization, ActivityPerson
from rubrica.contacts.models import Contact
from rubrica.organizations.models import Organization

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
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
CHUNK = 2000


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(user: User, activities: QuerySet[Activity]) -> Iterator[str]:
    """The CSV text, a line at a time (header first)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    last = 0
    ordered = activities.select_related("owner", "outcome").order_by("id")
    while True:
        chunk = list(ordered.filter(id__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        ids = [a.pk for a in chunk]
        people = ActivityPerson.objects.filter(
            activity_id__in=ids, contact_id__in=Contact.objects.restrict(user).values("pk")
        ).values_list("activity_id", "contact_id")
        orgs = ActivityOrganization.objects.filter(
            activity_id__in=ids,
            organization_id__in=Organization.objects.restrict(user).values("pk"),
        ).values_list("activity_id", "organization_id")
        linked: dict[str, dict[int, list[int]]] = {"people": {}, "organizations": {}}
        for name, pairs in (("people", people), ("organizations", orgs)):
            for activity_id, other in pairs:
                linked[name].setdefault(activity_id, []).append(other)
        for a in chunk:
            yield writer.writerow(
                [
                    neutralise(v)
                    for v in (
                        a.pk,
                        a.kind,
                        a.direction,
                        a.occurred_at.isoformat(),
                        a.duration_minutes,
                        a.outcome.name if a.outcome_id and a.outcome else "",
                        a.subject,
                        a.body,
                        "true" if a.private else "false",
                        " ".join(str(i) for i in sorted(linked["people"].get(a.pk, []))),
                        " ".join(str(i) for i in sorted(linked["organizations"].get(a.pk, []))),
                        a.owner.get_username() if a.owner_id and a.owner else "",
                        a.created_at.isoformat(),
                    )
                ]
            )
