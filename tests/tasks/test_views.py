"""Task pages: My tasks by bucket in the user's time zone, the form, complete, bulk, the team
view, and the panel on a person's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rubrica.tasks.models import Status, Task
from rubrica.tasks.services import task_create
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _day(offset: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=offset)).isoformat()


def test_my_tasks_sorts_overdue_today_upcoming(member_client, member) -> None:
    task_create(actor=member, data={"title": "Late one", "due_date": _day(-2)})
    task_create(actor=member, data={"title": "Today one", "due_date": _day(0)})
    task_create(actor=member, data={"title": "Later one", "due_date": _day(3)})
    task_create(actor=member, data={"title": "Whenever"})
    page = member_client.get(reverse("tasks:mine")).content.decode()
    overdue = page.index('id="tasks-overdue"')
    today = page.index('id="tasks-today"')
    upcoming = page.index('id="tasks-upcoming"')
    undated = page.index('id="tasks-undated"')
    assert overdue < page.index("Late one") < today < page.index("Today one") < upcoming
    assert upcoming < page.index("Later one") < undated < page.index("Whenever")


def test_my_tasks_runs_a_fixed_number_of_queries(
    member_client, member, django_assert_max_num_queries
) -> None:
    for i in range(30):
        task_create(actor=member, data={"title": f"T{i}", "due_date": _day(i - 15)})
    with django_assert_max_num_queries(17):
        member_client.get(reverse("tasks:mine"))


def test_add_a_task_from_a_persons_page(member_client, member) -> None:
    person = make_contact(member, given_name="Ada")
    page = member_client.get(person.get_absolute_url()).content.decode()
    assert 'id="panel-tasks"' in page
    add = f"{reverse('tasks:new')}?person={person.pk}"
    assert add in page.replace("&amp;", "&")
    form = member_client.get(add).content.decode()
    assert f'value="{person.pk}"' in form
    response = member_client.post(
        add,
        {
            "title": "Call back",
            "assignee": member.pk,
            "due_date": _day(1),
            "due_time": "10:00",
            "priority": "2",
            "remind": "15",
            "visibility": "team",
            "people": str(person.pk),
            "next": person.get_absolute_url(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    task = Task.objects.get()
    assert list(task.people.all()) == [person]
    assert task.remind_minutes_before == 15
    assert "Call back" in member_client.get(person.get_absolute_url()).content.decode()


def test_a_bad_rule_shows_the_error_and_saves_nothing(member_client, member) -> None:
    response = member_client.post(
        reverse("tasks:new"),
        {
            "title": "T",
            "assignee": member.pk,
            "priority": "2",
            "visibility": "team",
            "recurrence": "FREQ=WEEKLY",
        },
    )
    assert response.status_code == 400
    assert "needs a due date" in response.content.decode()
    assert not Task.all_objects.exists()


def test_complete_from_the_list(member_client, member) -> None:
    task = task_create(actor=member, data={"title": "T"})
    member_client.post(reverse("tasks:complete", args=[task.pk]), {"version": "1"})
    task.refresh_from_db()
    assert task.status == Status.DONE


def test_a_task_one_may_not_see_is_not_found(member_client, other_member) -> None:
    task = task_create(actor=other_member, data={"title": "Secret", "visibility": "private"})
    assert member_client.get(reverse("tasks:detail", args=[task.pk])).status_code == 404
    response = member_client.post(reverse("tasks:complete", args=[task.pk]))
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == Status.OPEN


def test_a_task_one_may_only_read_cannot_be_completed(member_client, member, other_member) -> None:
    person = make_contact(member, given_name="Ada", visibility="everyone")
    task = task_create(
        actor=other_member, data={"title": "About Ada", "visibility": "team", "people": [person.pk]}
    )
    assert member_client.get(reverse("tasks:detail", args=[task.pk])).status_code == 200
    response = member_client.post(reverse("tasks:complete", args=[task.pk]))
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == Status.OPEN


def test_bulk_complete_ignores_guessed_ids(member_client, member, other_member) -> None:
    mine = task_create(actor=member, data={"title": "Mine"})
    theirs = task_create(actor=other_member, data={"title": "Theirs", "visibility": "private"})
    member_client.post(reverse("tasks:bulk"), {"action": "complete", "ids": [mine.pk, theirs.pk]})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Status.DONE, Status.OPEN)


def test_bulk_reassign(member_client, member, other_member) -> None:
    task = task_create(actor=member, data={"title": "Give away"})
    member_client.post(
        reverse("tasks:bulk"),
        {"action": "reassign", "ids": [task.pk], "assignee": other_member.pk},
    )
    task.refresh_from_db()
    assert task.assignee == other_member


def test_team_view_counts_per_assignee(admin_client, member, other_member) -> None:
    task_create(actor=member, data={"title": "A", "due_date": _day(-1)})
    task_create(actor=other_member, data={"title": "B"})
    page = admin_client.get(reverse("tasks:team")).content.decode()
    assert "member" in page and "other" in page
    detail = admin_client.get(reverse("tasks:team") + f"?assignee={member.pk}").content.decode()
    assert ">A<" in detail.replace("<bdi>", "").replace("</bdi>", "")


def test_history_and_trash_pages_show_tasks(member_client, member) -> None:
    task = task_create(actor=member, data={"title": "Tracked"})
    history = member_client.get(reverse("history:task", args=[task.pk]))
    assert history.status_code == 200
    member_client.post(reverse("tasks:delete", args=[task.pk]))
    trash = member_client.get(reverse("trash")).content.decode()
    assert "Tracked" in trash
    member_client.post(reverse("tasks:restore", args=[task.pk]))
    assert Task.objects.filter(pk=task.pk).exists()


def test_csv_export_lists_visible_tasks_and_neutralises_formulas(
    member_client, member, other_member
) -> None:
    person = make_contact(member, given_name="Ada")
    task_create(actor=member, data={"title": "=HYPERLINK(1)", "people": [person.pk]})
    task_create(actor=other_member, data={"title": "Secret", "visibility": "private"})
    response = member_client.get(reverse("tasks:export"))
    assert response["Content-Disposition"] == 'attachment; filename="tasks.csv"'
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("id,title,description,status")
    assert len(lines) == 2
    assert "'=HYPERLINK(1)" in lines[1]
    assert f",{person.pk}," in lines[1]
    assert "Secret" not in text


def test_a_reminder_set_elsewhere_survives_the_edit_form(member_client, member) -> None:
    task = task_create(
        actor=member, data={"title": "T", "due_date": _day(2), "remind_minutes_before": 30}
    )
    form = member_client.get(reverse("tasks:edit", args=[task.pk])).content.decode()
    assert '<option value="30" selected>' in form


def test_a_stale_edit_is_refused_and_nothing_changes(member_client, member) -> None:
    task = task_create(actor=member, data={"title": "Old"})
    response = member_client.post(
        reverse("tasks:edit", args=[task.pk]),
        {
            "title": "New",
            "assignee": member.pk,
            "priority": "2",
            "visibility": "team",
            "version": "7",
        },
    )
    assert response.status_code == 409
    task.refresh_from_db()
    assert (task.title, task.version) == ("Old", 1)
