"""A person's answers per purpose over the API (ADR 0044): read with the person, set one purpose
and channel at a time with the source "api" and a history entry; who may not change the person
is refused and nothing changes; unknown purposes, channels and states name what is wrong."""

from __future__ import annotations

import pytest

from rubrica.contacts.models import ConsentSource, PurposeConsent
from rubrica.contacts.services import consent_purpose_create
from rubrica.history.models import HistoryEntry
from tests.api.conftest import bearer
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsletter(admin_user):
    return consent_purpose_create(actor=admin_user, name="Newsletter")


def _put(client, user, contact, purpose, channel, body):
    return client.put(
        f"/api/v1/contacts/{contact.pk}/consent/{purpose}/{channel}",
        body,
        content_type="application/json",
        **bearer(user),
    )


def test_an_answer_set_over_the_api_is_read_back_with_the_person(client, member, newsletter):
    ada = make_contact(member, given_name="Ada")

    response = _put(client, member, ada, "newsletter", "email", {"state": "withdrawn"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["purpose"], body["channel"], body["state"], body["source"]) == (
        "newsletter",
        "email",
        "withdrawn",
        ConsentSource.API,
    )
    person = client.get(f"/api/v1/contacts/{ada.pk}", **bearer(member)).json()
    assert [(a["purpose"], a["channel"], a["state"]) for a in person["consent_by_purpose"]] == [
        ("newsletter", "email", "withdrawn")
    ]
    listed = client.get("/api/v1/contacts", **bearer(member)).json()["items"]
    assert listed[0]["consent_by_purpose"][0]["state"] == "withdrawn"
    entry = HistoryEntry.objects.filter(object_id=ada.pk).latest("id")
    assert entry.changes == {"consent:newsletter:email": {"before": "", "after": "withdrawn"}}


def test_an_empty_state_removes_the_answer(client, member, newsletter):
    ada = make_contact(member, given_name="Ada")
    _put(client, member, ada, "newsletter", "sms", {"state": "granted"})

    response = _put(client, member, ada, "newsletter", "sms", {"state": ""})

    assert response.status_code == 200
    assert response.json()["state"] == ""
    assert not PurposeConsent.objects.exists()


def test_wrong_requests_name_what_is_wrong_and_change_nothing(client, member, newsletter):
    ada = make_contact(member, given_name="Ada")

    unknown_purpose = _put(client, member, ada, "surveys", "email", {"state": "granted"})
    bad_channel = _put(client, member, ada, "newsletter", "fax", {"state": "granted"})
    bad_state = _put(client, member, ada, "newsletter", "email", {"state": "maybe"})

    assert unknown_purpose.status_code == 404
    assert bad_channel.status_code == 422 and "channel" in bad_channel.content.decode()
    assert bad_state.status_code == 422 and "state" in bad_state.content.decode()
    assert not PurposeConsent.objects.exists()


def test_who_may_not_change_the_person_is_refused(client, member, other_member, viewer, newsletter):
    hidden = make_contact(other_member, given_name="Hidden", visibility="private")
    shared = make_contact(member, given_name="Shared", visibility="everyone")

    assert (
        _put(client, member, hidden, "newsletter", "email", {"state": "granted"}).status_code == 404
    )
    assert (
        _put(client, viewer, shared, "newsletter", "email", {"state": "granted"}).status_code == 403
    )
    assert not PurposeConsent.objects.exists()
