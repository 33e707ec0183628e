"""The backups page, for administrators only: the archives taken, the last result, a download,
"Back up now" and "Verify" (both jobs with progress on the jobs page)."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rubrica.backups.models import Backup
from rubrica.backups.services import BACKUP_KIND, archive_open, backup_start, verify_start
from rubrica.jobs.models import Job
from rubrica.kits.web.access import administrator_required


def _backup(request: HttpRequest, pk: int) -> Backup:
    found = Backup.objects.restrict(request.user, "view").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@administrator_required
@require_GET
def backup_list(request: HttpRequest) -> HttpResponse:
    backups = list(Backup.objects.restrict(request.user, "view").select_related("job")[:100])
    last_job = Job.objects.filter(kind=BACKUP_KIND).order_by("-created_at", "-id").first()
    return render(
        request,
        "backups/list.html",
        {
            "backups": backups,
            "last_job": last_job,
            "schedule": settings.RUBRICA_BACKUP_TIME,
            "keep_daily": settings.RUBRICA_BACKUP_KEEP_DAILY,
            "keep_weekly": settings.RUBRICA_BACKUP_KEEP_WEEKLY,
            "folder": str(settings.RUBRICA_BACKUP_DIR),
        },
    )


@administrator_required
@require_POST
def backup_now(request: HttpRequest) -> HttpResponse:
    job = backup_start(actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The backup has started."))
    return redirect(job.get_absolute_url())


@administrator_required
@require_POST
def backup_verify(request: HttpRequest, pk: int) -> HttpResponse:
    backup = _backup(request, pk)
    try:
        job = verify_start(actor=request.user, backup=backup)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("backups:list")
    messages.success(request, _("The verification has started."))
    return redirect(job.get_absolute_url())


@administrator_required
@require_GET
def backup_download(request: HttpRequest, pk: int) -> HttpResponse:
    backup = _backup(request, pk)
    try:
        handle = archive_open(actor=request.user, backup=backup)  # type: ignore[arg-type]
    except ValidationError:
        messages.error(request, _("This archive is no longer on disk."))
        return redirect("backups:list")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=backup.file_name,
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    # A streamed file, not an HttpResponse: the page kit's decorators are typed for the latter.
    return cast(HttpResponse, response)
