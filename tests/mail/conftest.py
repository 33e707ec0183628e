"""Mail tests: documents and private files in a temporary directory, a mail key of the test's
own, and a builder of RFC 5322 messages."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet


@pytest.fixture(autouse=True)
def mail_roots(settings, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    settings.RUBRICA_PRIVATE_ROOT = str(tmp_path / "private")
    monkeypatch.setenv("RUBRICA_MAIL_KEY", Fernet.generate_key().decode())
    return root


def make_message(
    *,
    sender: str = "Ada Lovelace <ada@example.com>",
    to: str = "member@example.org",
    cc: str = "",
    subject: str = "Engines",
    body: str = "Hello, about the engine.",
    message_id: str | None = "<m1@example.com>",
    in_reply_to: str = "",
    references: str = "",
    date: str = "2026-11-30T10:00:00+00:00",
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bytes:
    import datetime as dt

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.fromisoformat(date))
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message.set_content(body)
    for name, data, content_type in attachments or []:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()
