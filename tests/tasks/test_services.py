"""Task services: validation, permissions (a denied write changes nothing), history, the
restrict rule, recurrence, bulk actions."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.core.services import ConflictError
from rubrica.history.models import HistoryEntry
from rubrica.notifications.models import Notification
from rubrica.tasks.models import Status, Task
from rubrica.tasks.services import (
    task_complete,
    task_create,
    task_delete,
    task_restore,
    task_update,
    tasks_bulk_complete,
    tasks_bulk_reassign,
)
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db
ROME = zoneinfo.ZoneInfo("Europe/Rome")


def test_create_defaults_assignee_owner_and_time_zone_and_writes_history(member, settings) -> None:
    settings.TIME_ZONE = "Europe/Rome"
    task = task_create(actor=member, data={"title": "Call Ada", "due_date": "2026-12-07"})
    assert (task.assignee, task.owner, task.time_zone) == (member, member, "Europe/Rome")
    assert task.due_date == dt.date(2026, 12, 7)
    assert task.due_at is None
    entry = HistoryEntry.objects.get(object_id=task.pk)
    assert entry.changes["title"] == {"before": None, "after": "Call Ada"}


def test_a_naive_due_time_is_read_in_the_tasks_zone(member) -> None:
    task = task_create(
        actor=member,
        data={"title": "Call", "due_at": "2026-12-07T09:30", "time_zone": "Europe/Rome"},
    )
    assert task.due_at == dt.datetime(2026, 12, 7, 9, 30, tzinfo=ROME)
    assert task.due_date == dt.date(2026, 12, 7)


def test_bad_input_is_refused_by_field_and_nothing_is_saved(member) -> None:
    with pytest.raises(ValidationError) as caught:
        task_create(
            actor=member,
            data={
                "title": "",
                "due_date": "tomorrow",
                "priority": "extreme",
                "recurrence": "FREQ=SECONDLY",
                "remind_minutes_before": "-5",
                "people": [999999],
                "colour": "red",
            },
        )
    assert set(caught.value.message_dict) == {
        "title",
        "due_date",
        "priority",
        "recurrence",
        "remind_minutes_before",
        "people",
        "colour",
    }
    assert not Task.all_objects.exists()


def test_a_repeating_task_needs_a_due_date(member) -> None:
    with pytest.raises(ValidationError) as caught:
        task_create(actor=member, data={"title": "Weekly", "recurrence": "FREQ=WEEKLY"})
    assert set(caught.value.message_dict) == {"recurrence"}


def test_a_viewer_cannot_create(viewer) -> None:
    with pytest.raises(PermissionDenied):
        task_create(actor=viewer, data={"title": "No"})
    assert not Task.all_objects.exists()


def test_linking_a_person_one_cannot_see_is_refused(member, other_member) -> None:
    hidden = make_contact(other_member, given_name="Hidden", visibility="private")
    with pytest.raises(ValidationError) as caught:
        task_create(actor=member, data={"title": "T", "people": [hidden.pk]})
    assert "people" in caught.value.message_dict
    assert not Task.all_objects.exists()


def test_stale_version_is_refused_and_nothing_changes(member) -> None:
    task = task_create(actor=member, data={"title": "Old"})
    with pytest.raises(ConflictError):
        task_update(actor=member, task=task, data={"title": "New"}, expected_version=99)
    task.refresh_from_db()
    assert (task.title, task.version) == ("Old", 1)


def test_someone_without_access_cannot_change_a_private_task(member, other_member) -> None:
    task = task_create(actor=member, data={"title": "Mine", "visibility": "private"})
    with pytest.raises(PermissionDenied):
        task_update(actor=other_member, task=task, data={"title": "Theirs"})
    task.refresh_from_db()
    assert task.title == "Mine"


def test_visible_to_assignee_owner_and_whoever_sees_a_linked_record(
    member, other_member, viewer
) -> None:
    person = make_contact(member, given_name="Ada", visibility="everyone")
    task = task_create(
        actor=member, data={"title": "Linked", "visibility": "team", "people": [person.pk]}
    )
    private = task_create(
        actor=member, data={"title": "Private", "visibility": "private", "people": [person.pk]}
    )
    assigned = task_create(
        actor=member, data={"title": "Given", "visibility": "private", "assignee": viewer.pk}
    )
    assert set(Task.objects.restrict(other_member)) == {task}
    assert set(Task.objects.restrict(viewer)) == {task, assigned}
    assert set(Task.objects.restrict(member)) == {task, private, assigned}
    # seeing a linked person lets one read the task, not change it
    assert not Task.objects.restrict(other_member, "change").filter(pk=task.pk).exists()


def test_assignee_may_change_a_private_task_assigned_to_them(member, other_member) -> None:
    task = task_create(
        actor=member, data={"title": "Yours", "visibility": "private", "assignee": other_member.pk}
    )
    done, _next = task_complete(actor=other_member, task=task)
    assert done.status == Status.DONE
    assert done.completed_at is not None


def test_assigning_someone_notifies_them(member, other_member) -> None:
    task_create(actor=member, data={"title": "For you", "assignee": other_member.pk})
    n = Notification.objects.get(recipient=other_member)
    assert (n.kind, n.title) == ("tasks.assigned", "member assigned you a task: For you")


def test_completing_a_weekly_task_plans_the_next_at_the_same_local_time(member) -> None:
    # 2026-10-22 09:00 Rome is CEST; a week later it is CET: the wall time stays 09:00
    task = task_create(
        actor=member,
        data={
            "title": "Weekly call",
            "due_at": "2026-10-22T09:00",
            "time_zone": "Europe/Rome",
            "recurrence": "FREQ=WEEKLY",
            "remind_minutes_before": 15,
        },
    )
    done, following = task_complete(actor=member, task=task)
    assert done.status == Status.DONE
    assert following is not None
    assert following.due_at == dt.datetime(2026, 10, 29, 9, 0, tzinfo=ROME)
    assert following.remind_at == dt.datetime(2026, 10, 29, 8, 45, tzinfo=ROME)
    assert following.status == Status.OPEN
    assert following.previous == done


def test_a_series_with_a_count_ends(member) -> None:
    task = task_create(
        actor=member,
        data={"title": "Twice", "due_date": "2026-12-01", "recurrence": "RRULE:FREQ=DAILY;COUNT=2"},
    )
    _done, second = task_complete(actor=member, task=task)
    assert second is not None
    assert second.due_date == dt.date(2026, 12, 2)
    _done, third = task_complete(actor=member, task=second)
    assert third is None


def test_completing_twice_plans_one_next_occurrence(member) -> None:
    task = task_create(
        actor=member, data={"title": "Daily", "due_date": "2026-12-01", "recurrence": "FREQ=DAILY"}
    )
    task_complete(actor=member, task=task)
    task_update(actor=member, task=task, data={"status": "open"})
    task_complete(actor=member, task=task)
    assert Task.objects.filter(previous=task).count() == 1


def test_trash_and_restore(member) -> None:
    task = task_create(actor=member, data={"title": "T"})
    task_delete(actor=member, task=task)
    assert not Task.objects.filter(pk=task.pk).exists()
    task_restore(actor=member, task=task)
    assert Task.objects.filter(pk=task.pk).exists()


def test_bulk_complete_skips_guessed_ids_and_changes_nothing_of_them(member, other_member) -> None:
    mine = task_create(actor=member, data={"title": "Mine"})
    theirs = task_create(actor=other_member, data={"title": "Theirs", "visibility": "private"})
    result = tasks_bulk_complete(actor=member, ids=[mine.pk, theirs.pk, 987654])
    assert result.changed == [mine.pk]
    assert set(result.skipped) == {theirs.pk, 987654}
    theirs.refresh_from_db()
    assert (theirs.status, theirs.version) == (Status.OPEN, 1)


def test_bulk_reassign(member, other_member) -> None:
    a = task_create(actor=member, data={"title": "A"})
    b = task_create(actor=member, data={"title": "B"})
    result = tasks_bulk_reassign(actor=member, ids=[a.pk, str(b.pk)], assignee="other")
    assert result.changed == [a.pk, b.pk]
    assert set(Task.objects.values_list("assignee__username", flat=True)) == {"other"}


def test_bulk_reassign_to_nobody_is_refused_before_anything_changes(member) -> None:
    a = task_create(actor=member, data={"title": "A"})
    with pytest.raises(ValidationError):
        tasks_bulk_reassign(actor=member, ids=[a.pk], assignee="ghost")
    a.refresh_from_db()
    assert a.assignee == member


def test_tasks_link_organizations(member) -> None:
    org = make_organization(member, name="Acme")
    task = task_create(actor=member, data={"title": "Visit", "organizations": [org.pk]})
    assert list(task.organizations.all()) == [org]
