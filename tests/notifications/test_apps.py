"""The apps above the engine tell people through it: a mention in an activity reaches the user
mentioned (in the app and by e-mail), once."""

from __future__ import annotations

import pytest
from django.core import mail

from rubrica.activities.services import activity_create, activity_update
from rubrica.notifications.models import Notification
from rubrica.notifications.scheduling import tick
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_a_mention_notifies_the_colleague_once(member, other_member) -> None:
    ada = make_contact(member, given_name="Ada", visibility="everyone")
    activity = activity_create(
        actor=member,
        data={"kind": "note", "people": [ada.pk], "body": "Ask @other about the engine"},
    )
    activity_update(actor=member, activity=activity, data={"body": "Ask @other again"})
    [told] = Notification.objects.filter(recipient=other_member, kind="activities.mention")
    assert told.url == activity.get_absolute_url()
    tick()
    assert [m.to for m in mail.outbox if "mentioned you" in m.subject] == [[other_member.email]]
