"""CSV of tasks: the tasks a user may see (or theirs), one row each, streamed.

Cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR) get a leading
apostrophe, as the people exports do (``dataio.tabular.writers.neutralise``; dataio sits above
this app, hence the few lines again here). Linked people and organizations are listed by id,
and only those the user may see.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from rubrica.accounts.models import User
from rubrica.contacts.models import Contact
from rubrica.organizations.models import Organization
from rubrica.tasks.models import Task

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = [
    "id",
    "title",
    "description",
    "status",
    "priority",
    "assignee",
    "due_date",
    "due_at",
    "time_zone",
    "remind_minutes_before",
    "recurrence",
    "people",
    "organizations",
    "owner",
    "visibility",
    "created_at",
    "completed_at",
]
CHUNK = 2000


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(user: User, tasks: QuerySet[Task]) -> Iterator[str]:
    """The CSV text, a line at a time (header first), in id order."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    last = 0
    ordered = tasks.select_related("assignee", "owner").order_by("id")
    while True:
        chunk = list(ordered.filter(id__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        ids = [t.pk for t in chunk]
        people = Task.people.through.objects.filter(
            task_id__in=ids, contact_id__in=Contact.objects.restrict(user).values("pk")
        ).values_list("task_id", "contact_id")
        orgs = Task.organizations.through.objects.filter(
            task_id__in=ids,
            organization_id__in=Organization.objects.restrict(user).values("pk"),
        ).values_list("task_id", "organization_id")
        linked: dict[str, dict[int, list[int]]] = {"people": {}, "organizations": {}}
        for name, pairs in (("people", people), ("organizations", orgs)):
            for task_id, other in pairs:
                linked[name].setdefault(task_id, []).append(other)
        for t in chunk:
            yield writer.writerow(
                [
                    neutralise(v)
                    for v in (
                        t.pk,
                        t.title,
                        t.description,
                        t.status,
                        t.get_priority_display(),
                        t.assignee.get_username(),
                        t.due_date.isoformat() if t.due_date else "",
                        t.due_at.isoformat() if t.due_at else "",
                        t.time_zone,
                        t.remind_minutes_before,
                        t.recurrence,
                        " ".join(str(i) for i in sorted(linked["people"].get(t.pk, []))),
                        " ".join(str(i) for i in sorted(linked["organizations"].get(t.pk, []))),
                        t.owner.get_username(),
                        t.visibility,
                        t.created_at.isoformat(),
                        t.completed_at.isoformat() if t.completed_at else "",
                    )
                ]
            )
