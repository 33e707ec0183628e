"""Double opt-in (ADR 0035): a signed link e-mailed to the person; pressing its button records
the consent with the source "double opt-in"; a forged, expired or stale link records nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rubrica.audit.models import AuditEntry
from rubrica.contacts.models import ConsentSource, ConsentState, Contact, PurposeConsent
from rubrica.contacts.services import (
    consent_purpose_create,
    contact_consent_set,
    contact_update,
)
from rubrica.privacy import double_optin
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

BASE = "https://crm.example"


@pytest.fixture
def ada(member):
    return make_contact(
        member, given_name="Ada", family_name="", emails=[{"value": "ada@example.com"}]
    )


def _token(link: str) -> str:
    return re.search(r"/privacy/confirm/([^/]+)/", link).group(1)


def test_the_link_is_mailed_and_confirming_records_the_consent(member, ada, mailoutbox, client):
    link = double_optin.confirmation_send(actor=member, contact=ada, purpose=None, base_url=BASE)

    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert link in mailoutbox[0].body
    assert link.startswith(BASE + "/privacy/confirm/")
    url = link.removeprefix(BASE)
    page = client.get(url)
    assert page.status_code == 200
    assert Contact.objects.get(pk=ada.pk).email_consent == ConsentState.UNKNOWN  # GET: nothing

    done = client.post(url)

    assert done.status_code == 200
    assert 'id="optin-done"' in done.content.decode()
    contact = Contact.objects.get(pk=ada.pk)
    assert (contact.email_consent, contact.email_consent_source) == (
        ConsentState.GRANTED,
        ConsentSource.DOUBLE_OPT_IN,
    )
    actions = list(
        AuditEntry.objects.filter(action__startswith="privacy.optin").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["privacy.optin_confirmed", "privacy.optin_sent"]
    assert "ada@example.com" not in str(
        AuditEntry.objects.filter(action__startswith="privacy.optin").values_list(
            "details", flat=True
        )
    )


def test_a_purpose_link_records_the_purpose(admin_user, member, ada, mailoutbox):
    newsletter = consent_purpose_create(actor=admin_user, name="Newsletter")
    link = double_optin.confirmation_send(
        actor=member, contact=ada, purpose=newsletter, base_url=BASE
    )

    double_optin.confirmation_accept(_token(link))

    row = PurposeConsent.objects.get()
    assert (row.purpose_id, row.channel, row.state, row.source) == (
        newsletter.pk,
        "email",
        "granted",
        ConsentSource.DOUBLE_OPT_IN,
    )
    assert Contact.objects.get(pk=ada.pk).email_consent == ConsentState.UNKNOWN


def test_a_forged_or_expired_link_records_nothing(member, ada, mailoutbox, client, monkeypatch):
    link = double_optin.confirmation_send(actor=member, contact=ada, purpose=None, base_url=BASE)
    token = _token(link)

    forged = client.post(reverse("privacy:optin", args=[token[:-2] + "xx"]))
    assert forged.status_code == 400
    monkeypatch.setattr(double_optin, "MAX_AGE", dt.timedelta(seconds=-1))
    with pytest.raises(ValidationError):
        double_optin.confirmation_accept(token)

    assert Contact.objects.get(pk=ada.pk).email_consent == ConsentState.UNKNOWN
    assert not AuditEntry.objects.filter(action="privacy.optin_confirmed").exists()


def test_a_link_for_an_address_the_person_no_longer_has_records_nothing(member, ada, mailoutbox):
    link = double_optin.confirmation_send(actor=member, contact=ada, purpose=None, base_url=BASE)
    contact_update(actor=member, contact=ada, data={"emails": [{"value": "new@example.com"}]})

    with pytest.raises(ValidationError):
        double_optin.confirmation_accept(_token(link))
    assert Contact.objects.get(pk=ada.pk).email_consent == ConsentState.UNKNOWN


def test_sending_needs_the_right_to_change_and_no_opt_out(member, viewer, ada, mailoutbox):
    with pytest.raises(PermissionDenied):
        double_optin.confirmation_send(actor=viewer, contact=ada, purpose=None, base_url=BASE)
    contact_consent_set(actor=member, contact=ada, channel="email", state="withdrawn")
    with pytest.raises(ValidationError):
        double_optin.confirmation_send(
            actor=member, contact=Contact.objects.get(pk=ada.pk), purpose=None, base_url=BASE
        )

    assert mailoutbox == []
    assert not AuditEntry.objects.filter(action="privacy.optin_sent").exists()


def test_the_person_card_sends_the_link(member, ada, mailoutbox, client):
    client.force_login(member)

    response = client.post(reverse("privacy:optin_send", args=[ada.pk]), {"purpose": ""})

    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert "http://testserver/privacy/confirm/" in mailoutbox[0].body
