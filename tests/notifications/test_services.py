"""notify(): channels from preferences, one row per dedupe key, e-mails sent once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, ValidationError

from rubrica.notifications.models import EmailState, Notification, NotificationPreference
from rubrica.notifications.selectors import inbox, unread_count
from rubrica.notifications.services import (
    emails_send_pending,
    notification_mark_read,
    notifications_mark_all_read,
    notify,
    preferences_update,
    user_timezone,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scratch")]


def test_notify_stores_an_in_app_notification_and_queues_its_email(member) -> None:
    n = notify(recipient=member, kind="test.ping", title="Call Ada", url="/people/1/", body="Soon")
    assert n is not None
    assert (n.title, n.url, n.body, n.in_app, n.email_state) == (
        "Call Ada",
        "/people/1/",
        "Soon",
        True,
        EmailState.PENDING,
    )
    assert unread_count(member) == 1


def test_the_same_key_notifies_once(member) -> None:
    first = notify(recipient=member, kind="test.ping", title="A", url="/", key="task:1:due")
    second = notify(recipient=member, kind="test.ping", title="A", url="/", key="task:1:due")
    assert first is not None
    assert second is None
    assert Notification.objects.count() == 1


def test_the_same_key_for_another_user_is_another_notification(member, other_member) -> None:
    notify(recipient=member, kind="test.ping", title="A", url="/", key="k")
    notify(recipient=other_member, kind="test.ping", title="A", url="/", key="k")
    assert Notification.objects.count() == 2


def test_an_opt_in_kind_sends_nothing_until_chosen(member) -> None:
    assert notify(recipient=member, kind="test.optin", title="Birthday", url="/") is None
    preferences_update(actor=member, channels={"test.optin": ["in_app"]})
    n = notify(recipient=member, kind="test.optin", title="Birthday", url="/")
    assert n is not None
    assert n.email_state == EmailState.NONE


def test_email_only_is_kept_out_of_the_list_but_emailed(member) -> None:
    preferences_update(actor=member, channels={"test.ping": ["email"]})
    n = notify(recipient=member, kind="test.ping", title="A", url="/")
    assert n is not None
    assert not n.in_app
    assert list(inbox(member)) == []
    assert emails_send_pending() == 1
    assert [m.to for m in mail.outbox] == [[member.email]]


def test_inactive_users_and_users_without_email(member, other_member) -> None:
    other_member.is_active = False
    other_member.save()
    assert notify(recipient=other_member, kind="test.ping", title="A", url="/") is None
    member.email = ""
    member.save()
    n = notify(recipient=member, kind="test.ping", title="A", url="/")
    assert n is not None
    assert n.email_state == EmailState.NONE


def test_an_unknown_kind_is_a_programming_error(member) -> None:
    with pytest.raises(ImproperlyConfigured):
        notify(recipient=member, kind="nope", title="A", url="/")


def test_emails_are_sent_once_with_an_absolute_link(member, settings) -> None:
    settings.RUBRICA_SITE_URL = "https://crm.example.org"
    notify(recipient=member, kind="test.ping", title="Call Ada", url="/people/1/")
    assert emails_send_pending() == 1
    assert emails_send_pending() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Call Ada"
    assert "https://crm.example.org/people/1/" in mail.outbox[0].body
    assert Notification.objects.get().email_state == EmailState.SENT


def test_an_email_claimed_by_another_sender_is_skipped(member) -> None:
    n = notify(recipient=member, kind="test.ping", title="A", url="/")
    assert n is not None
    Notification.objects.filter(pk=n.pk).update(email_state=EmailState.SENDING)
    assert emails_send_pending() == 0
    assert mail.outbox == []


def test_a_failing_mail_server_marks_the_email_failed(member, monkeypatch) -> None:
    from rubrica.notifications import services

    def broken(**kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services, "send_mail", broken)
    notify(recipient=member, kind="test.ping", title="A", url="/")
    assert emails_send_pending() == 0
    assert Notification.objects.get().email_state == EmailState.FAILED


def test_mark_read_and_all_read_touch_only_the_actors_notifications(member, other_member) -> None:
    mine = notify(recipient=member, kind="test.ping", title="A", url="/")
    notify(recipient=member, kind="test.ping", title="B", url="/")
    theirs = notify(recipient=other_member, kind="test.ping", title="C", url="/")
    assert mine is not None and theirs is not None
    notification_mark_read(actor=member, notification=mine)
    assert unread_count(member) == 1
    with pytest.raises(Notification.DoesNotExist):
        notification_mark_read(actor=member, notification=theirs)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert notifications_mark_all_read(actor=member) == 1
    assert unread_count(member) == 0
    assert unread_count(other_member) == 1


def test_bad_preferences_are_refused_by_field_and_nothing_is_saved(member) -> None:
    with pytest.raises(ValidationError) as caught:
        preferences_update(
            actor=member,
            channels={"test.ping": ["pigeon"], "test.nope": []},
            time_zone="Mars/Olympus",
            digest_hour=25,
        )
    assert set(caught.value.message_dict) == {
        "channels.test.ping",
        "channels.test.nope",
        "time_zone",
        "digest_hour",
    }
    assert not NotificationPreference.objects.exists()


def test_the_time_zone_is_the_users_else_the_sites(member, settings) -> None:
    settings.TIME_ZONE = "Europe/Rome"
    assert str(user_timezone(member)) == "Europe/Rome"
    preferences_update(actor=member, channels={}, time_zone="Asia/Tehran")
    assert str(user_timezone(member)) == "Asia/Tehran"
