"""Through the notifications engine: a mentioned colleague who may see the activity is told
once; an overdue keep-in-touch cadence is told to the person's owner once per overdue spell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rubrica.activities import reminders, services
from rubrica.notifications.models import Notification
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_a_mention_notifies_the_colleague_once(member, other_member):
    ada = make_contact(member)
    activity = services.activity_create(
        actor=member, data={"people": [ada.pk], "kind": "call", "body": "@other please follow up"}
    )
    services.activity_update(actor=member, activity=activity, data={"body": "@other again"})
    notes = list(Notification.objects.filter(recipient=other_member))
    assert [(n.kind, n.url) for n in notes] == [(reminders.MENTION, activity.get_absolute_url())]


def test_no_notification_for_a_private_activity_or_a_failed_write(member, other_member):
    ada = make_contact(member)
    services.activity_create(
        actor=member, data={"people": [ada.pk], "body": "@other secret", "private": True}
    )
    with pytest.raises(Exception):  # noqa: B017 - any refusal; nothing may be stored
        services.activity_create(
            actor=member, data={"people": [ada.pk], "body": "@other", "kind": "fax"}
        )
    assert not Notification.objects.filter(recipient=other_member).exists()


def test_overdue_keep_in_touch_is_told_to_the_owner_once(member):
    ada = make_contact(member)
    services.keep_in_touch_set(actor=member, contact=ada, ideal_days=7, max_days=14)
    now = timezone.now()
    assert reminders.keep_in_touch_send(now) == 1
    assert reminders.keep_in_touch_send(now) == 0  # the same spell: once
    services.activity_create(
        actor=member,
        data={"people": [ada.pk], "kind": "call", "occurred_at": now - dt.timedelta(days=1)},
    )
    assert reminders.keep_in_touch_send(now) == 0  # in touch again
    assert reminders.keep_in_touch_send(now + dt.timedelta(days=20)) == 1
    assert Notification.objects.filter(recipient=member, kind=reminders.KEEP_IN_TOUCH).count() == 2
