"""E-mail a segment (ADR 0038): the preview counts who will receive it and lists who is skipped
and why (no address, bouncing, opted out); the send queues one message per recipient only, each
logged on that person's timeline once sent; a refused send queues nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from rubrica.activities.models import Activity
from rubrica.contacts.models import Contact
from rubrica.mail import sending
from rubrica.mail.models import BouncedAddress, MailMessage, OutgoingMail
from rubrica.segments.services import segment_add_members, segment_create
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment(member):
    ada = make_contact(member, given_name="Ada", emails=[{"value": "ada@example.com"}])
    bob = make_contact(member, given_name="Bob", emails=[{"value": "bob@example.com"}])
    cy = make_contact(member, given_name="Cy", emails=[{"value": "cy@example.com"}])
    dee = make_contact(member, given_name="Dee")
    Contact.all_objects.filter(pk=bob.pk).update(email_consent="withdrawn")
    BouncedAddress.objects.create(address="cy@example.com", bounced_at=timezone.now())
    found = segment_create(actor=member, data={"name": "Customers", "kind": "static"})
    segment_add_members(actor=member, segment=found, contacts=[ada, bob, cy, dee])
    return found, ada


def test_the_preview_counts_the_recipients_and_says_who_is_skipped_and_why(member_client, segment):
    found, _ada = segment
    page = member_client.get(reverse("segments:send", args=[found.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "1 person will receive it." in text
    assert "3 people are skipped:" in text
    assert "opted out of e-mail" in text
    assert "Mail to cy@example.com bounces." in text
    assert "has no e-mail address." in text
    assert not OutgoingMail.objects.exists()


def test_the_send_queues_one_message_per_recipient_logged_on_the_timeline(
    member, member_client, segment, start_smtp
):
    found, ada = segment
    server = start_smtp()
    response = member_client.post(
        reverse("segments:send", args=[found.pk]),
        {"subject": "News for {{ contact.given_name }}", "body": "Hello."},
    )

    assert response.status_code == 302
    [queued] = OutgoingMail.objects.all()
    assert (queued.contact_id, queued.address, queued.subject) == (
        ada.pk,
        "ada@example.com",
        "News for Ada",
    )
    assert sending.send_due([queued.pk]) == {"sent": 1, "failed": 0}
    assert [to for _f, to, _c in server.received] == [["ada@example.com"]]
    captured = MailMessage.objects.get(message_id=queued.message_id)
    activity = Activity.objects.get(pk=captured.activity_id)
    assert list(activity.person_links.values_list("contact_id", flat=True)) == [ada.pk]


def test_a_send_with_an_error_queues_nothing(member_client, segment):
    found, _ada = segment
    response = member_client.post(
        reverse("segments:send", args=[found.pk]),
        {"subject": "Hi {{ contact.__class__ }}", "body": "x"},
    )
    assert response.status_code == 400
    assert not OutgoingMail.objects.exists()
