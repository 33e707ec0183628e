"""The one Django task: carry "run job N" to a worker."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job_task(job_id: int) -> str:
    from rubrica.jobs.services import job_run

    return str(job_run(job_id).status)
