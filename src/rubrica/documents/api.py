"""/documents: the documents attached to a record, their versions and files.

Lists are of one record (``record_kind`` and ``record_id``), keyset-paginated, of what the caller
may see (a record the caller may not see answers 404, like any of its documents). Uploads are
``multipart/form-data``; the file is checked by the services exactly as on the web page (size
cap, type sniffed from the bytes). A document's ``ETag`` is its version; send it back as
``If-Match`` to add a version or delete it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from rubrica.core.models import Action
from rubrica.core.pagination import keyset_page
from rubrica.documents import selectors, services
from rubrica.documents.attachables import attachable_kind, kind_of
from rubrica.documents.models import Document, DocumentVersion
from rubrica.documents.serving import file_response
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import expected_version, version_etag

router = Router(tags=["documents"])

RecordKind = Literal["contact", "organization", "activity"]
DocumentVisibility = Literal["private", "team", "everyone"]


class VersionOut(Schema):
    number: int
    original_name: str = Field(..., description="The file's name as uploaded, without any path.")
    size: int = Field(..., description="In bytes.")
    content_type: str = Field(..., description="Sniffed from the bytes, not the name.")
    sha256: str
    uploaded_by: str | None
    uploaded_at: dt.datetime
    download_url: str


class DocumentOut(Schema):
    id: int
    title: str
    record_kind: str
    record_id: int
    visibility: DocumentVisibility
    owner: str
    version: int = Field(..., description="Grows with every change; the ETag.")
    current: VersionOut | None
    created_at: dt.datetime
    updated_at: dt.datetime


class DocumentPage(Schema):
    items: list[DocumentOut]
    next_cursor: str | None
    prev_cursor: str | None


class DocumentListQuery(ListParams):
    record_kind: RecordKind = Field(..., description="The kind of record the documents are on.")
    record_id: int = Field(..., description="Its id.")


def _version_out(version: DocumentVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "original_name": version.original_name,
        "size": version.size,
        "content_type": version.content_type,
        "sha256": version.sha256,
        "uploaded_by": version.uploaded_by.get_username() if version.uploaded_by else None,
        "uploaded_at": version.uploaded_at,
        "download_url": (
            f"/api/v1/documents/{version.document_id}/download?version={version.number}"
        ),
    }


def _document_out(document: Document) -> dict[str, Any]:
    record = document.record
    kind = kind_of(record)
    return {
        "id": document.pk,
        "title": document.title,
        "record_kind": kind.key,
        "record_id": record.pk,
        "visibility": document.visibility,
        "owner": document.owner.get_username(),
        "version": document.version,
        "current": _version_out(document.current) if document.current else None,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
    }


def _record(request: HttpRequest, kind_key: str, pk: int) -> Any:
    try:
        kind = attachable_kind(kind_key)
    except LookupError:
        raise Http404 from None
    queryset = kind.model.objects.restrict(actor(request), Action.VIEW)  # type: ignore[attr-defined]
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def _document(request: HttpRequest, pk: int) -> Document:
    try:
        return selectors.visible_document(actor(request), pk)
    except Document.DoesNotExist:
        raise Http404 from None


@router.get("", response={200: DocumentPage, **problems(404, 422)})
def list_documents(request: HttpRequest, params: Query[DocumentListQuery]) -> dict[str, Any]:
    """The documents of one record, newest first."""
    record = _record(request, params.record_kind, params.record_id)
    queryset = selectors.documents_of(actor(request), record).select_related(
        "owner", "current__uploaded_by", *[kind_of(record).field]
    )
    page = keyset_page(
        queryset, order=["-created_at", "-id"], cursor=params.cursor, size=params.limit
    )
    return page_data(page, [_document_out(document) for document in page.items])


@router.post("", response={201: DocumentOut, **problems(403, 404, 413, 422)})
def create_document(
    request: HttpRequest,
    file: File[UploadedFile],
    record_kind: Form[RecordKind],
    record_id: Form[int],
    title: Form[str] = "",
    visibility: Form[DocumentVisibility | None] = None,
) -> Status[Any]:
    """Attach a file to a record (``multipart/form-data``). 422 names the file when it is too
    large or of a type not allowed (the type is sniffed from the bytes)."""
    record = _record(request, record_kind, record_id)
    document = services.document_create(
        actor=actor(request), record=record, upload=file, title=title, visibility=visibility
    )
    return Status(201, _document_out(document))


@router.get("/{int:document_id}", response={200: DocumentOut, **problems(404)})
def get_document(request: HttpRequest, document_id: int, response: HttpResponse) -> dict[str, Any]:
    document = _document(request, document_id)
    response["ETag"] = version_etag(document.version)
    return _document_out(document)


@router.get("/{int:document_id}/versions", response={200: list[VersionOut], **problems(404)})
def list_versions(request: HttpRequest, document_id: int) -> list[dict[str, Any]]:
    """Every version of the document, newest first."""
    document = _document(request, document_id)
    return [_version_out(version) for version in selectors.versions_of(document)]


@router.post(
    "/{int:document_id}/versions", response={201: VersionOut, **problems(403, 404, 412, 413, 422)}
)
def add_version(request: HttpRequest, document_id: int, file: File[UploadedFile]) -> Status[Any]:
    """Upload a new version; the earlier ones are kept."""
    document = _document(request, document_id)
    version = services.document_add_version(
        actor=actor(request),
        document=document,
        upload=file,
        expected_version=expected_version(request, document.version),
    )
    return Status(201, _version_out(version))


@router.get(
    "/{int:document_id}/download",
    response={200: None, **problems(404)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment, with its sniffed Content-Type.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download(
    request: HttpRequest, document_id: int, version: int | None = None
) -> HttpResponseBase:
    """The file of the current version, or of ``?version=N``."""
    document = _document(request, document_id)
    found = (
        document.current if version is None else document.versions.filter(number=version).first()
    )
    if found is None:
        raise Http404
    return file_response(found, inline=False, actor=actor(request))


@router.delete("/{int:document_id}", response={204: None, **problems(403, 404, 412)})
def delete_document(request: HttpRequest, document_id: int) -> Status[Any]:
    """Move the document to the Trash (restorable from the Trash page)."""
    document = _document(request, document_id)
    services.document_delete(
        actor=actor(request),
        document=document,
        expected_version=expected_version(request, document.version),
    )
    return Status(204, None)
