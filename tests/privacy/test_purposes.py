"""Consent per purpose (ADR 0035): administrators keep the list of purposes; a person's answer
per purpose and channel has a time, a source and a history entry; sending for a purpose asks it
(opt-outs always, opt-ins when the team requires consent), at queueing and again at delivery."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rubrica.accounts.services import team_consent_update, token_create
from rubrica.audit.models import AuditEntry
from rubrica.contacts.models import ConsentPurpose, ConsentSource, PurposeConsent
from rubrica.contacts.services import (
    consent_purpose_create,
    consent_purpose_delete,
    contact_consent_set,
    contact_purpose_consent_set,
)
from rubrica.history.models import HistoryEntry
from rubrica.mail import sending
from rubrica.mail.models import OutgoingMail, OutStatus
from rubrica.privacy.erasure import contact_erase
from rubrica.privacy.export import person_data
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(member):
    return make_contact(
        member, given_name="Ada", family_name="", emails=[{"value": "ada@example.com"}]
    )


@pytest.fixture
def newsletter(admin_user):
    return consent_purpose_create(actor=admin_user, name="Newsletter")


def test_administrators_keep_the_purposes_and_it_is_audited(admin_user, member):
    purpose = consent_purpose_create(actor=admin_user, name="Event invitations")
    assert purpose.key == "event-invitations"
    with pytest.raises(ValidationError) as caught:
        consent_purpose_create(actor=admin_user, name="Event invitations")
    assert set(caught.value.message_dict) == {"key"}

    with pytest.raises(PermissionDenied):
        consent_purpose_create(actor=member, name="Marketing")
    with pytest.raises(PermissionDenied):
        consent_purpose_delete(actor=member, purpose=purpose)
    assert list(ConsentPurpose.objects.values_list("key", flat=True)) == ["event-invitations"]

    consent_purpose_delete(actor=admin_user, purpose=purpose)
    assert not ConsentPurpose.objects.exists()
    changes = [e.details["change"] for e in AuditEntry.objects.filter(action="privacy.purpose")]
    assert changes == ["create", "delete"]


def test_an_answer_is_recorded_with_time_source_and_history(member, ada, newsletter):
    row = contact_purpose_consent_set(
        actor=member,
        contact=ada,
        purpose=newsletter,
        channel="email",
        state="granted",
        source=ConsentSource.FORM,
    )

    assert (row.state, row.source, row.at is not None) == ("granted", "form", True)
    entry = HistoryEntry.objects.filter(object_id=ada.pk).order_by("-id").first()
    assert entry.changes == {"consent:newsletter:email": {"before": "", "after": "granted"}}
    again = contact_purpose_consent_set(
        actor=member, contact=ada, purpose=newsletter, channel="email", state="granted"
    )
    assert (again.at, again.source) == (row.at, "form")


def test_someone_who_may_not_change_the_person_records_nothing(viewer, ada, newsletter):
    with pytest.raises(PermissionDenied):
        contact_purpose_consent_set(
            actor=viewer, contact=ada, purpose=newsletter, channel="email", state="withdrawn"
        )
    assert not PurposeConsent.objects.exists()


def test_an_opt_out_of_the_purpose_refuses_mail_for_it_only(member, ada, newsletter):
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=newsletter, channel="email", state="withdrawn"
    )

    with pytest.raises(ValidationError) as caught:
        sending.mail_send(
            actor=member, contact_ids=[ada.pk], subject="Hi", enqueue=False, purpose=newsletter
        )
    assert caught.value.message_dict == {"people.0": ["Ada: The person opted out of Newsletter."]}
    assert OutgoingMail.objects.count() == 0

    queued = sending.mail_send(actor=member, contact_ids=[ada.pk], subject="Hi", enqueue=False)
    assert len(queued) == 1


def test_a_general_opt_out_refuses_every_purpose(member, ada, newsletter):
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=newsletter, channel="email", state="granted"
    )
    contact_consent_set(actor=member, contact=ada, channel="email", state="withdrawn")

    with pytest.raises(ValidationError):
        sending.mail_send(
            actor=member, contact_ids=[ada.pk], subject="Hi", enqueue=False, purpose=newsletter
        )
    assert OutgoingMail.objects.count() == 0


def test_with_the_team_rule_the_purpose_needs_an_opt_in(member, admin_user, ada, newsletter):
    grace = make_contact(
        member, given_name="Grace", family_name="", emails=[{"value": "grace@example.com"}]
    )
    alan = make_contact(
        member, given_name="Alan", family_name="", emails=[{"value": "alan@example.com"}]
    )
    contact_purpose_consent_set(
        actor=member, contact=grace, purpose=newsletter, channel="email", state="granted"
    )
    contact_consent_set(actor=member, contact=alan, channel="email", state="granted")
    team_consent_update(actor=admin_user, require_email_consent=True)

    with pytest.raises(ValidationError) as caught:
        sending.mail_send(
            actor=member,
            contact_ids=[grace.pk, alan.pk, ada.pk],
            subject="Hi",
            enqueue=False,
            purpose=newsletter,
        )
    assert caught.value.message_dict == {
        "people.2": ["Ada: The person has not opted in to Newsletter, which the team requires."]
    }
    assert OutgoingMail.objects.count() == 0

    queued = sending.mail_send(
        actor=member,
        contact_ids=[grace.pk, alan.pk],
        subject="Hi",
        enqueue=False,
        purpose=newsletter,
    )
    assert sorted(o.address for o in queued) == ["alan@example.com", "grace@example.com"]
    assert {o.purpose_id for o in queued} == {newsletter.pk}


def test_mail_queued_for_a_purpose_is_not_sent_after_an_opt_out_of_it(
    member, ada, newsletter, start_smtp
):
    server = start_smtp()
    queued = sending.mail_send(
        actor=member, contact_ids=[ada.pk], subject="Hi", enqueue=False, purpose=newsletter
    )
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=newsletter, channel="email", state="withdrawn"
    )

    assert sending.send_due([o.pk for o in queued]) == {"sent": 0, "failed": 1}
    assert server.received == []
    outgoing = OutgoingMail.objects.get()
    assert outgoing.status == OutStatus.FAILED
    assert outgoing.last_error == "The person opted out of Newsletter."


def test_the_api_sends_for_a_purpose_named_by_its_key(member, ada, newsletter, client):
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=newsletter, channel="email", state="withdrawn"
    )
    _token, raw = token_create(actor=member, user=member, name="tests")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    for key, status in (("newsletter", 422), ("nope", 422)):
        response = client.post(
            "/api/v1/mail/send",
            json.dumps({"people": [ada.pk], "subject": "Hi", "purpose": key}),
            content_type="application/json",
            **headers,
        )
        assert response.status_code == status, response.content
    assert OutgoingMail.objects.count() == 0


def test_the_person_page_records_an_answer_for_a_purpose(member, ada, newsletter, client):
    client.force_login(member)

    response = client.post(
        reverse("privacy:consent", args=[ada.pk]),
        {"channel": "email", "state": "withdrawn", "purpose": "newsletter"},
    )

    assert response.status_code == 302
    row = PurposeConsent.objects.get()
    assert (row.state, row.source) == ("withdrawn", ConsentSource.USER)
    page = client.get(ada.get_absolute_url()).content.decode()
    assert 'id="consent-newsletter-email" data-state="withdrawn"' in page


def test_export_holds_the_answers_and_erasure_removes_them(admin_user, ada, newsletter):
    contact_purpose_consent_set(
        actor=admin_user, contact=ada, purpose=newsletter, channel="sms", state="granted"
    )

    data = person_data(actor=admin_user, contact=ada)
    answers = data["person"]["consent_by_purpose"]
    assert [(a["purpose"], a["channel"], a["state"]) for a in answers] == [
        ("newsletter", "sms", "granted")
    ]
    contact_erase(actor=admin_user, contact=ada)
    assert not PurposeConsent.objects.exists()
