from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "rubrica.privacy"
    label = "privacy"

    def ready(self) -> None:
        _register_panels()
        _register_schedules()
        _register_jobs()


def _register_panels() -> None:
    """The privacy card beside a person: consent, export, erasure."""
    from rubrica.contacts.models import Contact
    from rubrica.kits.web.panels import Panel, register_panel
    from rubrica.privacy.views import person_panel

    register_panel(
        Panel(
            key="privacy",
            model=Contact,
            template="privacy/panel.html",
            context=person_panel,
            placement="side",
            order=90,
        )
    )


def _register_schedules() -> None:
    """The retention rules run once a day from the worker's tick."""
    from rubrica.notifications.registry import Schedule, register_schedule
    from rubrica.privacy.retention import retention_tick

    register_schedule(Schedule(key="privacy.retention", run=retention_tick))


def _register_jobs() -> None:
    """Each rule's daily run is a job (progress, one person per transaction)."""
    from rubrica.jobs.registry import JobKind, register_job_kind
    from rubrica.privacy.retention import RETENTION_KIND, run_retention_job

    register_job_kind(JobKind(key=RETENTION_KIND, run=run_retention_job))
