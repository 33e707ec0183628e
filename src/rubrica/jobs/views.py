"""Jobs in the browser: my jobs, one job's progress (polled with htmx while it runs), cancel,
resume, and the download of its output file."""

from __future__ import annotations

import mimetypes
import os

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rubrica.jobs.models import Job
from rubrica.jobs.services import (
    job_can_act,
    job_cancel,
    job_file_expired,
    job_output_open,
    job_resume,
    jobs_recover,
)
from rubrica.kits.web.access import AuthedRequest


def _job(request: AuthedRequest, pk: int) -> Job:
    job: Job = get_object_or_404(Job.objects.restrict(request.user, "view"), pk=pk)
    return job


@login_required
def job_list(request: AuthedRequest) -> HttpResponse:
    jobs_recover()
    jobs = Job.objects.restrict(request.user, "view").select_related("owner")[:100]
    return render(request, "jobs/list.html", {"jobs": jobs, "section": "jobs"})


@login_required
def job_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if _job(request, pk).is_active:
        jobs_recover()
    job = _job(request, pk)
    template = "jobs/_progress.html" if request.headers.get("HX-Request") else "jobs/detail.html"
    context = {"job": job, "section": "jobs", "may_act": job_can_act(request.user, job)}
    return render(request, template, context)


@login_required
@require_POST
def job_cancel_view(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        job_cancel(actor=request.user, job=job)
        messages.success(request, _("The job will stop after its current step."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(job)


@login_required
@require_POST
def job_resume_view(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        job_resume(actor=request.user, job=job)
        messages.success(request, _("The job continues where it stopped."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(job)


def file_expired(request: AuthedRequest, job: Job) -> HttpResponse:
    """The page a download answers once ``rubrica jobs purge`` deleted the job's file (or the
    file is gone from storage): a 404 that says so."""
    context = {"job": job, "days": settings.RUBRICA_JOB_FILES_DAYS, "section": "jobs"}
    return render(request, "jobs/file_expired.html", context, status=404)


@login_required
def job_download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The output file, only to who may act on the job (JobPolicy), always as an attachment."""
    job = _job(request, pk)
    if not job.output and not job_file_expired(job):
        raise Http404(_("This job has no file."))
    handle = job_output_open(job, actor=request.user)
    if handle is None:
        return file_expired(request, job)
    name = get_valid_filename(os.path.basename(job.output.name)) or f"job-{job.pk}"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
