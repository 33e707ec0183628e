"""The mail pages: upload as a job, unknown senders, preference, a message as a colleague sees
it, mailboxes, writing to a person; CSRF is on and denied requests change nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rubrica.contacts.models import Contact
from rubrica.jobs.models import Job
from rubrica.kits.web.panels import panels_for
from rubrica.mail.capture import mail_capture
from rubrica.mail.models import Mailbox, MailPreference, OutgoingMail
from tests.factories import make_contact
from tests.mail.conftest import make_message

pytestmark = pytest.mark.django_db


def test_the_mail_app_adds_a_card_to_each_persons_page():
    assert "mail" in {p.key for p in panels_for(Contact)}


def test_the_mail_page_lists_unknown_senders_and_recent_messages(member_client, member):
    mail_capture(actor=member, raw=make_message(sender="Grace <grace@example.com>"))
    page = member_client.get("/mail/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "grace@example.com" in text and "Engines" in text


def test_upload_starts_a_job(member_client):
    upload = SimpleUploadedFile("one.eml", make_message(), content_type="message/rfc822")
    response = member_client.post("/mail/upload/", {"file": upload})
    job = Job.objects.get(kind="mail_import")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()


def test_one_click_creation_makes_the_person_and_shows_their_page(member_client, member):
    mail_capture(actor=member, raw=make_message(sender="Grace Hopper <grace@example.com>"))
    response = member_client.post(
        "/mail/unknown/create/", {"address": "grace@example.com", "name": "Grace Hopper"}
    )
    grace = Contact.objects.get(given_name="Grace")
    assert response["Location"] == grace.get_absolute_url()
    assert grace.activity_links.count() == 1


def test_the_preference_form_saves_the_level(member_client, member):
    member_client.post("/mail/preference/", {"level": "full"})
    assert MailPreference.objects.get(user=member).level == "full"


def test_a_colleague_sees_the_message_without_its_body(client, member, other_member):
    make_contact(member, emails=[{"value": "ada@example.com"}])
    message = mail_capture(actor=member, raw=make_message(body="Secret price")).message
    client.force_login(other_member)
    page = client.get(f"/mail/messages/{message.pk}/").content.decode()
    assert "Engines" in page and "Secret price" not in page
    client.force_login(member)
    assert "Secret price" in client.get(f"/mail/messages/{message.pk}/").content.decode()


def test_a_message_on_a_hidden_person_answers_404(client, member, other_member):
    make_contact(member, emails=[{"value": "ada@example.com"}], visibility="private")
    message = mail_capture(actor=member, raw=make_message()).message
    client.force_login(other_member)
    assert client.get(f"/mail/messages/{message.pk}/").status_code == 404


def test_add_a_mailbox_and_a_colleague_cannot_remove_it(member_client, client, other_member):
    response = member_client.post(
        "/mail/mailboxes/",
        {
            "name": "Work",
            "host": "imap.example.org",
            "port": "993",
            "security": "ssl",
            "username": "me",
            "password": "hunter2",
            "folders": "INBOX, Sent",
        },
    )
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert mailbox.folders == ["INBOX", "Sent"]
    assert "hunter2" not in member_client.get("/mail/mailboxes/").content.decode()

    client.force_login(other_member)
    assert client.post(f"/mail/mailboxes/{mailbox.pk}/delete/").status_code == 404
    assert Mailbox.objects.filter(pk=mailbox.pk).exists()


def test_an_invalid_mailbox_shows_the_errors_and_saves_nothing(member_client):
    response = member_client.post("/mail/mailboxes/", {"name": "", "port": "0"})
    assert response.status_code == 422
    assert Mailbox.objects.count() == 0


def test_write_to_a_person_queues_the_mail(member_client, member):
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    form = member_client.get(f"/mail/send/?people={ada.pk}")
    assert form.status_code == 200 and "ada@example.com" in form.content.decode()
    response = member_client.post(
        "/mail/send/",
        {"people": [str(ada.pk)], "subject": "Hi {{ contact.given_name }}", "body": "Hello"},
    )
    assert response.status_code == 302
    assert OutgoingMail.objects.get().subject == "Hi Ada"


def test_a_forbidden_merge_field_is_shown_as_an_error_and_nothing_is_queued(member_client, member):
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    response = member_client.post(
        "/mail/send/", {"people": [str(ada.pk)], "subject": "x", "body": "{{ contact.__class__ }}"}
    )
    assert response.status_code == 422
    assert OutgoingMail.objects.count() == 0


def test_posts_need_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post("/mail/preference/", {"level": "full"}).status_code == 403
    assert not MailPreference.objects.filter(user=member).exists()
