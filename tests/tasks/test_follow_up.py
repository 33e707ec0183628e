"""Turn an activity into a follow-up task: the form starts from the activity (its title, its
people and organizations one may see, due tomorrow), the task remembers the activity."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rubrica.activities import services as activities
from rubrica.tasks.models import Task
from rubrica.tasks.services import task_create
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _call(actor, people, **data):
    return activities.activity_create(
        actor=actor, data={"kind": "call", "people": [p.pk for p in people], **data}
    )


def test_a_follow_up_task_starts_from_the_activity(member_client, member) -> None:
    ada = make_contact(member, given_name="Ada")
    call = _call(member, [ada], subject="No answer")
    page = member_client.get(call.get_absolute_url()).content.decode()
    assert f"{reverse('tasks:new')}?activity={call.pk}" in page
    form = member_client.get(reverse("tasks:new"), {"activity": call.pk}).content.decode()
    assert "Follow up: No answer" in form
    assert f'name="people" value="{ada.pk}"' in form
    response = member_client.post(
        reverse("tasks:new"),
        {
            "title": "Follow up: No answer",
            "assignee": member.pk,
            "priority": "2",
            "visibility": "team",
            "people": str(ada.pk),
            "activity": str(call.pk),
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.activity == call
    assert list(task.people.all()) == [ada]
    detail = member_client.get(task.get_absolute_url()).content.decode()
    assert call.get_absolute_url() in detail


def test_an_activity_one_may_not_see_cannot_be_followed_up(
    member_client, member, other_member
) -> None:
    secret = _call(other_member, [make_contact(other_member, visibility="private")], private=True)
    response = member_client.get(reverse("tasks:new"), {"activity": secret.pk})
    assert response.status_code == 404
    with pytest.raises(ValidationError) as caught:
        task_create(actor=member, data={"title": "T", "activity": secret.pk})
    assert "activity" in caught.value.message_dict
    assert not Task.all_objects.exists()
