"""IMAP mailboxes against a real Dovecot on loopback: passwords encrypted at rest, fetch files the
messages, resumes by UID after an interruption, starts again on a new UIDVALIDITY without
duplicates, honours "fetch since", and the worker's poll queues fetches."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from rubrica.jobs.models import Job
from rubrica.mail import capture, crypto, imap, services
from rubrica.mail.models import Mailbox, MailboxFolder, MailMessage
from tests.factories import make_contact
from tests.mail.conftest import make_message

pytestmark = pytest.mark.django_db


def _mailbox(member, server, **extra) -> Mailbox:
    data = {
        "name": "Work",
        "host": server.host,
        "port": server.port,
        "security": "none",
        "username": server.user,
        "password": server.password,
        "folders": ["INBOX"],
        **extra,
    }
    return services.mailbox_create(actor=member, data=data)


def test_the_password_is_stored_encrypted_and_never_in_clear(member):
    mailbox = services.mailbox_create(
        actor=member,
        data={"name": "W", "host": "imap.example.org", "username": "me", "password": "hunter2"},
    )
    stored = Mailbox.objects.get(pk=mailbox.pk).password_encrypted
    assert "hunter2" not in stored and stored.startswith("gAAAA")
    assert crypto.decrypt(stored) == "hunter2"
    assert mailbox.folders == ["INBOX"]


def test_a_fetch_files_new_messages_and_a_second_fetch_adds_nothing(member, dovecot):
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    for i in range(3):
        dovecot.append(make_message(message_id=f"<i{i}@x>", subject=f"S{i}"))
    mailbox = _mailbox(member, dovecot)

    counts = imap.fetch_mailbox(mailbox)

    assert counts == {"captured": 3, "duplicates": 0, "failed": 0}
    assert ada.activity_links.count() == 3
    assert set(MailMessage.objects.values_list("mailbox_id", flat=True)) == {mailbox.pk}
    state = MailboxFolder.objects.get(mailbox=mailbox, name="INBOX")
    assert state.last_uid == 3 and state.uidvalidity
    assert imap.fetch_mailbox(mailbox) == {"captured": 0, "duplicates": 0, "failed": 0}
    dovecot.append(make_message(message_id="<i9@x>"))
    assert imap.fetch_mailbox(mailbox)["captured"] == 1
    assert MailMessage.objects.count() == 4


def test_an_interrupted_fetch_resumes_after_the_last_uid_committed(member, dovecot, monkeypatch):
    for i in range(5):
        dovecot.append(make_message(message_id=f"<r{i}@x>"))
    mailbox = _mailbox(member, dovecot)
    monkeypatch.setattr(imap, "BATCH", 2)
    real = capture.mail_capture
    calls = {"n": 0}

    def dies_on_the_fourth(**kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise SystemExit("killed")  # the process dies: nothing of this batch commits
        return real(**kwargs)

    monkeypatch.setattr(capture, "mail_capture", dies_on_the_fourth)
    with pytest.raises(SystemExit):
        imap.fetch_mailbox(mailbox)
    # The first batch (UIDs 1-2) committed; the second was undone with its UID.
    assert MailboxFolder.objects.get(mailbox=mailbox).last_uid == 2
    assert sorted(MailMessage.objects.values_list("message_id", flat=True)) == [
        "<r0@x>",
        "<r1@x>",
    ]

    monkeypatch.setattr(capture, "mail_capture", real)
    counts = imap.fetch_mailbox(mailbox)

    assert counts == {"captured": 3, "duplicates": 0, "failed": 0}
    assert MailMessage.objects.count() == 5
    assert MailboxFolder.objects.get(mailbox=mailbox).last_uid == 5


def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(member, dovecot):
    for i in range(2):
        dovecot.append(make_message(message_id=f"<v{i}@x>"))
    mailbox = _mailbox(member, dovecot)
    imap.fetch_mailbox(mailbox)
    MailboxFolder.objects.filter(mailbox=mailbox).update(uidvalidity=1, last_uid=99)

    counts = imap.fetch_mailbox(mailbox)

    assert counts == {"captured": 0, "duplicates": 2, "failed": 0}
    state = MailboxFolder.objects.get(mailbox=mailbox)
    assert state.uidvalidity != 1 and state.last_uid == 2
    assert MailMessage.objects.count() == 2


def test_fetch_since_skips_older_messages_and_only_chosen_folders_are_read(member, dovecot):
    dovecot.append(make_message(message_id="<inbox@x>"))
    dovecot.append(make_message(message_id="<archived@x>"), folder="Archive")
    mailbox = _mailbox(member, dovecot, folders=["Archive"])
    imap.fetch_mailbox(mailbox)
    assert list(MailMessage.objects.values_list("message_id", flat=True)) == ["<archived@x>"]

    later = _mailbox(
        member, dovecot, name="Later", fetch_since=timezone.now().date() + dt.timedelta(2)
    )
    assert imap.fetch_mailbox(later)["captured"] == 0


def test_a_wrong_password_is_kept_as_the_mailbox_error_and_nothing_is_captured(member, dovecot):
    from rubrica.jobs.services import job_run

    dovecot.append(make_message())
    mailbox = _mailbox(member, dovecot, password="wrong")
    job = services.mailbox_fetch_start(actor=member, mailbox=mailbox, enqueue=False)
    job = job_run(job.pk)
    assert job.status == "failed"
    mailbox.refresh_from_db()
    assert mailbox.last_error
    assert MailMessage.objects.count() == 0


def test_someone_else_cannot_fetch_or_change_a_mailbox_and_nothing_changes(member, other_member):
    mailbox = services.mailbox_create(
        actor=member,
        data={"name": "W", "host": "imap.example.org", "username": "me", "password": "x"},
    )
    with pytest.raises(PermissionDenied):
        services.mailbox_fetch_start(actor=other_member, mailbox=mailbox)
    with pytest.raises(PermissionDenied):
        services.mailbox_update(actor=other_member, mailbox=mailbox, data={"host": "evil"})
    assert Job.objects.count() == 0
    assert Mailbox.objects.get(pk=mailbox.pk).host == "imap.example.org"


def test_the_poll_queues_one_fetch_per_due_mailbox(member):
    due = services.mailbox_create(
        actor=member,
        data={"name": "A", "host": "h", "username": "u", "password": "p"},
    )
    recent = services.mailbox_create(
        actor=member,
        data={"name": "B", "host": "h", "username": "u", "password": "p", "poll_minutes": 60},
    )
    Mailbox.objects.filter(pk=recent.pk).update(last_fetch_at=timezone.now())
    now = timezone.now()

    imap.poll(now)
    imap.poll(now)  # a fetch already queued is not queued again

    jobs = Job.objects.filter(kind=services.FETCH_KIND)
    assert [job.params["mailbox"] for job in jobs] == [due.pk]


def test_a_message_that_cannot_be_captured_is_skipped_and_the_fetch_goes_on(
    member, dovecot, monkeypatch
):
    for i in range(3):
        dovecot.append(make_message(message_id=f"<s{i}@x>"))
    mailbox = _mailbox(member, dovecot)
    real = capture.mail_capture

    def breaks_on_the_second(**kwargs):
        if b"<s1@x>" in kwargs["raw"]:
            raise UnicodeError("a message this code cannot read")
        return real(**kwargs)

    monkeypatch.setattr(capture, "mail_capture", breaks_on_the_second)
    assert imap.fetch_mailbox(mailbox) == {"captured": 2, "duplicates": 0, "failed": 1}
    assert MailboxFolder.objects.get(mailbox=mailbox).last_uid == 3
