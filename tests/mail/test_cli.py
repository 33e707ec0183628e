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
