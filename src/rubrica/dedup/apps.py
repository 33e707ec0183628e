from django.apps import AppConfig


class DedupConfig(AppConfig):
    name = "rubrica.dedup"
    label = "dedup"

    def ready(self) -> None:
        _register_jobs()


def _register_jobs() -> None:
    """The duplicate scan runs as a job (``dedup_scan``)."""
    from rubrica.dedup.scan import run_dedup_scan
    from rubrica.jobs.registry import JobKind, register_job_kind

    register_job_kind(JobKind(key="dedup_scan", run=run_dedup_scan))
