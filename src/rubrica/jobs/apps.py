from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "rubrica.jobs"
    label = "jobs"

    def ready(self) -> None:
        _register_jobs()


def _register_jobs() -> None:
    """The engine's own kind: ``rubrica jobs check`` proves a worker runs jobs end to end."""
    from rubrica.jobs.registry import JobKind, register_job_kind
    from rubrica.jobs.selftest import run_selftest

    register_job_kind(JobKind(key="selftest", run=run_selftest))
