from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "rubrica.backups"
    label = "backups"

    def ready(self) -> None:
        _register_jobs()
        _register_schedules()


def _register_jobs() -> None:
    """Taking and verifying a backup are jobs; killed backups leave files the sweeper removes."""
    from rubrica.backups.services import (
        BACKUP_KIND,
        VERIFY_KIND,
        leftovers_sweep,
        run_backup,
        run_verify,
    )
    from rubrica.jobs.registry import FileSweeper, JobKind, register_file_sweeper, register_job_kind

    register_job_kind(JobKind(key=BACKUP_KIND, run=run_backup))
    register_job_kind(JobKind(key=VERIFY_KIND, run=run_verify))
    register_file_sweeper(FileSweeper(key="backups.leftovers", sweep=leftovers_sweep))


def _register_schedules() -> None:
    """The worker's tick takes the daily backup (RUBRICA_BACKUP_TIME) and prunes old ones."""
    from rubrica.backups.services import scheduled_backup_tick
    from rubrica.notifications.registry import Schedule, register_schedule

    register_schedule(Schedule(key="backups.daily", run=scheduled_backup_tick))
