"""`rubrica mail`: import a file, list unknown senders."""

from __future__ import annotations

import json

import pytest

from rubrica.mail.models import MailMessage
from tests.factories import make_contact
from tests.mail.conftest import make_message

pytestmark = pytest.mark.django_db


def test_mail_import_captures_an_eml_file_and_lists_the_unknown_sender(member, rubrica, tmp_path):
    make_contact(member, emails=[{"value": "ada@example.com"}])
    path = tmp_path / "one.eml"
    path.write_bytes(make_message(cc="grace@example.com"))

    code, out, err = rubrica("mail", "--as", "member", "--json", "import", str(path))

    assert code == 0, err
    job = json.loads(out)
    assert job["status"] == "succeeded"
    assert job["result"]["captured"] == 1
    assert MailMessage.objects.get().activity is not None
    code, out, _err = rubrica("mail", "--as", "member", "--json", "unknown")
    assert [row["address"] for row in json.loads(out)] == ["grace@example.com"]


def test_mail_import_of_a_missing_file_fails_and_captures_nothing(member, rubrica, tmp_path):
    code, _out, err = rubrica("mail", "--as", "member", "import", str(tmp_path / "nope.mbox"))
    assert code != 0 and "nope.mbox" in err
    assert MailMessage.objects.count() == 0


def test_mail_mailbox_add_and_fetch_against_dovecot(member, rubrica, dovecot, monkeypatch):
    make_contact(member, emails=[{"value": "ada@example.com"}])
    dovecot.append(make_message(message_id="<cli1@x>"))
    monkeypatch.setenv("IMAP_PASSWORD", dovecot.password)
    code, out, err = rubrica(
        "mail", "--as", "member", "--json", "mailbox-add", "--name", "Work",
        "--host", dovecot.host, "--port", str(dovecot.port), "--security", "none",
        "--user", dovecot.user, "--password-env", "IMAP_PASSWORD",
    )  # fmt: skip
    assert code == 0, err
    mailbox = json.loads(out)["id"]

    code, out, err = rubrica("mail", "--as", "member", "--json", "fetch", str(mailbox))

    assert code == 0, err
    assert json.loads(out)["result"] == {"captured": 1, "duplicates": 0, "failed": 0}
    assert MailMessage.objects.get().message_id == "<cli1@x>"


def test_mail_fetch_of_someone_elses_mailbox_is_refused(member, other_member, rubrica):
    from rubrica.jobs.models import Job
    from rubrica.mail.services import mailbox_create

    mailbox = mailbox_create(
        actor=member, data={"name": "W", "host": "h", "username": "u", "password": "p"}
    )
    code, _out, err = rubrica("mail", "--as", "other", "fetch", str(mailbox.pk))
    assert code != 0 and "no mailbox" in err
    assert Job.objects.count() == 0


def test_mail_send_renders_and_sends_over_smtp(member, rubrica, start_smtp):
    server = start_smtp()
    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    code, out, err = rubrica(
        "mail", "--as", "member", "--json", "send", "--to", str(ada.pk),
        "--subject", "Hello {{ contact.given_name }}", "--body", "Hi",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == {"queued": 1, "sent": 1, "failed": 0}
    assert b"Subject: Hello Ada" in server.received[0][2]
    assert ada.activity_links.count() == 1


def test_mail_send_with_a_forbidden_merge_field_fails_and_queues_nothing(member, rubrica):
    from rubrica.mail.models import OutgoingMail

    ada = make_contact(member, emails=[{"value": "ada@example.com"}])
    code, _out, err = rubrica(
        "mail", "--as", "member", "send", "--to", str(ada.pk),
        "--subject", "x", "--body", "{{ contact.__class__ }}",
    )  # fmt: skip
    assert code == 2 and "template cannot be used" in err
    assert OutgoingMail.objects.count() == 0
