"""Batch filing (a fetch's batch written with bulk inserts, ADR 0038) gives the same results as
filing one message at a time: the same activities, links, participating users, history entries,
search documents, threads and last interactions, on the same mailbox of a real Dovecot."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubrica.activities.models import Activity
from rubrica.contacts.models import NEVER, Contact, ContactEmail
from rubrica.history.models import HistoryEntry
from rubrica.mail import capture, imap, services
from rubrica.mail.models import MailboxFolder, MailMessage, MailPreference
from rubrica.search.models import SearchDocument
from tests.factories import UserFactory, make_contact
from tests.mail.conftest import make_message

pytestmark = pytest.mark.django_db


def _state() -> dict[str, Any]:
    """Everything filing wrote, keyed by Message-ID rather than by database id."""
    activity_type = ContentType.objects.get_for_model(Activity)
    found: dict[str, Any] = {}
    for message in MailMessage.objects.select_related("activity").order_by("message_id"):
        entry: dict[str, Any] = {
            "thread": message.thread_key,
            "participants": sorted(
                message.participants.values_list("role", "address", "contact_id", "internal")
            ),
        }
        activity = message.activity
        if activity is not None:
            history = HistoryEntry.objects.get(content_type=activity_type, object_id=activity.pk)
            document = SearchDocument.objects.get(kind="activity", record_id=activity.pk)
            entry["activity"] = {
                "kind": activity.kind,
                "direction": activity.direction,
                "occurred_at": activity.occurred_at,
                "subject": activity.subject,
                "body": activity.body.replace(f"/{message.pk}/", "/ID/"),
                "owner": activity.owner_id,
                "version": activity.version,
                "people": sorted(activity.person_links.values_list("contact_id", "occurred_at")),
                "users": sorted(activity.users.values_list("username", flat=True)),
                "mentioned": sorted(activity.mentioned_users.values_list("username", flat=True)),
                "history": (
                    history.action,
                    history.actor_id,
                    history.version,
                    {
                        k: v
                        if k != "body"
                        else {"after": v["after"].replace(f"/{message.pk}/", "/ID/")}
                        for k, v in history.changes.items()
                    },
                ),
                "search": (
                    document.name,
                    document.other.replace(f"/{message.pk}/", "/ID/"),
                ),
            }
        found[message.message_id] = entry
    found["last_interactions"] = sorted(
        Contact.all_objects.values_list("pk", "last_interaction_at")
    )
    return found


def _forget_everything(mailbox) -> None:
    activity_type = ContentType.objects.get_for_model(Activity)
    ids = list(Activity.all_objects.filter(kind="email").values_list("pk", flat=True))
    MailMessage.objects.all().delete()
    HistoryEntry.objects.filter(content_type=activity_type, object_id__in=ids).delete()
    SearchDocument.objects.filter(kind="activity", record_id__in=ids).delete()
    Activity.all_objects.filter(pk__in=ids).delete()
    Contact.all_objects.update(last_interaction_at=NEVER)
    MailboxFolder.objects.filter(mailbox=mailbox).delete()


def _work_mailbox(member, dovecot):
    return services.mailbox_create(
        actor=member,
        data={
            "name": "Work",
            "host": dovecot.host,
            "port": dovecot.port,
            "security": "none",
            "username": dovecot.user,
            "password": dovecot.password,
        },
    )


def test_batch_filing_writes_what_one_by_one_filing_writes(member, dovecot, monkeypatch):
    UserFactory(username="grace", email="grace@rubrica.example")
    MailPreference.objects.create(user=member, level="full")  # the text, with its @mention
    make_contact(member, emails=[{"value": "ada@example.com"}])
    make_contact(member, emails=[{"value": "bob@example.com"}])
    make_contact(member, emails=[{"value": "Carol@example.com"}])
    senders = ["ada@example.com", "bob@example.com", "stranger@example.net", "carol@example.com"]
    for i in range(12):
        dovecot.append(
            make_message(
                sender=senders[i % 4],
                cc="grace@rubrica.example, bob@example.com" if i % 3 == 0 else "",
                message_id=f"<b{i}@x>",
                in_reply_to=f"<b{i - 1}@x>" if i % 2 else "",
                references=f"<b{i - 1}@x>" if i % 2 else "",
                subject=f"Order {i} @grace",
                body=f"About order {i}, @grace please look.",
                date=f"2026-11-{10 + i}T10:00:00+00:00",
            )
        )
    mailbox = _work_mailbox(member, dovecot)
    monkeypatch.setattr(imap, "BATCH", 5)  # batches of 5, 5 and 2; replies across batches

    assert imap.fetch_mailbox(mailbox) == {"captured": 12, "duplicates": 0, "failed": 0}
    batched = _state()
    _forget_everything(mailbox)

    def one_by_one(counts, mailbox, raws):
        for raw in raws:
            capture.capture_or_count(counts, actor=mailbox.owner, raw=raw, mailbox=mailbox)

    monkeypatch.setattr(imap, "capture_batch", one_by_one)
    assert imap.fetch_mailbox(mailbox) == {"captured": 12, "duplicates": 0, "failed": 0}
    single = _state()

    assert batched == single
    filed = [k for k, v in batched.items() if isinstance(v, dict) and "activity" in v]
    # the stranger alone (2, 10) and "Carol@" written "carol@" alone (7, 11) file nothing
    assert len(filed) == 8
    assert batched["<b0@x>"]["activity"]["users"] == ["grace", "member"]
    assert batched["<b3@x>"]["thread"] == "<b2@x>"  # a reply filed in the batch of its parent
    assert any(batched[k]["activity"]["mentioned"] == ["grace"] for k in filed)


def test_a_batch_whose_filing_fails_is_filed_one_by_one(member, dovecot, monkeypatch):
    make_contact(member, emails=[{"value": "ada@example.com"}])
    for i in range(3):
        dovecot.append(make_message(message_id=f"<f{i}@x>"))
    mailbox = _work_mailbox(member, dovecot)

    def broken(batch):
        raise RuntimeError("bulk insert failed")

    monkeypatch.setattr(capture, "file_pending", broken)

    assert imap.fetch_mailbox(mailbox) == {"captured": 3, "duplicates": 0, "failed": 0}
    assert Activity.objects.filter(kind="email").count() == 3
    assert MailMessage.objects.filter(activity__isnull=True).count() == 0


def test_a_batch_looks_its_people_up_at_once_with_each_message_answered_as_alone(
    member, other_member, dovecot, monkeypatch
):
    """``Batch.expect`` asks once for every address of the batch; each message still gets what
    its own look-up would give: a spelling with capitals finds a person stored that way only in
    the message that writes it so, and a person the owner may not see is found by nobody."""
    carol = make_contact(member, given_name="Carol", emails=[{"value": "Carol@example.com"}])
    make_contact(
        other_member, given_name="Hidden", visibility="private", emails=[{"value": "h@example.com"}]
    )
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    messages = [
        ("carol@example.com", "<c-lower@x>"),
        ("Carol@example.com", "<c-upper@x>"),
        ("h@example.com", "<hidden@x>"),
        ("ada@example.com", "<ada@x>"),
    ]
    for sender, message_id in messages:
        dovecot.append(make_message(sender=sender, message_id=message_id))
    mailbox = _work_mailbox(member, dovecot)
    table = ContactEmail._meta.db_table

    with CaptureQueriesContext(connection) as queries:
        assert imap.fetch_mailbox(mailbox) == {"captured": 4, "duplicates": 0, "failed": 0}

    lookups = [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
    assert len(lookups) == 1  # one batch, one look-up
    filed = {
        m.message_id: sorted(m.activity.person_links.values_list("contact_id", flat=True))
        for m in MailMessage.objects.select_related("activity").exclude(activity=None)
    }
    assert filed == {"<c-upper@x>": [carol.pk], "<ada@x>": [ada.pk]}
    hidden = MailMessage.objects.get(message_id="<hidden@x>")
    assert set(hidden.participants.values_list("contact_id", flat=True)) == {None}


def _offline_mailbox(member):
    return services.mailbox_create(
        actor=member,
        data={
            "name": "W",
            "host": "imap.example.org",
            "username": "w@example.org",
            "password": "x",
        },
    )


def _counting_file_pending(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = capture.file_pending

    def counted(batch):
        calls.append(len(batch.pending))
        return real(batch)

    monkeypatch.setattr(capture, "file_pending", counted)
    return calls


def test_a_message_whose_headers_cannot_be_read_fails_alone_and_the_batch_stays_one(
    member, caplog, monkeypatch
):
    make_contact(member, emails=[{"value": "ada@example.com"}])
    mailbox = _offline_mailbox(member)
    good = [make_message(message_id=f"<g{i}@x>") for i in range(3)]
    bad = make_message(message_id="<bad@x>").replace(b"To: member@example.org", b'To: "')
    calls = _counting_file_pending(monkeypatch)
    counts = {"captured": 0, "duplicates": 0, "failed": 0}

    with caplog.at_level(logging.ERROR, logger="rubrica.mail.imap"):
        imap.capture_batch(counts, mailbox, [*good, bad])

    assert counts == {"captured": 3, "duplicates": 0, "failed": 1}
    assert not [r for r in caplog.records if r.name == "rubrica.mail.imap"]
    assert calls == [3]  # filed as one batch
    assert Activity.objects.filter(kind="email").count() == 3


def test_a_message_whose_capture_fails_late_leaves_no_activity_behind(member, monkeypatch):
    """A part handler that raises undoes its message (its savepoint): no timeline entry is
    written for a message that is not there."""
    from rubrica.kits.inbound import register_part_handler, unregister_part_handler

    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    mailbox = _offline_mailbox(member)

    def boom(part, context):
        if context.message_id == "<boom@x>":
            raise RuntimeError("handler failed")

    register_part_handler("text/plain", boom)
    try:
        calls = _counting_file_pending(monkeypatch)
        counts = {"captured": 0, "duplicates": 0, "failed": 0}
        raws = [make_message(message_id=m) for m in ("<a@x>", "<boom@x>", "<b@x>")]
        imap.capture_batch(counts, mailbox, raws)
    finally:
        unregister_part_handler("text/plain", boom)

    assert counts == {"captured": 2, "duplicates": 0, "failed": 1}
    assert calls == [2]
    assert not MailMessage.objects.filter(message_id="<boom@x>").exists()
    assert ada.activity_links.count() == 2
    assert Activity.objects.filter(kind="email").count() == 2
