from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "rubrica.quality"
    label = "quality"

    def ready(self) -> None:
        _register_jobs()


def _register_jobs() -> None:
    """The cleaning actions and the report's snapshot run as jobs."""
    from rubrica.jobs.registry import JobKind, register_job_kind
    from rubrica.quality.services import run_cleaning, run_snapshot

    register_job_kind(JobKind(key="quality_clean", run=run_cleaning))
    register_job_kind(JobKind(key="quality_report", run=run_snapshot, interactive=True))
