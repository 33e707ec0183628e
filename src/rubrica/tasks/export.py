"""CSV of tasks: the tasks a user may see (or theirs), one row each, streamed.

Cells that a spreadsheet would run as a formula get a leading apostrophe (``kits.csv_stream``,
as the activities export). Linked people and organizations are listed by id, and only those the
user may see.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from rubrica.accounts.models import User
from rubrica.contacts.models import Contact
from rubrica.kits.csv_stream import Links, csv_lines, grouped, ids_text
from rubrica.organizations.models import Organization
from rubrica.tasks.models import Task

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


def _links(user: User, ids: list[int]) -> Links:
    people = Task.people.through.objects.filter(
        task_id__in=ids, contact_id__in=Contact.objects.restrict(user).values("pk")
    ).values_list("task_id", "contact_id")
    orgs = Task.organizations.through.objects.filter(
        task_id__in=ids,
        organization_id__in=Organization.objects.restrict(user).values("pk"),
    ).values_list("task_id", "organization_id")
    return {"people": grouped(people), "organizations": grouped(orgs)}


def _row(t: Task, linked: Links) -> list[Any]:
    return [
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
        ids_text(linked["people"].get(t.pk)),
        ids_text(linked["organizations"].get(t.pk)),
        t.owner.get_username(),
        t.visibility,
        t.created_at.isoformat(),
        t.completed_at.isoformat() if t.completed_at else "",
    ]


def csv_rows(user: User, tasks: QuerySet[Task]) -> Iterator[str]:
    """The CSV text, a line at a time (header first), in id order."""
    return csv_lines(
        COLUMNS,
        tasks.select_related("assignee", "owner"),
        links=lambda ids: _links(user, ids),
        row=_row,
    )
