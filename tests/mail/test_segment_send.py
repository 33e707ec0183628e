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


# API and CLI (the same service as the page) -----------------------------------------------------

API = "/api/v1/segments"


def test_the_api_preview_counts_the_recipients_and_lists_the_skipped_with_reasons(
    client, member, segment
):
    from tests.api.conftest import bearer

    found, _ada = segment
    response = client.get(f"{API}/{found.pk}/recipients", **bearer(member))

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["sendable"] == 1 and data["skipped_count"] == 3
    reasons = {row["name"].split()[0]: row["reason"] for row in data["skipped"]}
    assert "opted out of e-mail" in reasons["Bob"]
    assert reasons["Cy"] == "Mail to cy@example.com bounces."
    assert "has no e-mail address" in reasons["Dee"]
    assert not OutgoingMail.objects.exists()


def test_the_api_send_queues_one_message_per_recipient(client, member, segment):
    from tests.api.conftest import bearer

    found, ada = segment
    response = client.post(
        f"{API}/{found.pk}/send",
        {"subject": "News for {{ contact.given_name }}", "body": "Hello."},
        content_type="application/json",
        **bearer(member),
    )

    assert response.status_code == 202, response.content
    assert response.json()["queued"] == 1 and response.json()["skipped_count"] == 3
    [queued] = OutgoingMail.objects.all()
    assert (queued.contact_id, queued.subject) == (ada.pk, "News for Ada")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": "Hi {{ contact.__class__ }}", "body": "x"}, "subject"),
        ({"subject": "", "body": "x"}, "subject"),
        ({"template": 999999}, "template"),
    ],
)
def test_an_api_send_with_an_error_names_the_field_and_queues_nothing(
    client, member, segment, payload, field
):
    from tests.api.conftest import bearer

    found, _ada = segment
    response = client.post(
        f"{API}/{found.pk}/send", payload, content_type="application/json", **bearer(member)
    )

    assert response.status_code == 422, response.content
    assert field in response.content.decode()
    assert not OutgoingMail.objects.exists()


def test_a_segment_the_caller_cannot_see_is_not_found_and_nothing_is_queued(
    client, other_member, segment
):
    from tests.api.conftest import bearer

    found, _ada = segment
    preview = client.get(f"{API}/{found.pk}/recipients", **bearer(other_member))
    sent = client.post(
        f"{API}/{found.pk}/send",
        {"subject": "Hi", "body": "x"},
        content_type="application/json",
        **bearer(other_member),
    )

    assert (preview.status_code, sent.status_code) == (404, 404)
    assert not OutgoingMail.objects.exists()


def test_the_cli_dry_run_queues_nothing_and_the_send_queues_the_recipients(
    member, rubrica, segment
):
    import json

    found, ada = segment
    code, out, err = rubrica("segments", "send", "--as", "member", str(found.pk), "--dry-run")
    assert code == 0, err
    assert "Customers: can be written to: 1; skipped: 3." in out
    assert "bounces" in out
    assert not OutgoingMail.objects.exists()

    code, out, err = rubrica(
        "segments", "send", "--as", "member", str(found.pk), "--json",
        "--subject", "Hi {{ contact.given_name }}", "--body", "x",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert (data["queued"], len(data["skipped"])) == (1, 3)
    assert list(OutgoingMail.objects.values_list("contact_id", "subject")) == [(ada.pk, "Hi Ada")]


def test_a_cli_send_with_an_error_exits_2_and_queues_nothing(
    member, other_member, rubrica, segment
):
    found, _ada = segment
    code, _out, err = rubrica(
        "segments", "send", "--as", "member", str(found.pk), "--subject", "", "--body", "x"
    )
    assert code == 2 and "subject" in err
    code, _out, err = rubrica(
        "segments", "send", "--as", "other", str(found.pk), "--subject", "Hi", "--body", "x"
    )
    assert code != 0 and "no segment" in err
    assert not OutgoingMail.objects.exists()


def test_a_read_only_user_is_refused_before_anyone_is_counted(viewer, segment):
    from django.core.exceptions import PermissionDenied

    from rubrica.segments.services import segment_send

    found, _ada = segment
    # Nobody of the segment is visible to them: the refusal still says "may not", not "nobody".
    with pytest.raises(PermissionDenied):
        segment_send(actor=viewer, segment=found, subject="Hi", body="x")
    assert not OutgoingMail.objects.exists()
