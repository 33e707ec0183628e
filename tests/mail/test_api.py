"""/api/v1/mail: capture, read as the owner's preference allows, mailboxes (password write-only),
templates, send, unknown senders; denied requests change nothing."""

from __future__ import annotations

import base64

import pytest

from rubrica.mail.models import Mailbox, MailMessage, MailTemplate, OutgoingMail
from tests.api.conftest import bearer
from tests.factories import make_contact
from tests.mail.conftest import make_message

pytestmark = pytest.mark.django_db
JSON = "application/json"
BASE = "/api/v1/mail"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_capture_then_read_as_owner_and_as_colleague(client, member, other_member):
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    raw = make_message(body="Price: 42")
    created = client.post(
        f"{BASE}/messages", {"raw": _b64(raw)}, content_type=JSON, **bearer(member)
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["people"] == [ada.pk] and body["duplicate"] is False
    again = client.post(f"{BASE}/messages", {"raw": _b64(raw)}, content_type=JSON, **bearer(member))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert MailMessage.objects.count() == 1

    url = f"{BASE}/messages/{body['message']}"
    own = client.get(url, **bearer(member)).json()
    assert (own["subject"], own["body"], own["level"]) == ("Engines", "Price: 42", "full")
    theirs = client.get(url, **bearer(other_member)).json()
    assert (theirs["subject"], theirs["body"], theirs["level"]) == ("Engines", "", "subject")

    listed = client.get(f"{BASE}/messages?person={ada.pk}", **bearer(other_member)).json()
    assert [m["id"] for m in listed["items"]] == [body["message"]]
    assert listed["items"][0]["body"] == ""


def test_a_message_on_a_hidden_person_answers_404(client, member, other_member):
    make_contact(member, emails=[{"value": "ada@example.com"}], visibility="private")
    created = client.post(
        f"{BASE}/messages", {"raw": _b64(make_message())}, content_type=JSON, **bearer(member)
    ).json()
    response = client.get(f"{BASE}/messages/{created['message']}", **bearer(other_member))
    assert response.status_code == 404
    assert client.get(f"{BASE}/messages", **bearer(other_member)).json()["items"] == []


def test_the_preference_changes_what_colleagues_get(client, member, other_member):
    make_contact(member, emails=[{"value": "ada@example.com"}])
    created = client.post(
        f"{BASE}/messages", {"raw": _b64(make_message())}, content_type=JSON, **bearer(member)
    ).json()
    response = client.put(
        f"{BASE}/preference", {"level": "metadata"}, content_type=JSON, **bearer(member)
    )
    assert response.json() == {"level": "metadata"}
    theirs = client.get(f"{BASE}/messages/{created['message']}", **bearer(other_member)).json()
    assert theirs["subject"] == "" and theirs["sender"] == "ada@example.com"


def test_mailboxes_never_show_the_password_and_others_cannot_change_them(
    client, member, other_member
):
    created = client.post(
        f"{BASE}/mailboxes",
        {"name": "Work", "host": "imap.example.org", "username": "me", "password": "hunter2"},
        content_type=JSON,
        **bearer(member),
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert "password" not in data and "hunter2" not in created.content.decode()
    url = f"{BASE}/mailboxes/{data['id']}"
    denied = client.patch(url, {"host": "evil"}, content_type=JSON, **bearer(other_member))
    assert denied.status_code == 404
    fetch = client.post(f"{url}/fetch", **bearer(other_member))
    assert fetch.status_code == 404
    assert Mailbox.objects.get().host == "imap.example.org"
    invalid = client.patch(url, {"port": 0}, content_type=JSON, **bearer(member))
    assert invalid.status_code == 422


def test_send_queues_one_message_per_person_and_a_bad_template_changes_nothing(client, member):
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    refused = client.post(
        f"{BASE}/send",
        {"people": [ada.pk], "subject": "Hi", "body": "{{ contact.__class__ }}"},
        content_type=JSON,
        **bearer(member),
    )
    assert refused.status_code == 422
    assert OutgoingMail.objects.count() == 0

    template = client.post(
        f"{BASE}/templates",
        {"name": "T", "subject": "Hi {{ contact.given_name }}", "body": "Hello"},
        content_type=JSON,
        **bearer(member),
    ).json()
    queued = client.post(
        f"{BASE}/send",
        {"people": [ada.pk], "template": template["id"]},
        content_type=JSON,
        **bearer(member),
    )
    assert queued.status_code == 202, queued.content
    assert [(o["subject"], o["status"]) for o in queued.json()] == [("Hi Ada", "queued")]
    assert MailTemplate.objects.count() == 1


def test_unknown_senders_and_one_click_creation(client, member):
    client.post(
        f"{BASE}/messages",
        {"raw": _b64(make_message(sender="Grace Hopper <grace@example.com>"))},
        content_type=JSON,
        **bearer(member),
    )
    listed = client.get(f"{BASE}/unknown-senders", **bearer(member)).json()
    assert listed == [{"address": "grace@example.com", "name": "Grace Hopper", "messages": 1}]
    created = client.post(
        f"{BASE}/unknown-senders",
        {"address": "grace@example.com", "name": "Grace Hopper"},
        content_type=JSON,
        **bearer(member),
    )
    assert created.status_code == 201 and created.json()["filed"] == 1
    assert client.get(f"{BASE}/unknown-senders", **bearer(member)).json() == []


def test_an_import_is_a_job(client, member):
    response = client.post(
        f"{BASE}/imports",
        {"filename": "one.eml", "content": _b64(make_message())},
        content_type=JSON,
        **bearer(member),
    )
    assert response.status_code == 202, response.content
    assert response.json()["url"] == f"/api/v1/jobs/{response.json()['job']}"
    bad = client.post(
        f"{BASE}/imports",
        {"filename": "one.eml", "content": "%%%"},
        content_type=JSON,
        **bearer(member),
    )
    assert bad.status_code == 422
