"""The loopback SMTP server of the mail tests, for the consent tests that send."""

from tests.mail.conftest import smtp_port, smtp_settings, start_smtp

__all__ = ["smtp_port", "smtp_settings", "start_smtp"]
