from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The notifications engine: knows no domain. Apps register their kinds of notification and
    their scheduled work (``notifications.registry``) from their own ``ready()``."""

    name = "rubrica.notifications"
    label = "notifications"

    def ready(self) -> None:
        _register_audit_schedules()


def _register_audit_schedules() -> None:
    """The audit log (an engine below) has daily work for the worker's tick: write its head
    outside the database, and delete entries past their retention when one is set (ADR 0030)."""
    from rubrica.audit.anchor import head_tick
    from rubrica.audit.retention import retention_tick
    from rubrica.notifications.registry import Schedule, register_schedule

    register_schedule(Schedule(key="audit.head", run=head_tick))
    register_schedule(Schedule(key="audit.retention", run=retention_tick))
