"""SMTP settings set by an administrator: every send goes through that server (here aiosmtpd on
loopback, with AUTH), the password is stored encrypted with the mail key and never shown back,
and only administrators may change them."""

from __future__ import annotations

import pytest
from django.core import mail as django_mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from rubrica.mail import crypto, services
from rubrica.mail.models import SmtpSettings
from tests.mail.conftest import _free_port

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]


@pytest.fixture
def smtp_with_auth(settings):
    """aiosmtpd on loopback that requires AUTH (user "relay", password "s3cret-pw")."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    received: list[tuple[str, list[str], bytes, str]] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else ""
            received.append(
                (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, login)
            )
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"relay" and auth_data.password == b"s3cret-pw"
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)

    port = _free_port()
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    settings.EMAIL_BACKEND = "rubrica.mail.backend.SettingsBackend"
    settings.RUBRICA_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_TIMEOUT = 5
    try:
        yield port, received
    finally:
        controller.stop()


def _configure(admin_user, port, password="s3cret-pw"):  # noqa: S107 (a test server)
    return services.smtp_settings_save(
        actor=admin_user,
        data={
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "username": "relay",
            "password": password,
            "from_address": "crm@rubrica.example",
        },
    )


def test_every_send_goes_through_the_administrators_server_with_auth(admin_user, smtp_with_auth):
    port, received = smtp_with_auth
    django_mail.outbox = []
    django_mail.send_mail("Before", "Body", None, ["ada@example.com"])
    assert received == [] and len(django_mail.outbox) == 1  # the settings' backend, by default

    _configure(admin_user, port)
    django_mail.send_mail("Hello", "Body", None, ["ada@example.com"])

    assert len(received) == 1
    sender, recipients, content, login = received[0]
    assert (sender, recipients, login) == ("crm@rubrica.example", ["ada@example.com"], "relay")
    assert b"Subject: Hello" in content
    assert len(django_mail.outbox) == 1  # not through the default backend


def test_a_wrong_password_is_refused_by_the_server(admin_user, smtp_with_auth):
    import smtplib

    port, received = smtp_with_auth
    _configure(admin_user, port, password="wrong")
    with pytest.raises(smtplib.SMTPAuthenticationError):
        django_mail.send_mail("Hello", "Body", None, ["ada@example.com"])
    assert received == []


def test_the_password_is_sealed_and_never_shown_back(admin_user, admin_client):
    from django.db import connection

    _configure(admin_user, 2525)
    with connection.cursor() as cursor:
        cursor.execute("SELECT password_encrypted FROM mail_smtpsettings")
        (raw,) = cursor.fetchone()
    assert "s3cret-pw" not in raw and raw.startswith("gAAAA")
    assert crypto.decrypt(raw) == "s3cret-pw"

    page = admin_client.get(reverse("mail:smtp_settings"))
    assert page.status_code == 200
    assert "s3cret-pw" not in page.content.decode()
    assert raw not in page.content.decode()

    # Saving without a password keeps the stored one.
    response = admin_client.post(
        reverse("mail:smtp_settings"),
        {"host": "127.0.0.1", "port": "2526", "security": "none", "username": "relay"},
    )
    assert response.status_code == 302
    row = SmtpSettings.objects.get()
    assert row.port == 2526 and crypto.decrypt(row.password_encrypted) == "s3cret-pw"


def test_only_administrators_change_the_smtp_settings(admin_user, member, member_client):
    _configure(admin_user, 2525)
    before = list(SmtpSettings.objects.values())
    with pytest.raises(PermissionDenied):
        services.smtp_settings_save(actor=member, data={"host": "evil.example"})
    response = member_client.post(reverse("mail:smtp_settings"), {"host": "evil.example"})
    assert response.status_code == 403
    assert member_client.get(reverse("mail:smtp_settings")).status_code == 403
    assert list(SmtpSettings.objects.values()) == before


def test_an_invalid_form_changes_nothing(admin_user, admin_client):
    _configure(admin_user, 2525)
    before = list(SmtpSettings.objects.values())
    response = admin_client.post(
        reverse("mail:smtp_settings"),
        {"host": "x", "port": "99999", "security": "none", "from_address": "not-an-address"},
    )
    assert response.status_code == 400
    assert list(SmtpSettings.objects.values()) == before
