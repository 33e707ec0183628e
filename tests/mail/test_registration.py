"""The mail app registers with the engines and kits it uses (from MailConfig.ready())."""

from __future__ import annotations

from rubrica.jobs.registry import job_kind
from rubrica.notifications.registry import schedules


def test_mail_registers_its_job_kinds_and_its_periodic_work():
    from rubrica.mail import imap, sending, services

    assert job_kind("mail_import").run is services.run_import
    assert job_kind("mail_import").discard_private_files is services.discard_upload
    assert job_kind("mail_fetch").run is imap.run_fetch
    assert job_kind("mail_send").run is sending.run_send
    by_key = {s.key: s for s in schedules()}
    assert by_key["mail.poll"].run is imap.poll
    assert by_key["mail.outbox"].run is sending.outbox_tick
