"""Running and showing jobs from the command line: a rich progress bar while a job runs in the
foreground, and the same summary line the web page shows."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run


def run_with_progress(job: Job, command: Any) -> Job:
    """Run ``job`` in this process with a progress bar on ``command``'s stderr (so stdout stays
    clean for --json); returns the job in its final state."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = command.err_console()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(job.title, total=None)

        def listener(current: Job) -> None:
            bar.update(task, completed=current.done, total=current.total)

        finished = job_run(job.pk, listener=listener)
    return finished


def summary(job: Job) -> str:
    """One line: status, progress, error."""
    parts = [f"#{job.pk} {job.title}: {job.get_status_display()}"]
    if job.total is not None:
        parts.append(_("%(done)d of %(total)d") % {"done": job.done, "total": job.total})
    elif job.done:
        parts.append(_("%(done)d done") % {"done": job.done})
    if job.status == JobStatus.FAILED and job.error:
        parts.append(job.error)
    return " · ".join(parts)


def as_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "error": job.error,
        "result": job.result,
        "owner": job.owner.get_username(),
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "has_output": bool(job.output),
    }
