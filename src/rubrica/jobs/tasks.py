"""The one Django task: carry "run job N" to a worker."""

from __future__ import annotations

from django_tasks import task

from rubrica.jobs.running import job_run


@task()
def run_job_task(job_id: int) -> str:
    """Run job ``job_id`` in the worker (``running.job_run``, which finds the kind's runner in
    the registry); returns its final status."""
    return str(job_run(job_id).status)
