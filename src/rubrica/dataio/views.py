"""Import and export screens. Import: upload -> (CSV/XLSX) column mapping -> preview with the
duplicate policy -> the job's page (progress, then the report with its CSV and "Revert").
Export: the people list posts here with a format and the current filters or selected rows.

Between the steps the upload is a draft kept in the session (its stored file name, format and
the mapping chosen so far): only the person who uploaded it can continue it."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rubrica.contacts.models import ConsentPurpose
from rubrica.contacts.selectors import contact_detail_qs
from rubrica.customfields.models import Entity
from rubrica.customfields.services import definitions_for
from rubrica.dataio import tabular_bridge
from rubrica.dataio.exporting import contact_vcard, export_start
from rubrica.dataio.forms import ExportForm, OptionsForm, UploadForm, target_choices
from rubrica.dataio.imports import report, uploads
from rubrica.dataio.imports.runner import preview_check
from rubrica.dataio.imports.services import import_revert, import_start
from rubrica.dataio.imports.uploads import StoredUpload
from rubrica.dataio.models import ImportRow
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_ensure_can_act, job_file_expired, job_output_open
from rubrica.jobs.views import file_expired
from rubrica.kits.web.access import AuthedRequest

DRAFTS = "dataio_import_drafts"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _messages(exc: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [
            f"{m}" if name in ("__all__", "file") else f"{name}: {m}"
            for name, items in exc.message_dict.items()
            for m in items
        ]
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc) or _("You may not do this.")]


def _draft(request: AuthedRequest, token: str) -> dict[str, Any]:
    drafts = request.session.get(DRAFTS, {})
    if not _TOKEN.match(token) or token not in drafts:
        raise Http404(_("This import is no longer available; upload the file again."))
    draft: dict[str, Any] = drafts[token]
    return draft


def _save_draft(request: AuthedRequest, token: str, draft: dict[str, Any]) -> None:
    drafts = dict(request.session.get(DRAFTS, {}))
    drafts[token] = draft
    # keep the session small: the ten latest drafts
    request.session[DRAFTS] = dict(list(drafts.items())[-10:])


def _params(draft: dict[str, Any]) -> dict[str, Any]:
    return {
        "file": draft["path"],
        "format": draft["format"],
        "mapping": draft.get("mapping"),
        "encoding": draft.get("encoding") or None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthedRequest) -> HttpResponse:
    if request.user.is_read_only:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            stored = uploads.store_upload(
                actor=request.user, stream=upload, filename=upload.name or "upload"
            )
        except ValidationError as exc:
            for message in _messages(exc):
                form.add_error("file", message)
        else:
            fmt = form.cleaned_data.get("format") or stored.format
            token = stored.path.rsplit("/", 1)[-1].split(".", 1)[0]
            _save_draft(
                request,
                token,
                {
                    "path": stored.path,
                    "filename": stored.filename,
                    "size": stored.size,
                    "format": fmt,
                    "encoding": form.cleaned_data.get("encoding") or "",
                },
            )
            if fmt in ("csv", "xlsx"):
                return redirect("dataio:import_mapping", token=token)
            return redirect("dataio:import_preview", token=token)
    return render(
        request,
        "dataio/upload.html",
        {"form": form, "section": "contacts", "max_mb": uploads.max_bytes() // 1048576},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: AuthedRequest, token: str) -> HttpResponse:
    draft = _draft(request, token)
    path = uploads.stored_path(_params(draft))
    if request.method == "POST":
        mapping = {}
        for key, value in request.POST.items():
            if key.startswith("column-") and key[7:].isdigit():
                mapping[key[7:]] = value
        draft["mapping"] = mapping
        _save_draft(request, token, draft)
        return redirect("dataio:import_preview", token=token)
    try:
        described = tabular_bridge.describe(path, draft["format"], _params(draft), n=5)
    except ValidationError as exc:
        messages.error(request, " ".join(_messages(exc)))
        return redirect("dataio:import_upload")
    mapping = {str(k): v for k, v in (described.get("mapping") or {}).items()}
    headers = described.get("headers") or []
    samples: dict[int, list[str]] = {i: [] for i in range(len(headers))}
    for row in described.get("rows") or []:
        for cell in row.get("cells") or []:
            column = int(cell["column"])
            if column in samples and len(samples[column]) < 3:
                samples[column].append(str(cell["value"]))
    keys = [d.key for d in definitions_for(Entity.CONTACT)]
    purposes = list(ConsentPurpose.objects.order_by("key").values_list("key", flat=True))
    choices = target_choices(keys, [str(value) for value in mapping.values()], purposes)
    columns = [
        {
            "index": index,
            "header": header or _("column %(n)d") % {"n": index + 1},
            "target": mapping.get(str(index), "ignore"),
            "samples": samples.get(index, []),
        }
        for index, header in enumerate(headers)
    ]
    return render(
        request,
        "dataio/mapping.html",
        {
            "draft": draft,
            "token": token,
            "columns": columns,
            "choices": choices,
            "profile": described.get("profile") or "",
            "section": "contacts",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: AuthedRequest, token: str) -> HttpResponse:
    draft = _draft(request, token)
    params = _params(draft)
    initial = {"match": "uid" if draft["format"] == "vcard" else "email"}
    form = OptionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = StoredUpload(
            path=draft["path"],
            filename=draft["filename"],
            size=draft["size"],
            format=draft["format"],
        )
        try:
            job = import_start(
                actor=request.user,
                upload=upload,
                options={**params, **form.cleaned_data},
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in _messages(exc):
                form.add_error(None, message)
        else:
            drafts = dict(request.session.get(DRAFTS, {}))
            drafts.pop(token, None)
            request.session[DRAFTS] = drafts
            return redirect(job)
    records: list[Any] = []
    matches: dict[int, str] = {}
    error = ""
    chosen = form.data if form.is_bound else {}
    policy = str(chosen.get("on_duplicate") or form.fields["on_duplicate"].initial)
    key = str(chosen.get("match") or initial["match"])
    try:
        records = uploads.import_preview(params)
        # The import's own validation, and whom each record matches (nothing written).
        matches = preview_check(request.user, records, policy=policy, key=key)
    except (ValidationError, PermissionDenied) as exc:
        error = " ".join(_messages(exc))
    rows = [
        {
            "line": r.line,
            "name": _record_name(r.data),
            "email": ", ".join(str(e.get("value", "")) for e in r.data.get("emails") or []),
            "phone": ", ".join(str(p.get("value", "")) for p in r.data.get("phones") or []),
            "organization": (r.organization or {}).get("name", ""),
            "errors": r.errors,
            "set_aside": r.set_aside,
            "match": matches.get(r.line, ""),
        }
        for r in records
    ]
    return render(
        request,
        "dataio/preview.html",
        {
            "draft": draft,
            "token": token,
            "rows": rows,
            "error": error,
            "form": form,
            "has_mapping": draft["format"] in ("csv", "xlsx"),
            "section": "contacts",
        },
    )


def _record_name(data: dict[str, Any]) -> str:
    name = str(data.get("display_name") or "").strip()
    if name:
        return name
    parts = [str(data.get(k) or "") for k in ("given_name", "family_name")]
    return " ".join(p for p in parts if p)


def _import_job(request: AuthedRequest, pk: int) -> Job:
    job: Job = get_object_or_404(Job.objects.restrict(request.user, "view"), pk=pk, kind="import")
    return job


@login_required
def import_report(request: AuthedRequest, pk: int) -> HttpResponse:
    """The per-row report as CSV: line, outcome, record link, message."""
    job = job_ensure_can_act(request.user, _import_job(request, pk))
    base = request.build_absolute_uri("/").rstrip("/")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    report.write_report(job, response, base)  # type: ignore[arg-type]
    return response


@login_required
def import_rows(request: AuthedRequest, pk: int) -> HttpResponse:
    """All rows of one outcome (the job page shows the first ones)."""
    job = job_ensure_can_act(request.user, _import_job(request, pk))
    outcome = request.GET.get("outcome", "")
    rows = ImportRow.objects.filter(job=job).order_by("line")
    if outcome:
        rows = rows.filter(outcome=outcome)
    return render(
        request,
        "dataio/rows.html",
        {"job": job, "rows": rows.select_related("contact")[:2000], "section": "jobs"},
    )


@login_required
@require_POST
def import_revert_view(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _import_job(request, pk)
    try:
        revert = import_revert(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(_messages(exc)))
        return redirect(job)
    messages.success(request, _("Reverting the import."))
    return redirect(revert)


@login_required
@require_POST
def export_create(request: AuthedRequest) -> HttpResponse:
    """From the people list (or, with ``entity=organizations``, the organizations list): the
    selected rows when any, else the segment or the filters of the page the person was on (its
    query string)."""
    form = ExportForm(request.POST)
    entity = "organizations" if request.POST.get("entity") == "organizations" else "people"
    back = "organizations:list" if entity == "organizations" else "contacts:list"
    if not form.is_valid():
        messages.error(request, _("Choose an export format."))
        return redirect(back)
    selected = [v for v in request.POST.getlist("selected") if v.isdigit()]
    query = QueryDict(request.POST.get("query", ""))
    selection: dict[str, Any]
    if request.POST.get("only_selected") and not selected:
        if entity == "organizations":
            messages.error(request, _("Select the organizations to export first."))
        else:
            messages.error(request, _("Select the people to export first."))
        return redirect(back)
    if selected:
        selection = {"ids": [int(v) for v in selected]}
    elif query.get("segment", "").isdigit() and entity == "people":
        selection = {"segment": int(query["segment"])}
    else:
        filters = {
            key: values if len(values) > 1 else values[0]
            for key, values in query.lists()
            if key not in ("cursor", "size", "sort", "columns", "segment") and values
        }
        selection = {"filters": filters}
    try:
        job = export_start(
            actor=request.user,
            format=form.cleaned_data["format"],
            selection=selection,
            entity=entity,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(_messages(exc)))
        return redirect(back)
    return redirect(job)


@login_required
def export_download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The export file, only to those who may view the job, always as an attachment."""
    job = get_object_or_404(Job.objects.restrict(request.user, "view"), pk=pk, kind="export")
    if not job.output and not job_file_expired(job):
        raise Http404(_("This export has no file yet."))
    handle = job_output_open(job, actor=request.user)
    if handle is None:
        return file_expired(request, job)
    name = get_valid_filename(job.output.name.rsplit("/", 1)[-1]) or f"export-{job.pk}"
    content_types = {
        "vcf": "text/vcard",
        "csv": "text/csv",
        "json": "application/json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    content_type = content_types.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def contact_vcard_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """One person as a vCard 4.0 (3.0 with ?version=3.0)."""
    contact = get_object_or_404(contact_detail_qs(request.user), pk=pk)
    version = "3.0" if request.GET.get("version") == "3.0" else "4.0"
    response = HttpResponse(
        contact_vcard(contact, version, viewer=request.user),
        content_type="text/vcard; charset=utf-8",
    )
    name = get_valid_filename(contact.display_name)[:80] or f"person-{contact.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.vcf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
