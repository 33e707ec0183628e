"""IMAP IDLE against a real Dovecot: a message appended by another connection is filed within a
few seconds without a poll tick; IDLE is issued again when it is renewed; the watcher stops
cleanly; a server without IDLE leaves the mailbox to the poll."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import OperationalError

from rubrica.mail import idle, imap, services
from rubrica.mail.models import MailMessage
from tests.factories import make_contact
from tests.mail.conftest import make_message

pytestmark = pytest.mark.django_db(transaction=True)


def _mailbox(member, server, **extra):
    return services.mailbox_create(
        actor=member,
        data={
            "name": "Work",
            "host": server.host,
            "port": server.port,
            "security": "none",
            "username": server.user,
            "password": server.password,
            "use_idle": True,
            **extra,
        },
    )


@pytest.fixture(autouse=True)
def _quick_retry(monkeypatch):
    """SQLite's shared in-memory test database locks a table while the other thread writes: the
    watcher retries soon rather than after a minute."""
    monkeypatch.setattr(idle, "RETRY_SECONDS", 0.5)


def _true(condition) -> bool:
    try:
        return bool(condition())
    except OperationalError:  # SQLite: the watcher's thread is writing
        return False


def _wait(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _true(condition):
            return True
        time.sleep(0.2)
    return _true(condition)


def test_a_new_message_is_filed_within_seconds_without_a_poll(member, dovecot, monkeypatch):
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    dovecot.append(make_message(message_id="<before@x>"))
    mailbox = _mailbox(member, dovecot)
    monkeypatch.setattr(imap, "poll", lambda now: pytest.fail("no poll in this test"))
    watcher = idle.IdleWatcher(mailbox.pk)
    watcher.start()
    try:
        assert _wait(watcher.connected.is_set)
        assert _wait(lambda: MailMessage.objects.filter(message_id="<before@x>").exists())
        fetched = watcher.fetches
        time.sleep(0.5)  # the watcher is in IDLE now

        dovecot.append(make_message(message_id="<idle@x>", subject="Sent while idling"))
        began = time.monotonic()

        assert _wait(lambda: MailMessage.objects.filter(message_id="<idle@x>").exists(), 20)
        assert time.monotonic() - began < 20  # a few seconds, on a machine loaded by others
        # the fetch counts itself when it returns, a moment after its message is committed
        assert _wait(lambda: watcher.fetches > fetched, 10)
        assert ada.activity_links.count() == 2
    finally:
        watcher.stop()
    assert not watcher.is_alive() and not watcher.connected.is_set()


def test_idle_is_issued_again_before_the_server_limit(member, dovecot, monkeypatch):
    mailbox = _mailbox(member, dovecot)
    monkeypatch.setattr(idle, "RENEW_SECONDS", 0.5)
    watcher = idle.IdleWatcher(mailbox.pk)
    watcher.start()
    try:
        assert _wait(lambda: watcher.renewals >= 2)
        dovecot.append(make_message(message_id="<renewed@x>"))
        assert _wait(lambda: MailMessage.objects.filter(message_id="<renewed@x>").exists(), 15)
    finally:
        watcher.stop()
    assert not watcher.is_alive()


def test_without_the_idle_capability_the_mailbox_is_polled(member, dovecot, monkeypatch):
    mailbox = _mailbox(member, dovecot)
    real = imap.connect

    def no_idle(box):
        client = real(box)
        client.capability = lambda: ("OK", [b"IMAP4rev1 LITERAL+"])
        return client

    monkeypatch.setattr(imap, "connect", no_idle)
    try:
        assert idle.supervise() >= 0
        watcher = idle._WATCHERS[mailbox.pk]
        assert _wait(lambda: not watcher.is_alive())
        assert watcher.lacks_idle and not idle.watching(mailbox.pk)
        idle.supervise()
        assert idle._WATCHERS[mailbox.pk] is watcher  # not restarted on every tick
        from django.utils import timezone

        from rubrica.jobs.models import Job

        imap.poll(timezone.now())
        assert [j.params["mailbox"] for j in Job.objects.filter(kind=services.FETCH_KIND)] == [
            mailbox.pk
        ]
    finally:
        idle.stop_all()


def test_the_poll_leaves_a_watched_mailbox_to_its_idle_connection(member, dovecot):
    from django.utils import timezone

    from rubrica.jobs.models import Job

    mailbox = _mailbox(member, dovecot)
    fetches = Job.objects.filter(kind=services.FETCH_KIND, params__mailbox=mailbox.pk)
    try:
        idle.supervise()
        assert _wait(lambda: idle.watching(mailbox.pk))

        imap.poll(timezone.now() + dt.timedelta(minutes=6))
        assert not fetches.exists()

        services.mailbox_update(actor=member, mailbox=mailbox, data={"use_idle": False})
        later = timezone.now() + dt.timedelta(minutes=6)  # the watcher fetched just now
        imap.poll(later)  # stops the watcher, polls the mailbox again
        assert mailbox.pk not in idle._WATCHERS
        assert fetches.count() == 1
    finally:
        idle.stop_all()
    assert not idle._WATCHERS


def test_every_chosen_folder_is_watched_not_only_the_first(member, dovecot, monkeypatch):
    dovecot.append(make_message(message_id="<archived-before@x>"), folder="Archive")
    mailbox = _mailbox(member, dovecot, folders=["INBOX", "Archive"])
    monkeypatch.setattr(imap, "poll", lambda now: pytest.fail("no poll in this test"))
    watcher = idle.IdleWatcher(mailbox.pk)
    assert watcher.folders == ["INBOX", "Archive"]
    watcher.start()
    try:
        assert _wait(watcher.connected.is_set)
        assert _wait(lambda: MailMessage.objects.filter(message_id="<archived-before@x>").exists())
        fetched = watcher.fetches
        time.sleep(0.5)  # both connections are in IDLE now

        dovecot.append(make_message(message_id="<archived@x>"), folder="Archive")

        assert _wait(lambda: MailMessage.objects.filter(message_id="<archived@x>").exists(), 20)
        # the fetch counts itself when it returns, a moment after its message is committed
        assert _wait(lambda: watcher.fetches > fetched, 10)
    finally:
        watcher.stop()
    assert not watcher.is_alive() and not watcher.connected.is_set()


def test_a_change_of_folders_starts_the_watcher_again_with_the_new_ones(member, dovecot):
    mailbox = _mailbox(member, dovecot)
    try:
        idle.supervise()
        first = idle._WATCHERS[mailbox.pk]
        assert first.folders == ["INBOX"]
        assert _wait(lambda: idle.watching(mailbox.pk))
        idle.supervise()
        assert idle._WATCHERS[mailbox.pk] is first  # unchanged: kept

        dovecot.append(make_message(message_id="<sent-folder@x>"), folder="Sent")
        services.mailbox_update(actor=member, mailbox=mailbox, data={"folders": ["INBOX", "Sent"]})
        idle.supervise()

        second = idle._WATCHERS[mailbox.pk]
        assert second is not first and second.folders == ["INBOX", "Sent"]
        assert not first.is_alive()
        assert _wait(lambda: idle.watching(mailbox.pk))
        assert _wait(lambda: MailMessage.objects.filter(message_id="<sent-folder@x>").exists())
    finally:
        idle.stop_all()
