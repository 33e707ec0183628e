"""Task text is searchable through the one search: a hit opens the task, which links its
people; a private task is found only by who may see it; the Trash drops it, restoring brings it
back; completing a recurring task indexes the next occurrence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rubrica import search
from rubrica.search.registry import of
from rubrica.tasks import services
from rubrica.tasks.models import Task
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_tasks_are_registered_with_the_search() -> None:
    assert of(Task()).kind == "task"


def test_task_text_is_found_and_leads_to_the_person(member, member_client, other_member):
    ada = make_contact(member, visibility="everyone")
    task = services.task_create(
        actor=member,
        data={"title": "Send the quote", "description": "zeppelin spares", "people": [ada.pk]},
    )
    assert [(h.kind, h.pk) for h in search.query(member, "zeppelin")] == [("task", task.pk)]
    assert [h.pk for h in search.query(member, "quote")] == [task.pk]
    page = member_client.get(reverse("search:results"), {"q": "zeppelin"}).content.decode()
    assert reverse("tasks:detail", args=[task.pk]) in page
    detail = member_client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert ada.get_absolute_url() in detail
    # Seen through the person by another member, until it is private.
    assert [h.pk for h in search.query(other_member, "zeppelin")] == [task.pk]
    services.task_update(actor=member, task=task, data={"visibility": "private"})
    assert search.query(other_member, "zeppelin") == []
    services.task_update(actor=member, task=task, data={"description": "airship spares"})
    assert search.query(member, "zeppelin") == []
    assert [h.pk for h in search.query(member, "airship")] == [task.pk]
    services.task_delete(actor=member, task=task)
    assert search.query(member, "airship") == []
    services.task_restore(actor=member, task=Task.all_objects.get(pk=task.pk))
    assert [h.pk for h in search.query(member, "airship")] == [task.pk]


def test_the_next_occurrence_of_a_recurring_task_is_searchable(member):
    today = timezone.localdate()
    task = services.task_create(
        actor=member,
        data={
            "title": "Weekly zeppelin check",
            "due_date": today.isoformat(),
            "recurrence": "FREQ=WEEKLY",
        },
    )
    _done, following = services.task_complete(actor=member, task=task)
    assert following is not None
    assert following.due_date == today + dt.timedelta(days=7)
    assert {h.pk for h in search.query(member, "zeppelin")} == {task.pk, following.pk}
