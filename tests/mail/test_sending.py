"""Sending from Rubrica through a real SMTP server on loopback (aiosmtpd): merge fields in the
sandbox, attachments from the person's documents, queue and retry, the timeline entry, refusals
that change nothing."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from rubrica.activities.models import Activity
from rubrica.documents.services import document_create
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_run
from rubrica.mail import sending, services
from rubrica.mail.models import BouncedAddress, MailMessage, MailTemplate, OutgoingMail
from rubrica.mail.templating import render
from tests.documents.conftest import PDF
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(member):
    return make_contact(member, emails=[{"value": "ada@example.com"}])


def test_merge_fields_are_rendered_per_person_and_sent_over_smtp(member, ada, start_smtp):
    server = start_smtp()
    grace = make_contact(
        member, given_name="Grace", family_name="Hopper", emails=[{"value": "grace@example.com"}]
    )
    queued = sending.mail_send(
        actor=member,
        contact_ids=[ada.pk, grace.pk],
        subject="Hello {{ contact.given_name }}",
        body="Dear {{ contact.given_name }} {{ contact.family_name }},\n-- {{ sender.name }}",
        enqueue=False,
    )
    assert [o.subject for o in queued] == ["Hello Ada", "Hello Grace"]

    assert sending.send_due([o.pk for o in queued]) == {"sent": 2, "failed": 0}

    assert sorted(rcpt[0] for _f, rcpt, _d in server.received) == [
        "ada@example.com",
        "grace@example.com",
    ]
    raw = next(d for _f, rcpt, d in server.received if rcpt == ["grace@example.com"])
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "Hello Grace"
    assert "Dear Grace Hopper," in message.get_body().get_content()
    assert message["From"] == "member@example.org"


def test_a_sent_message_is_logged_on_the_timeline_of_its_recipient(member, ada, start_smtp):
    start_smtp()
    [outgoing] = sending.mail_send(
        actor=member, contact_ids=[ada.pk], subject="Offer", body="Here it is.", enqueue=False
    )
    sending.send_due([outgoing.pk])

    outgoing.refresh_from_db()
    assert outgoing.status == "sent" and outgoing.attempts == 1
    captured = MailMessage.objects.get(pk=outgoing.captured_id)
    assert captured.message_id == outgoing.message_id
    assert captured.direction == "out"
    activity = Activity.objects.get(pk=captured.activity_id)
    assert activity.kind == "email" and activity.direction == "out"
    assert list(activity.person_links.values_list("contact_id", flat=True)) == [ada.pk]


def test_attachments_come_from_the_persons_documents(member, ada, start_smtp):
    server = start_smtp()
    document = document_create(actor=member, record=ada, upload=ContentFile(PDF, name="offer.pdf"))
    [outgoing] = sending.mail_send(
        actor=member,
        contact_ids=[ada.pk],
        subject="Offer",
        body="Attached.",
        document_ids=[document.pk],
        enqueue=False,
    )
    sending.send_due([outgoing.pk])

    message = message_from_bytes(server.received[0][2], policy=policy.default)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "offer.pdf"
    assert attachment.get_payload(decode=True) == PDF


def test_a_failed_send_is_retried_later_by_the_worker(member, ada, start_smtp):
    # No server listens yet: the first attempt fails and is kept for later.
    [outgoing] = sending.mail_send(
        actor=member, contact_ids=[ada.pk], subject="Hi", body="Hello", enqueue=False
    )
    assert sending.send_due([outgoing.pk]) == {"sent": 0, "failed": 1}
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("queued", 1)
    assert outgoing.last_error
    assert outgoing.next_attempt_at > timezone.now()
    assert MailMessage.objects.count() == 0

    server = start_smtp()
    later = timezone.now() + dt.timedelta(minutes=2)
    sending.outbox_tick(later)
    job = Job.objects.get(kind=sending.SEND_KIND)
    assert job.params["outgoing"] == [outgoing.pk]
    OutgoingMail.objects.filter(pk=outgoing.pk).update(next_attempt_at=timezone.now())
    job = job_run(job.pk)

    assert job.status == "succeeded", job.error
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts, outgoing.last_error) == ("sent", 2, "")
    assert len(server.received) == 1
    assert ada.activity_links.count() == 1


def test_after_the_last_attempt_the_mail_is_marked_failed(member, ada, smtp_settings):
    [outgoing] = sending.mail_send(
        actor=member, contact_ids=[ada.pk], subject="Hi", body="Hello", enqueue=False
    )
    OutgoingMail.objects.filter(pk=outgoing.pk).update(attempts=sending.MAX_ATTEMPTS - 1)
    sending.send_due([outgoing.pk])
    outgoing.refresh_from_db()
    assert outgoing.status == "failed"


@pytest.mark.parametrize(
    "source",
    [
        "{{ contact.__class__ }}",
        "{{ contact.__class__.__mro__ }}",
        "{{ contact.items() }}",
        "{{ contact.update(given_name='x') }}",
        "{{ ''.__class__ }}",
        "{{ sender.password }}",
        "{{ request }}",
        "{% for x in contact.values() %}{{ x }}{% endfor %}",
    ],
)
def test_the_sandbox_refuses_anything_beyond_the_allowed_fields_and_nothing_is_queued(
    member, ada, source
):
    with pytest.raises(ValidationError) as caught:
        sending.mail_send(actor=member, contact_ids=[ada.pk], subject="Hi", body=source)
    assert "body" in caught.value.message_dict
    assert OutgoingMail.objects.count() == 0
    assert Job.objects.count() == 0


def test_the_sandbox_renders_only_plain_values():
    assert (
        render(
            "{{ contact.given_name|upper }} {{ contact['family_name'] }}",
            contact={"given_name": "Ada", "family_name": "Lovelace"},
            sender={},
            field="body",
        )
        == "ADA Lovelace"
    )


def test_a_template_is_used_for_subject_and_body(member, ada, start_smtp):
    start_smtp()
    template = services.mail_template_create(
        actor=member,
        data={"name": "Welcome", "subject": "Welcome {{ contact.given_name }}", "body": "Hi!"},
    )
    [outgoing] = sending.mail_send(
        actor=member, contact_ids=[ada.pk], template=template, enqueue=False
    )
    assert (outgoing.subject, outgoing.body) == ("Welcome Ada", "Hi!")


def test_mail_to_someone_the_sender_cannot_see_or_to_a_bouncing_address_is_refused(
    member, other_member, ada
):
    hidden = make_contact(member, emails=[{"value": "h@example.com"}], visibility="private")
    with pytest.raises(ValidationError):
        sending.mail_send(actor=other_member, contact_ids=[hidden.pk], subject="x", body="y")
    BouncedAddress.objects.create(address="ada@example.com", bounced_at=timezone.now())
    with pytest.raises(ValidationError) as caught:
        sending.mail_send(actor=member, contact_ids=[ada.pk], subject="x", body="y")
    assert "bounces" in str(caught.value)
    assert OutgoingMail.objects.count() == 0
    assert Job.objects.count() == 0


def test_the_send_job_is_queued_after_commit(member, ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        sending.mail_send(actor=member, contact_ids=[ada.pk], subject="x", body="y")
    assert Job.objects.get().kind == sending.SEND_KIND
    assert len(callbacks) == 1


def test_a_template_that_reaches_beyond_the_allow_list_is_not_saved(member):
    with pytest.raises(ValidationError) as caught:
        services.mail_template_create(
            actor=member,
            data={"name": "Bad", "subject": "Hi", "body": "{{ contact.__class__ }}"},
        )
    assert list(caught.value.message_dict) == ["body"]
    assert MailTemplate.objects.count() == 0
