"""The loopback SMTP server of the mail tests, for the consent tests that send; documents and
photos stored in a temporary directory per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents.conftest import documents_root
from tests.mail.conftest import smtp_port, smtp_settings, start_smtp

__all__ = ["documents_root", "media_root", "smtp_port", "smtp_settings", "start_smtp"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root
