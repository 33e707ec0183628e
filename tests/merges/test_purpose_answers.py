"""A merge combines the answers for a purpose (ADR 0035, ADR 0044) as it does the general
consent: an opt-out on either side is kept, so a merge never writes to someone who said no for
that purpose; an answer only one side gave follows the survivor; the undo gives every answer
back as it was, unless it was changed again since."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rubrica.contacts.models import ConsentSource, ConsentState, PurposeConsent
from rubrica.contacts.selectors import purpose_consent_refusal
from rubrica.contacts.services import consent_purpose_create, contact_purpose_consent_set
from rubrica.history.models import HistoryEntry
from rubrica.merges.services import contact_merge, contact_unmerge
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

GRANTED, WITHDRAWN = ConsentState.GRANTED, ConsentState.WITHDRAWN


@pytest.fixture
def purposes(admin_user):
    return {
        "news": consent_purpose_create(actor=admin_user, name="Newsletter"),
        "events": consent_purpose_create(actor=admin_user, name="Events"),
        "surveys": consent_purpose_create(actor=admin_user, name="Surveys"),
    }


def _answers(contact):
    return {
        (row.purpose.key, row.channel): (row.state, row.source)
        for row in PurposeConsent.objects.filter(contact=contact).select_related("purpose")
    }


def _answer(member, contact, purpose, state, source=ConsentSource.USER, at=None):
    contact_purpose_consent_set(
        actor=member,
        contact=contact,
        purpose=purpose,
        channel="email",
        state=state,
        source=source,
        at=at,
    )


def test_an_opt_out_of_the_merged_person_is_kept_by_the_survivor(member, purposes):
    survivor = make_contact(member, given_name="Ada", emails=[{"value": "ada@example.com"}])
    merged = make_contact(member, given_name="Ada", emails=[{"value": "ada@work.example"}])
    said_no = timezone.now() - dt.timedelta(days=30)
    _answer(member, survivor, purposes["news"], GRANTED, ConsentSource.FORM)
    _answer(member, merged, purposes["news"], WITHDRAWN, ConsentSource.API, at=said_no)
    _answer(member, merged, purposes["events"], GRANTED)  # only the merged person answered
    _answer(member, survivor, purposes["surveys"], WITHDRAWN)
    _answer(member, merged, purposes["surveys"], GRANTED)  # the survivor's no stays

    contact_merge(actor=member, survivor=survivor, merged=merged)

    assert _answers(survivor) == {
        ("newsletter", "email"): (WITHDRAWN, ConsentSource.API),
        ("events", "email"): (GRANTED, ConsentSource.USER),
        ("surveys", "email"): (WITHDRAWN, ConsentSource.USER),
    }
    news = PurposeConsent.objects.get(contact=survivor, purpose=purposes["news"])
    assert news.at == said_no  # when the person said no, not when the merge ran
    assert purpose_consent_refusal(survivor.email_consent, news.state, purpose_name="Newsletter")
    changes = [
        set(entry.changes)
        for entry in HistoryEntry.objects.filter(object_id=survivor.pk).order_by("id")
    ]
    assert any("consent:newsletter:email" in keys for keys in changes)


def test_undo_gives_every_answer_back(member, purposes):
    survivor = make_contact(member, given_name="Ada")
    merged = make_contact(member, given_name="Ada")
    _answer(member, survivor, purposes["news"], GRANTED, ConsentSource.FORM)
    _answer(member, merged, purposes["news"], WITHDRAWN)
    _answer(member, merged, purposes["events"], GRANTED)
    before = (_answers(survivor), _answers(merged))
    granted_at = PurposeConsent.objects.get(contact=survivor, purpose=purposes["news"]).at

    merge = contact_merge(actor=member, survivor=survivor, merged=merged)
    contact_unmerge(actor=member, merge=merge)

    assert (_answers(survivor), _answers(merged)) == before
    assert PurposeConsent.objects.get(contact=survivor, purpose=purposes["news"]).at == granted_at


def test_undo_keeps_an_answer_changed_after_the_merge(member, purposes):
    survivor = make_contact(member, given_name="Ada")
    merged = make_contact(member, given_name="Ada")
    _answer(member, survivor, purposes["news"], GRANTED)
    _answer(member, merged, purposes["news"], WITHDRAWN)
    merge = contact_merge(actor=member, survivor=survivor, merged=merged)
    _answer(member, survivor, purposes["news"], ConsentState.UNKNOWN)  # the answer is removed
    _answer(member, survivor, purposes["news"], GRANTED, ConsentSource.IMPORT)  # asked again

    contact_unmerge(actor=member, merge=merge)

    assert _answers(survivor)[("newsletter", "email")] == (GRANTED, ConsentSource.IMPORT)
