"""Reminders, the daily digest and birthdays: sent once, at the right local time, by the
scheduler's tick (time advanced by passing ``now``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core import mail

from rubrica.notifications.models import Notification
from rubrica.notifications.scheduling import tick
from rubrica.notifications.services import preferences_update
from rubrica.tasks.services import task_create, task_update
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
ROME = zoneinfo.ZoneInfo("Europe/Rome")
TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")


def _reminders(user):
    return list(Notification.objects.filter(recipient=user, kind="tasks.reminder"))


def test_a_reminder_arrives_at_its_moment_once_in_app_and_by_email(member) -> None:
    task = task_create(
        actor=member,
        data={
            "title": "Call Ada",
            "due_at": "2026-12-07T10:00",
            "time_zone": "Europe/Rome",
            "remind_minutes_before": 15,
        },
    )
    assert task.remind_at == dt.datetime(2026, 12, 7, 9, 45, tzinfo=ROME)
    tick(now=dt.datetime(2026, 12, 7, 9, 44, tzinfo=ROME))
    assert _reminders(member) == []
    tick(now=dt.datetime(2026, 12, 7, 9, 45, tzinfo=ROME))
    tick(now=dt.datetime(2026, 12, 7, 9, 46, tzinfo=ROME))
    [reminder] = _reminders(member)
    assert reminder.title == "Reminder: Call Ada"
    assert reminder.url == task.get_absolute_url()
    assert [m.subject for m in mail.outbox if "Reminder" in m.subject] == ["Reminder: Call Ada"]


def test_overlapping_ticks_send_one_reminder(member) -> None:
    task_create(
        actor=member,
        data={"title": "T", "due_at": "2026-12-07T10:00+01:00", "remind_minutes_before": 0},
    )
    moment = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ROME)
    from rubrica.tasks.services import task_reminders_send

    assert task_reminders_send(moment) == 1
    # a second tick that read the task before the first marked it: the key stops it
    from rubrica.tasks.models import Task

    Task.objects.update(reminder_sent_at=None)
    assert task_reminders_send(moment) == 0
    assert len(_reminders(member)) == 1


def test_a_day_task_reminds_at_nine_in_the_assignees_zone(member) -> None:
    preferences_update(actor=member, channels={}, time_zone="Asia/Tehran")
    task = task_create(
        actor=member, data={"title": "Day", "due_date": "2026-12-07", "remind_minutes_before": 0}
    )
    assert task.time_zone == "Asia/Tehran"
    tick(now=dt.datetime(2026, 12, 7, 8, 59, tzinfo=TEHRAN))
    assert _reminders(member) == []
    tick(now=dt.datetime(2026, 12, 7, 9, 0, tzinfo=TEHRAN))
    assert len(_reminders(member)) == 1


def test_moving_the_due_date_reminds_again_and_a_done_task_never(member) -> None:
    task = task_create(
        actor=member,
        data={"title": "T", "due_at": "2026-12-07T10:00+01:00", "remind_minutes_before": 0},
    )
    tick(now=dt.datetime(2026, 12, 7, 10, 0, tzinfo=ROME))
    task = task_update(actor=member, task=task, data={"due_at": "2026-12-08T10:00+01:00"})
    tick(now=dt.datetime(2026, 12, 8, 10, 0, tzinfo=ROME))
    assert len(_reminders(member)) == 2
    task_update(
        actor=member, task=task, data={"due_at": "2026-12-09T10:00+01:00", "status": "done"}
    )
    tick(now=dt.datetime(2026, 12, 9, 10, 0, tzinfo=ROME))
    assert len(_reminders(member)) == 2


def test_a_reminder_the_user_turned_off_is_not_sent(member) -> None:
    preferences_update(actor=member, channels={"tasks.reminder": []})
    task_create(
        actor=member,
        data={"title": "T", "due_at": "2026-12-07T10:00+01:00", "remind_minutes_before": 0},
    )
    tick(now=dt.datetime(2026, 12, 7, 10, 0, tzinfo=ROME))
    assert _reminders(member) == []
    assert [m.subject for m in mail.outbox if "Reminder" in m.subject] == []


def test_the_digest_comes_once_a_day_at_the_users_hour(member, settings) -> None:
    settings.TIME_ZONE = "Europe/Rome"
    preferences_update(actor=member, channels={}, digest_hour=7)
    task_create(actor=member, data={"title": "Late", "due_date": "2026-12-06"})
    task_create(actor=member, data={"title": "Now", "due_date": "2026-12-07"})
    tick(now=dt.datetime(2026, 12, 7, 6, 59, tzinfo=ROME))
    assert mail.outbox == []
    tick(now=dt.datetime(2026, 12, 7, 7, 0, tzinfo=ROME))
    tick(now=dt.datetime(2026, 12, 7, 12, 0, tzinfo=ROME))
    digests = Notification.objects.filter(kind="tasks.digest")
    assert [d.title for d in digests] == ["Your tasks: 1 overdue, 1 due today"]
    assert not digests[0].in_app  # e-mail only by default
    assert [m.subject for m in mail.outbox] == ["Your tasks: 1 overdue, 1 due today"]


def test_birthdays_only_for_those_who_opted_in(member, other_member, settings) -> None:
    settings.TIME_ZONE = "Europe/Rome"
    make_contact(member, given_name="Ada", birthday="--12-07")
    make_contact(other_member, given_name="Bob", birthday="1990-12-07")
    preferences_update(actor=member, channels={"tasks.birthday": ["in_app"]})
    tick(now=dt.datetime(2026, 12, 7, 9, 0, tzinfo=ROME))
    tick(now=dt.datetime(2026, 12, 7, 10, 0, tzinfo=ROME))
    births = Notification.objects.filter(kind="tasks.birthday")
    assert [(n.recipient, n.title) for n in births] == [(member, "Birthday: Ada Lovelace")]


def test_a_reminder_is_written_in_the_assignees_language_time_zone_and_formats(member) -> None:
    from rubrica.accounts.services import user_settings_update

    user_settings_update(
        actor=member, user=member, data={"language": "it", "time_zone": "Europe/Rome"}
    )
    task_create(
        actor=member,
        data={
            "title": "Chiamare Ada",
            "due_at": "2026-12-07T10:00",
            "time_zone": "Europe/Rome",
            "remind_minutes_before": 15,
        },
    )

    tick(now=dt.datetime(2026, 12, 7, 9, 45, tzinfo=ROME))

    [reminder] = _reminders(member)
    assert reminder.title == "Promemoria: Chiamare Ada"
    assert reminder.body == "Scadenza: 7 dic 2026, 10:00."


def test_the_digest_e_mail_is_in_the_recipients_language_zone_and_jalali_dates(member) -> None:
    """Issue 14 / ADR 0040: e-mails use the recipient's formats, the Persian calendar included."""
    from rubrica.accounts.services import user_settings_update

    user_settings_update(
        actor=member,
        user=member,
        data={"language": "fa", "time_zone": "Asia/Tehran", "date_style": "jalali"},
    )
    preferences_update(actor=member, channels={}, digest_hour=7)
    task_create(actor=member, data={"title": "تماس با آقای رضایی", "due_date": "2026-12-06"})

    tick(now=dt.datetime(2026, 12, 7, 6, 59, tzinfo=TEHRAN))
    assert mail.outbox == []
    tick(now=dt.datetime(2026, 12, 7, 7, 0, tzinfo=TEHRAN))

    [message] = mail.outbox
    assert "Your tasks" not in message.subject
    assert "۱۵ آذر ۱۴۰۵" in message.body  # 2026-12-06 in the Persian calendar, Persian digits
    assert "2026" not in message.body.split("http")[0]
