"""The one Django task: carry "run job N" to a worker, on one of two queues.

Long jobs (imports, reverts, scans) go to the default queue; short interactive ones (exports,
reports: ``JobKind.interactive``) to ``INTERACTIVE_QUEUE``, which a second worker of ``rubrica
serve`` runs, so they never wait behind a long one. Both are named in ``settings.TASKS``."""

from __future__ import annotations

from django_tasks import task

from rubrica.core import origin
from rubrica.jobs.running import job_run

#: The queue of short interactive jobs (``JobKind.interactive``).
INTERACTIVE_QUEUE = "interactive"
DEFAULT_QUEUE = "default"


@task()
def run_job_task(job_id: int) -> str:
    """Run job ``job_id`` in the worker (``running.job_run``, which finds the kind's runner in
    the registry); returns its final status."""
    with origin.using(origin.WORKER):
        return str(job_run(job_id).status)


def enqueue_job(job_id: int, *, interactive: bool) -> None:
    """Hand job ``job_id`` to a worker, on the interactive queue or the default one."""
    queue = INTERACTIVE_QUEUE if interactive else DEFAULT_QUEUE
    run_job_task.using(queue_name=queue).enqueue(job_id)
