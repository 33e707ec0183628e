from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "rubrica.mail"
    label = "mail"

    def ready(self) -> None:
        _register_panels()
        _register_jobs()
        _register_schedules()


def _register_jobs() -> None:
    """Uploads of .eml/.mbox files, fetches of IMAP mailboxes and the sending of queued mail run
    as jobs of the worker."""
    from rubrica.jobs.registry import JobKind, register_job_kind
    from rubrica.mail import imap, sending, services

    register_job_kind(
        JobKind(
            key=services.IMPORT_KIND,
            run=services.run_import,
            discard_private_files=services.discard_upload,
        )
    )
    register_job_kind(JobKind(key=services.FETCH_KIND, run=imap.run_fetch))
    register_job_kind(JobKind(key=sending.SEND_KIND, run=sending.run_send))


def _register_schedules() -> None:
    """The worker's periodic tick polls the mailboxes and retries the mail due again."""
    from rubrica.mail import imap, sending
    from rubrica.notifications.registry import Schedule, register_schedule

    register_schedule(Schedule(key="mail.poll", run=imap.poll))
    register_schedule(Schedule(key="mail.outbox", run=sending.outbox_tick))


def _register_panels() -> None:
    """An e-mail card beside each person (write to them; a bouncing address is shown)."""
    from rubrica.contacts.models import Contact
    from rubrica.kits.web.panels import Panel, register_panel
    from rubrica.mail import views

    register_panel(
        Panel(
            "mail",
            Contact,
            "mail/panel_person.html",
            views.person_panel,
            placement="side",
            order=20,
        )
    )
