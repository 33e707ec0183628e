"""Consent per channel (ADR 0032): recorded by the services with time, source and history, and
respected by sending: an opted-out person is never written to; when the team requires consent,
only people who opted in are."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.accounts.selectors import team_settings
from rubrica.accounts.services import team_consent_update
from rubrica.audit.models import AuditEntry
from rubrica.contacts.models import ConsentSource, ConsentState, Contact
from rubrica.contacts.services import contact_consent_set, contact_update
from rubrica.history.models import HistoryEntry
from rubrica.mail import sending
from rubrica.mail.models import OutgoingMail, OutStatus
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(member):
    return make_contact(
        member, given_name="Ada", family_name="", emails=[{"value": "ada@example.com"}]
    )


def test_consent_is_recorded_with_time_source_and_history(member, ada):
    contact = contact_consent_set(
        actor=member, contact=ada, channel="email", state="granted", source=ConsentSource.FORM
    )

    assert contact.email_consent == ConsentState.GRANTED
    assert contact.email_consent_source == ConsentSource.FORM
    assert contact.email_consent_at is not None
    assert contact.sms_consent == ConsentState.UNKNOWN
    entry = HistoryEntry.objects.filter(object_id=ada.pk).order_by("-id").first()
    assert entry.changes == {"email_consent": {"before": "", "after": "granted"}}


def test_the_same_state_again_keeps_its_first_time_and_source(member, ada):
    first = contact_consent_set(
        actor=member, contact=ada, channel="sms", state="granted", source=ConsentSource.FORM
    )
    again = contact_consent_set(
        actor=member, contact=first, channel="sms", state="yes", source=ConsentSource.USER
    )

    assert again.sms_consent_at == first.sms_consent_at
    assert again.sms_consent_source == ConsentSource.FORM
    assert again.version == first.version


def test_a_bad_state_is_refused_naming_the_field_and_changes_nothing(member, ada):
    with pytest.raises(ValidationError) as caught:
        contact_update(actor=member, contact=ada, data={"email_consent": "maybe"})

    assert "email_consent" in caught.value.message_dict
    assert Contact.objects.get(pk=ada.pk).email_consent == ConsentState.UNKNOWN


def test_someone_who_may_not_change_the_person_cannot_record_consent(viewer, ada):
    with pytest.raises(PermissionDenied):
        contact_consent_set(actor=viewer, contact=ada, channel="email", state="granted")

    assert Contact.objects.get(pk=ada.pk).email_consent == ConsentState.UNKNOWN


def test_the_api_records_consent_with_the_api_as_source(member, ada, client):
    client.force_login(member)
    response = client.patch(
        f"/api/v1/contacts/{ada.pk}",
        {"email_consent": "withdrawn"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["email_consent"] == "withdrawn"
    assert response.json()["email_consent_source"] == "api"
    assert Contact.objects.get(pk=ada.pk).email_consent_source == ConsentSource.API


def test_mail_is_never_queued_to_someone_who_opted_out(member, ada):
    contact_consent_set(actor=member, contact=ada, channel="email", state="withdrawn")

    with pytest.raises(ValidationError) as caught:
        sending.mail_send(actor=member, contact_ids=[ada.pk], subject="Hi", enqueue=False)

    assert caught.value.message_dict == {"people.0": ["Ada opted out of e-mail."]}
    assert OutgoingMail.objects.count() == 0


def test_without_the_team_rule_people_never_asked_are_written_to(member, ada):
    assert team_settings().require_email_consent is False

    queued = sending.mail_send(actor=member, contact_ids=[ada.pk], subject="Hi", enqueue=False)

    assert [o.address for o in queued] == ["ada@example.com"]


def test_with_the_team_rule_only_people_who_opted_in_are_written_to(member, admin_user, ada):
    grace = make_contact(
        member, given_name="Grace", family_name="", emails=[{"value": "grace@example.com"}]
    )
    contact_consent_set(actor=member, contact=grace, channel="email", state="granted")
    team_consent_update(actor=admin_user, require_email_consent=True)

    with pytest.raises(ValidationError) as caught:
        sending.mail_send(actor=member, contact_ids=[grace.pk, ada.pk], subject="Hi", enqueue=False)
    assert caught.value.message_dict == {
        "people.1": ["Ada has not opted in to e-mail, which the team requires."]
    }
    assert OutgoingMail.objects.count() == 0

    queued = sending.mail_send(actor=member, contact_ids=[grace.pk], subject="Hi", enqueue=False)
    assert [o.address for o in queued] == ["grace@example.com"]


def test_mail_queued_before_an_opt_out_is_not_sent(member, ada, start_smtp):
    server = start_smtp()
    queued = sending.mail_send(actor=member, contact_ids=[ada.pk], subject="Hi", enqueue=False)
    contact_consent_set(actor=member, contact=ada, channel="email", state="withdrawn")

    assert sending.send_due([o.pk for o in queued]) == {"sent": 0, "failed": 1}

    assert server.received == []
    outgoing = OutgoingMail.objects.get()
    assert outgoing.status == OutStatus.FAILED
    assert outgoing.last_error == "The person opted out of e-mail."


def test_only_administrators_change_the_team_rule_and_it_is_audited(member, admin_user):
    with pytest.raises(PermissionDenied):
        team_consent_update(actor=member, require_email_consent=True)
    assert team_settings().require_email_consent is False
    assert not AuditEntry.objects.filter(action="settings.change").exists()

    team_consent_update(actor=admin_user, require_email_consent=True)

    assert team_settings().require_email_consent is True
    entry = AuditEntry.objects.get(action="settings.change")
    assert entry.details == {"require_email_consent": {"before": False, "after": True}}


def test_appointment_invitations_skip_people_who_opted_out(member, ada, mailoutbox):
    import datetime as dt

    from django.utils import timezone

    from rubrica.calendars.ical import send_invitations
    from rubrica.calendars.services import appointment_create

    grace = make_contact(member, given_name="Grace", emails=[{"value": "grace@example.com"}])
    contact_consent_set(actor=member, contact=ada, channel="email", state="withdrawn")
    start = timezone.now() + dt.timedelta(days=1)
    appointment = appointment_create(
        actor=member,
        data={
            "title": "Review",
            "start": start,
            "end": start + dt.timedelta(hours=1),
            "people": [ada.pk, grace.pk],
        },
    )

    sent = send_invitations(actor=member, appointment=appointment)

    assert sent == ["grace@example.com"]
    assert [m.to for m in mailoutbox] == [["grace@example.com"]]


def test_a_merge_keeps_an_opt_out_from_either_side(member, ada):
    from rubrica.merges.services import contact_merge

    twin = make_contact(member, given_name="Ada", family_name="L")
    contact_consent_set(actor=member, contact=ada, channel="email", state="granted")
    contact_consent_set(actor=member, contact=twin, channel="email", state="withdrawn")
    contact_consent_set(actor=member, contact=twin, channel="sms", state="granted")

    contact_merge(
        actor=member,
        survivor=Contact.objects.get(pk=ada.pk),
        merged=Contact.objects.get(pk=twin.pk),
    )

    kept = Contact.objects.get(pk=ada.pk)
    assert kept.email_consent == ConsentState.WITHDRAWN
    assert kept.sms_consent == ConsentState.GRANTED
