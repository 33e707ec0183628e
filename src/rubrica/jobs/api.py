"""/jobs: background work the caller started (administrators: everyone's) — status, progress,
result, output file; cancel and resume."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from rubrica.jobs.models import Job
from rubrica.jobs.services import job_cancel, job_file_expired, job_output_open, job_resume
from rubrica.kits.api.common import actor, problems

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    title: str
    status: str = Field(..., description="queued, running, succeeded, failed or cancelled.")
    done: int
    total: int | None
    error: str
    result: dict[str, Any]
    owner: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    download_url: str | None = Field(None, description="The output file, when the job made one.")


class JobList(Schema):
    items: list[JobOut]


def job_out(job: Job) -> dict[str, Any]:
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
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "download_url": f"/api/v1/jobs/{job.pk}/download" if job.output else None,
    }


def output_or_expired(request: HttpRequest, job: Job, missing: str) -> FieldFile:
    """The job's output opened for reading; a 404 problem saying ``missing`` when it never had
    one, or that it expired once ``rubrica jobs purge`` deleted it."""
    if not job.output and not job_file_expired(job):
        raise Http404(missing)
    handle = job_output_open(job, actor=actor(request))
    if handle is None:
        raise HttpError(
            404,
            _(
                "This file has expired: files of jobs are deleted %(days)d days after the job "
                "ended. Run the job again to get a new one."
            )
            % {"days": settings.RUBRICA_JOB_FILES_DAYS},
        )
    return handle


def _visible(request: HttpRequest, job_id: int) -> Job:
    job: Job = get_object_or_404(
        Job.objects.restrict(actor(request), "view").select_related("owner"), pk=job_id
    )
    return job


@router.get("", response={200: JobList, **problems()})
def list_jobs(request: HttpRequest) -> dict[str, Any]:
    """The 50 most recent jobs."""
    jobs = Job.objects.restrict(actor(request), "view").select_related("owner")[:50]
    return {"items": [job_out(job) for job in jobs]}


@router.get("/{int:job_id}", response={200: JobOut, **problems(404)})
def get_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return job_out(_visible(request, job_id))


@router.post("/{int:job_id}/cancel", response={200: JobOut, **problems(403, 404, 422)})
def cancel_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return job_out(job_cancel(actor=actor(request), job=_visible(request, job_id)))


@router.post("/{int:job_id}/resume", response={200: JobOut, **problems(403, 404, 422)})
def resume_job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return job_out(job_resume(actor=actor(request), job=_visible(request, job_id)))


@router.get(
    "/{int:job_id}/download",
    response={200: None, **problems(403, 404)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file.",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def download_job_output(request: HttpRequest, job_id: int) -> FileResponse:
    job = _visible(request, job_id)
    handle = output_or_expired(request, job, _("This job has no file."))
    name = get_valid_filename(os.path.basename(job.output.name)) or f"job-{job.pk}"
    return FileResponse(handle, as_attachment=True, filename=name)
