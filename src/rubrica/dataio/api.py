"""/imports and /exports: the import and export jobs over HTTP.

POST /imports takes a multipart upload and the options, and answers the job (it runs on the
worker; poll GET /imports/{id}). Its report is CSV, its revert another job. POST /exports takes
a JSON body (format and selection) and answers the job; its file comes from
/exports/{id}/download once it has succeeded."""

from __future__ import annotations

import json
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.files import UploadedFile
from ninja.params.functions import File, Form

from rubrica.dataio.exporting import export_start
from rubrica.dataio.imports.report import counts, organization_counts, report_csv
from rubrica.dataio.imports.services import import_revert, import_start
from rubrica.dataio.imports.uploads import store_upload
from rubrica.jobs.api import JobOut, job_out, output_or_expired
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_ensure_can_act
from rubrica.kits.api.common import actor, problems

imports = Router(tags=["imports"])
exports = Router(tags=["exports"])

FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The file.",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    }
}


class ImportOut(JobOut):
    counts: dict[str, int] = Field(
        default_factory=dict,
        description="Rows per outcome: created, updated, unchanged, skipped, failed.",
    )
    organizations: dict[str, int] = Field(
        default_factory=dict,
        description=(
            "For a Rubrica JSON document, its organizations per outcome (created, updated, "
            "unchanged, skipped, failed); empty for other formats."
        ),
    )
    report_url: str


def _import_out(job: Job) -> dict[str, Any]:
    return {
        **job_out(job),
        "counts": counts(job),
        "organizations": organization_counts(job) if job.params.get("format") == "json" else {},
        "report_url": f"/api/v1/imports/{job.pk}/report",
    }


def _job(request: HttpRequest, job_id: int, kind: str) -> Job:
    job: Job = get_object_or_404(
        Job.objects.restrict(actor(request), "view").select_related("owner"), pk=job_id, kind=kind
    )
    return job


@imports.post("", response={201: ImportOut, **problems(403, 413, 422)})
def create_import(
    request: HttpRequest,
    file: UploadedFile = File(..., description="vCard, CSV, XLSX or JSON."),  # noqa: B008
    format: Literal["vcard", "csv", "xlsx", "json"] | None = Form(
        None, description="Default: detected from the content and the name."
    ),
    on_duplicate: Literal["create", "update", "skip"] = Form("update"),
    match: Literal["uid", "email", "phone", "external_id"] | None = Form(
        None, description="Default: uid for vCard, email otherwise."
    ),
    mapping: str | None = Form(
        None, description='CSV/XLSX columns as JSON: {"0": "given_name", "1": "emails[1].value"}.'
    ),
    encoding: str | None = Form(None, description="Text encoding of a CSV file."),
) -> tuple[int, dict[str, Any]]:
    """Start an import of the uploaded file (a job)."""
    user = actor(request)
    parsed_mapping = None
    if mapping:
        try:
            parsed_mapping = json.loads(mapping)
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            raise ValidationError({"mapping": _("This is not valid JSON.")}) from None
    upload = store_upload(actor=user, stream=file, filename=file.name or "upload")
    options = {
        "format": format or upload.format,
        "on_duplicate": on_duplicate,
        "match": match,
        "mapping": parsed_mapping,
        "encoding": encoding,
    }
    try:
        job = import_start(actor=user, upload=upload, options=options)
    except Exception:
        upload.discard()
        raise
    return 201, _import_out(job)


@imports.get("/{int:job_id}", response={200: ImportOut, **problems(404)})
def get_import(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return _import_out(_job(request, job_id, "import"))


@imports.get(
    "/{int:job_id}/report", response={200: None, **problems(403, 404)}, openapi_extra=FILE_RESPONSE
)
def import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    """The report as CSV: line, outcome, record link, message."""
    job = job_ensure_can_act(actor(request), _job(request, job_id, "import"))
    response = HttpResponse(
        report_csv(job, request.build_absolute_uri("/").rstrip("/")),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response


@imports.post("/{int:job_id}/revert", response={201: JobOut, **problems(403, 404, 422)})
def revert_import(request: HttpRequest, job_id: int) -> tuple[int, dict[str, Any]]:
    """Undo the import (a job): created people to the Trash, updated ones put back."""
    job = _job(request, job_id, "import")
    return 201, job_out(import_revert(actor=actor(request), job=job))


class ExportIn(Schema):
    entity: Literal["people", "organizations"] = Field(
        "people", description="What to export; organizations are exported as csv, xlsx or json."
    )
    format: Literal["csv", "csv-google", "xlsx", "vcard3", "vcard4", "json"]
    selection: dict[str, Any] = Field(
        ...,
        description=(
            'One of {"filters": {list filters}}, {"segment": id} (people only), {"ids": [...]}.'
        ),
    )


@exports.post("", response={201: JobOut, **problems(403, 422)})
def create_export(request: HttpRequest, payload: ExportIn) -> tuple[int, dict[str, Any]]:
    """Start an export of the people (or organizations) the caller may see (a job)."""
    job = export_start(
        actor=actor(request),
        format=payload.format,
        selection=payload.selection,
        entity=payload.entity,
    )
    return 201, job_out(job)


@exports.get("/{int:job_id}", response={200: JobOut, **problems(404)})
def get_export(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return job_out(_job(request, job_id, "export"))


@exports.get(
    "/{int:job_id}/download",
    response={200: None, **problems(403, 404)},
    openapi_extra=FILE_RESPONSE,
)
def download_export(request: HttpRequest, job_id: int) -> FileResponse:
    job = _job(request, job_id, "export")
    handle = output_or_expired(request, job, _("This export has no file yet."))
    name = get_valid_filename(job.output.name.rsplit("/", 1)[-1]) or f"export-{job.pk}"
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
