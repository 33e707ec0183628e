from django.apps import AppConfig


class KeysConfig(AppConfig):
    """The keys of sensitive fields: rotation and re-sealing (ADR 0027)."""

    name = "rubrica.keys"
    label = "keys"

    def ready(self) -> None:
        _register_jobs()
        _register_hooks()


def _register_jobs() -> None:
    from rubrica.jobs.registry import JobKind, register_job_kind
    from rubrica.keys.services import KIND, run_reseal

    register_job_kind(JobKind(key=KIND, run=run_reseal))


def _register_hooks() -> None:
    """Re-seal when a field's protection changes (customfields.protection calls the hook)."""
    from rubrica.customfields.protection import SEALING_CHANGED_HOOKS
    from rubrica.keys.services import on_sealing_changed

    if on_sealing_changed not in SEALING_CHANGED_HOOKS:
        SEALING_CHANGED_HOOKS.append(on_sealing_changed)
