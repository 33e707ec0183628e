"""The web doors of documents: the panel on a record's page, upload, versions, download,
preview, thumbnail, rename, Trash and back.

Every read starts from ``restrict()`` (a document of a record the user may not see is a 404, as is
the record itself); every write goes through ``documents.services``. Files are only ever served
here, never from a URL of the storage: with their sniffed type, ``X-Content-Type-Options:
nosniff``, a Content-Security-Policy that runs nothing (``sandbox``), and as an attachment unless
they are an image or a PDF being previewed.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rubrica.core.models import Action, Visibility
from rubrica.core.services import ConflictError
from rubrica.documents import selectors, services
from rubrica.documents.attachables import attachable_kind, kind_of
from rubrica.documents.models import Document, DocumentVersion
from rubrica.documents.serving import FILE_CSP, file_response
from rubrica.documents.sniffing import is_previewable_image
from rubrica.documents.storage import documents_storage
from rubrica.kits.web.access import AuthedRequest, can

#: Documents listed in a record's panel (the newest; the API pages through all of them).
PANEL_SIZE = 50
#: Longest side of a thumbnail, in pixels; larger images are refused for thumbnails.
THUMBNAIL_SIDE = 320
MAX_THUMBNAIL_SOURCE_PIXELS = 40_000_000


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def panel_context(request: HttpRequest, record: Any) -> Mapping[str, Any] | None:
    """The Documents panel of ``record``'s page (the page read it through restrict())."""
    user = request.user
    if not user.is_authenticated:
        return None
    kind = kind_of(record)
    documents = list(selectors.documents_of(user, record)[: PANEL_SIZE + 1])
    return {
        "on_activities": list(selectors.activity_documents_of(user, record)[:PANEL_SIZE]),
        "kind": kind,
        "documents": documents[:PANEL_SIZE],
        "more": len(documents) > PANEL_SIZE,
        "can_add": can(user, record, Action.CHANGE),
        "upload_url": reverse("documents:upload", args=[kind.key, record.pk]),
    }


def _record_or_404(request: AuthedRequest, kind_key: str, pk: int) -> Any:
    try:
        kind = attachable_kind(kind_key)
    except LookupError:
        raise Http404 from None
    return get_object_or_404(kind.model.objects.restrict(request.user, Action.VIEW), pk=pk)  # type: ignore[attr-defined]


def _panel_response(request: AuthedRequest, record: Any, error: str = "") -> HttpResponse:
    context = dict(panel_context(request, record) or {})
    context.update({"record": record, "error": error})
    return render(request, "documents/panel.html", context)


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(str(m) for messages_ in error.message_dict.values() for m in messages_)
    return " ".join(str(m) for m in error.messages)


def _done(request: AuthedRequest, record: Any, error: str = "", notice: str = "") -> HttpResponse:
    """After a write: the panel again for htmx, else back to the record's page with a message."""
    if _is_htmx(request):
        return _panel_response(request, record, error)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return HttpResponseRedirect(f"{record.get_absolute_url()}#panel-documents")


@login_required
@require_POST
def upload_view(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    """Attach a new document to the record (403 when the user may see but not change it)."""
    record = _record_or_404(request, kind, pk)
    if not can(request.user, record, Action.CHANGE):
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        return _done(request, record, error=_("Choose a file to attach."))
    try:
        document = services.document_create(
            actor=request.user,
            record=record,
            upload=upload,
            title=request.POST.get("title", ""),
            visibility=Visibility.PRIVATE if request.POST.get("private") else None,
        )
    except ValidationError as error:
        return _done(request, record, error=_error_text(error))
    return _done(request, record, notice=_("%(title)s was attached.") % {"title": document.title})


def _document_or_404(request: AuthedRequest, pk: int, action: str = Action.VIEW) -> Document:
    try:
        return selectors.visible_document(request.user, pk, Action.VIEW)
    except Document.DoesNotExist:
        raise Http404 from None


@login_required
@require_POST
def version_upload_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """Upload a new version of a document; the earlier versions are kept."""
    document = _document_or_404(request, pk)
    if not can(request.user, document, Action.CHANGE):
        raise PermissionDenied
    record = document.record
    upload = request.FILES.get("file")
    if upload is None:
        return _done(request, record, error=_("Choose a file to attach."))
    version = request.POST.get("version")
    try:
        services.document_add_version(
            actor=request.user,
            document=document,
            upload=upload,
            expected_version=int(version) if version and version.isdigit() else None,
        )
    except ValidationError as error:
        return _done(request, record, error=_error_text(error))
    except ConflictError as error:
        return _done(request, record, error=str(error))
    return _done(
        request,
        record,
        notice=_("A new version of %(title)s was added.") % {"title": document.title},
    )


@login_required
@require_GET
def versions_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every version of a document (a page of its own and an htmx fragment in the panel)."""
    document = _document_or_404(request, pk)
    versions = list(selectors.versions_of(document))
    template = "documents/_versions.html" if _is_htmx(request) else "documents/versions.html"
    return render(
        request,
        template,
        {
            "document": document,
            "record": document.record,
            "versions": versions,
            "can_change": can(request.user, document, Action.CHANGE),
        },
    )


@login_required
@require_POST
def delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """Move a document to the Trash (403 for those who may see but not change its record)."""
    document = _document_or_404(request, pk)
    if not can(request.user, document, Action.DELETE):
        raise PermissionDenied
    record = document.record
    services.document_delete(actor=request.user, document=document)
    return _done(
        request, record, notice=_("%(title)s was moved to the Trash.") % {"title": document.title}
    )


@login_required
@require_POST
def restore_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """Take a document out of the Trash (the Trash page posts here)."""
    document = Document.trash.restrict(request.user, Action.DELETE).filter(pk=pk).first()
    if document is None:
        raise Http404
    services.document_restore(actor=request.user, document=document)
    messages.success(request, _("%(title)s was restored.") % {"title": document.title})
    return redirect("trash")


def _version_or_404(request: AuthedRequest, pk: int, number: int | None) -> DocumentVersion:
    document = _document_or_404(request, pk)
    if number is None:
        version = document.current
    else:
        version = document.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return version


def _previewable(version: DocumentVersion) -> bool:
    return version.is_pdf or is_previewable_image(version.content_type)


@login_required
@require_GET
def download_view(request: AuthedRequest, pk: int, number: int | None = None) -> HttpResponseBase:
    """The file of the current version (or of version ``number``), always as an attachment."""
    return file_response(_version_or_404(request, pk, number), inline=False, actor=request.user)


@login_required
@require_GET
def preview_view(request: AuthedRequest, pk: int, number: int | None = None) -> HttpResponseBase:
    """An image or a PDF shown by the browser itself (inline); anything else is a download."""
    version = _version_or_404(request, pk, number)
    response = file_response(version, inline=_previewable(version), actor=request.user)
    if version.is_pdf:
        # Chromium's and Firefox's PDF viewers do not open a sandboxed document; a PDF runs no
        # script of ours in either (their viewers ignore or isolate PDF JavaScript), and the
        # policy still forbids everything else.
        response["Content-Security-Policy"] = (
            "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
        )
    return response


@login_required
@require_GET
def thumbnail_view(request: AuthedRequest, pk: int, number: int | None = None) -> HttpResponse:
    """A small PNG of an image document, drawn by Pillow from the stored file (404 for other
    types or an image that cannot be read)."""
    from PIL import Image, UnidentifiedImageError

    version = _version_or_404(request, pk, number)
    if not is_previewable_image(version.content_type):
        raise Http404
    try:
        with (
            documents_storage().open(version.stored_name, "rb") as handle,
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(handle) as image:
                if image.width * image.height > MAX_THUMBNAIL_SOURCE_PIXELS:
                    raise Http404
                image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
                small = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGBA")
                out = io.BytesIO()
                small.save(out, "PNG")
    except (
        OSError,
        UnidentifiedImageError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise Http404 from None
    response = HttpResponse(out.getvalue(), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, max-age=300"
    return response
