"""Capture: filing on the people in a message, threads, duplicates, attachments, unknown senders,
bounces, MIME part handlers, and what colleagues see."""

from __future__ import annotations

import io
import mailbox as mbox

import pytest
from django.core.exceptions import PermissionDenied

from rubrica.activities.models import Activity, ActivityPerson
from rubrica.documents.models import Document
from rubrica.kits.inbound import register_part_handler, unregister_part_handler
from rubrica.mail import selectors, services
from rubrica.mail.capture import mail_capture
from rubrica.mail.models import (
    BouncedAddress,
    Level,
    MailAttachment,
    MailMessage,
    MailParticipant,
)
from tests.documents.conftest import PDF
from tests.factories import make_contact
from tests.mail.conftest import make_message

pytestmark = pytest.mark.django_db


def test_a_message_is_filed_on_the_people_in_from_to_and_cc_but_not_on_colleagues(
    member, other_member
):
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    bob = make_contact(member, given_name="Bob", emails=[{"value": "Bob@Example.com"}])
    make_contact(member, given_name="Nobody", emails=[{"value": "nobody@example.com"}])

    raw = make_message(
        to=f"member@example.org, {other_member.email}", cc="Bob@EXAMPLE.com, new@example.net"
    )
    result = mail_capture(actor=member, raw=raw)

    assert result.duplicate is False
    assert sorted(result.contact_ids) == sorted([ada.pk, bob.pk])
    assert result.unknown == ["new@example.net"]
    message = result.message
    assert message is not None and message.direction == "in"
    activity = Activity.objects.get(pk=message.activity_id)
    assert activity.kind == "email" and activity.direction == "in"
    assert activity.subject == "Engines"
    assert sorted(activity.person_links.values_list("contact_id", flat=True)) == sorted(
        [ada.pk, bob.pk]
    )
    assert set(activity.users.values_list("username", flat=True)) == {"member", "other"}
    internal = MailParticipant.objects.filter(message=message, internal=True)
    assert set(internal.values_list("address", flat=True)) == {
        "member@example.org",
        other_member.email,
    }
    assert ada.activity_links.count() == 1


def test_a_message_from_a_colleague_is_outgoing(member):
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    raw = make_message(sender="member@example.org", to="ada@example.com")
    result = mail_capture(actor=member, raw=raw)
    assert result.message.direction == "out"
    assert result.contact_ids == [ada.pk]


def test_the_same_message_id_is_refused_the_second_time_and_nothing_is_written(member):
    make_contact(member, emails=[{"value": "ada@example.com"}])
    mail_capture(actor=member, raw=make_message())
    counts = (MailMessage.objects.count(), Activity.objects.count(), ActivityPerson.objects.count())

    again = mail_capture(actor=member, raw=make_message(subject="Changed"))

    assert again.duplicate is True and again.message is None
    assert (
        MailMessage.objects.count(),
        Activity.objects.count(),
        ActivityPerson.objects.count(),
    ) == counts


def test_a_message_without_message_id_is_deduplicated_by_its_bytes(member):
    raw = make_message(message_id=None)
    assert mail_capture(actor=member, raw=raw).duplicate is False
    assert mail_capture(actor=member, raw=raw).duplicate is True
    assert MailMessage.objects.get().message_id.endswith("@rubrica.invalid>")


def test_replies_are_kept_in_the_thread_of_the_first_message(member):
    make_contact(member, emails=[{"value": "ada@example.com"}])
    first = mail_capture(actor=member, raw=make_message(message_id="<a@x>")).message
    reply = mail_capture(
        actor=member,
        raw=make_message(
            message_id="<b@x>", in_reply_to="<a@x>", references="<a@x>", subject="Re: Engines"
        ),
    ).message
    # A client that keeps only In-Reply-To still lands in the thread.
    third = mail_capture(
        actor=member, raw=make_message(message_id="<c@x>", in_reply_to="<b@x>")
    ).message
    other = mail_capture(actor=member, raw=make_message(message_id="<z@x>")).message

    assert first.thread_key == reply.thread_key == third.thread_key == "<a@x>"
    assert other.thread_key == "<z@x>"
    thread = selectors.thread_of(member, first)
    assert [m.message_id for m in thread] == ["<a@x>", "<b@x>", "<c@x>"]


def test_attachments_are_stored_as_documents_of_the_person(member):
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    raw = make_message(attachments=[("offer.pdf", PDF, "application/pdf")])
    result = mail_capture(actor=member, raw=raw)

    attachment = MailAttachment.objects.get(message=result.message)
    assert attachment.filename == "offer.pdf" and attachment.size == len(PDF)
    document = Document.objects.get(pk=attachment.document_id)
    assert document.contact_id == ada.pk
    assert document.title == "offer.pdf"


def test_unknown_senders_are_listed_and_one_click_creates_the_person_and_files_the_mail(member):
    mail_capture(actor=member, raw=make_message(sender="Grace Hopper <grace@example.com>"))
    mail_capture(
        actor=member,
        raw=make_message(sender="Grace Hopper <grace@example.com>", message_id="<m2@x>"),
    )
    listed = selectors.unknown_senders(member)
    assert [(r["address"], r["messages"], r["name"]) for r in listed] == [
        ("grace@example.com", 2, "Grace Hopper")
    ]
    assert Activity.objects.count() == 0

    contact, filed = services.contact_from_address(
        actor=member, address="grace@example.com", name="Grace Hopper"
    )

    assert filed == 2
    assert (contact.given_name, contact.family_name) == ("Grace", "Hopper")
    assert contact.activity_links.count() == 2
    assert selectors.unknown_senders(member) == []


def test_a_delivery_report_marks_the_address_as_bouncing_and_is_not_filed(member):
    make_contact(member, emails=[{"value": "gone@example.com"}])
    raw = (
        b"From: Mail Delivery System <MAILER-DAEMON@example.org>\r\n"
        b"To: member@example.org\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <dsn1@example.org>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.org\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.com\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        b"--B--\r\n"
    )
    result = mail_capture(actor=member, raw=raw)

    assert result.bounced == ["gone@example.com"]
    bounced = BouncedAddress.objects.get()
    assert bounced.address == "gone@example.com" and "user unknown" in bounced.reason
    assert result.message.is_bounce and result.message.activity_id is None
    assert selectors.unknown_senders(member) == []


def test_registered_part_handlers_receive_their_parts(member):
    received = []

    def handler(part, context):
        received.append((part.get_content(), context.message_id, context.actor.pk))

    register_part_handler("text/calendar", handler)
    try:
        raw = make_message(
            attachments=[("invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")]
        )
        mail_capture(actor=member, raw=raw)
    finally:
        unregister_part_handler("text/calendar", handler)

    assert len(received) == 1
    assert received[0][0].startswith("BEGIN:VCALENDAR")
    assert received[0][1:] == ("<m1@example.com>", member.pk)


def test_a_read_only_user_cannot_capture_and_nothing_changes(viewer):
    with pytest.raises(PermissionDenied):
        mail_capture(actor=viewer, raw=make_message())
    assert MailMessage.objects.count() == 0


# What colleagues see -----------------------------------------------------------------------


def _shared_message(member):
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])  # visible to everyone
    result = mail_capture(actor=member, raw=make_message(body="Secret price: 42"))
    return ada, result.message


def test_colleagues_see_the_subject_by_default_but_not_the_body(member, other_member):
    _ada, message = _shared_message(member)
    view = selectors.view_of(other_member, selectors.message_visible(other_member, message.pk))
    assert (view.level, view.subject, view.body) == ("subject", "Engines", "")
    activity = Activity.objects.get(pk=message.activity_id)
    assert "Secret price" not in activity.body
    own = selectors.view_of(member, selectors.message_visible(member, message.pk))
    assert own.body == "Secret price: 42"


def test_metadata_level_hides_the_subject_from_colleagues_and_the_timeline(member, other_member):
    _ada, message = _shared_message(member)
    services.mail_preference_set(actor=member, level=Level.METADATA)

    view = selectors.view_of(other_member, selectors.message_visible(other_member, message.pk))
    assert (view.subject, view.body, view.sender) == ("", "", "ada@example.com")
    activity = Activity.objects.get(pk=message.activity_id)
    assert "Engines" not in activity.subject and "Engines" not in activity.body


def test_full_level_shares_the_body(member, other_member):
    _ada, message = _shared_message(member)
    services.mail_preference_set(actor=member, level=Level.FULL)
    view = selectors.view_of(other_member, selectors.message_visible(other_member, message.pk))
    assert view.body == "Secret price: 42"
    assert "Secret price: 42" in Activity.objects.get(pk=message.activity_id).body


def test_a_colleague_who_cannot_see_the_person_cannot_see_the_message(member, other_member):
    make_contact(member, emails=[{"value": "ada@example.com"}], visibility="private")
    message = mail_capture(actor=member, raw=make_message()).message
    assert selectors.message_visible(other_member, message.pk) is None
    assert selectors.message_visible(member, message.pk) is not None


# Upload ------------------------------------------------------------------------------------


def _mbox_bytes(tmp_path, raws):
    path = tmp_path / "in.mbox"
    box = mbox.mbox(str(path))
    for raw in raws:
        box.add(raw)
    box.flush()
    box.close()
    return path.read_bytes()


def test_an_mbox_upload_captures_every_message_as_a_job_with_progress(member, tmp_path):
    from rubrica.jobs.services import job_run

    make_contact(member, emails=[{"value": "ada@example.com"}])
    raws = [make_message(message_id=f"<n{i}@x>", subject=f"S{i}") for i in range(120)]
    raws.append(raws[0])  # a duplicate inside the file
    data = _mbox_bytes(tmp_path, raws)
    job = services.import_start(
        actor=member, upload=io.BytesIO(data), filename="export.mbox", enqueue=False
    )
    job = job_run(job.pk)

    assert job.status == "succeeded", job.error
    assert (job.total, job.done) == (121, 121)
    assert job.result["captured"] == 120 and job.result["duplicates"] == 1
    assert MailMessage.objects.count() == 120


def test_an_upload_that_is_not_mail_is_refused(member):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.import_start(actor=member, upload=io.BytesIO(b"x"), filename="a.pdf")


def test_metadata_level_hides_attachment_names_too(member, other_member):
    make_contact(member, emails=[{"value": "ada@example.com"}])
    services.mail_preference_set(actor=member, level=Level.METADATA)
    raw = make_message(attachments=[("salary-2027.pdf", PDF, "application/pdf")])
    message = mail_capture(actor=member, raw=raw).message
    view = selectors.view_of(other_member, selectors.message_visible(other_member, message.pk))
    assert view.attachments == []
    assert "salary" not in Activity.objects.get(pk=message.activity_id).body
    own = selectors.view_of(member, selectors.message_visible(member, message.pk))
    assert own.attachments == ["salary-2027.pdf"]


def test_nul_characters_and_malformed_headers_are_captured_not_refused(member):
    raw = (
        b"From: Ada <ada@example.com>\r\nTo: =?bogus?Q?x?= <member@example.org>\r\n"
        b"Subject: bad\x00subject\r\nDate: not a date\r\nMessage-ID: <nul@x>\r\n\r\n"
        b"body with a \x00 NUL\r\n"
    )
    message = mail_capture(actor=member, raw=raw).message
    assert message.subject == "badsubject"
    assert "\x00" not in message.body and "NUL" in message.body
