"""The e-mail backend of every send (``EMAIL_BACKEND``): the SMTP server an administrator set in
the settings screens (``SmtpSettings``, password decrypted with the mail key), else the backend
of the installation's settings (``RUBRICA_EMAIL_BACKEND``, from ``EMAIL_BACKEND`` in the
environment, with ``EMAIL_HOST``...). The settings are read when a connection is made, so a
change applies to the next send without a restart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils.module_loading import import_string

from rubrica.mail import crypto
from rubrica.mail.models import Security, SmtpSettings


def configured() -> SmtpSettings | None:
    """The administrator's SMTP settings when a host is set."""
    row = SmtpSettings.objects.filter(pk=1).first()
    return row if row is not None and row.host else None


class SettingsBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.from_address = ""
        row = configured()
        if row is None:
            fallback = import_string(
                getattr(settings, "RUBRICA_EMAIL_BACKEND", "")
                or "django.core.mail.backends.smtp.EmailBackend"
            )
            self.inner: BaseEmailBackend = fallback(fail_silently=fail_silently, **kwargs)
            return
        self.from_address = row.from_address
        self.inner = SmtpBackend(
            host=row.host,
            port=row.port,
            username=row.username,
            password=crypto.decrypt(row.password_encrypted) if row.password_encrypted else "",
            use_tls=row.security == Security.STARTTLS,
            use_ssl=row.security == Security.SSL,
            fail_silently=fail_silently,
            timeout=kwargs.get("timeout"),
        )

    def open(self) -> bool | None:
        return self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if self.from_address:
            for message in email_messages:
                if message.from_email in ("", settings.DEFAULT_FROM_EMAIL):
                    message.from_email = self.from_address
        return self.inner.send_messages(email_messages) or 0
