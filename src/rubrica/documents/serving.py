"""Serving a stored file: the one place that builds the response of a download or a preview.

The sniffed type (never the name's), ``X-Content-Type-Options: nosniff``, a policy under which
nothing in the file runs or loads (``sandbox``; for a PDF shown inline, the browsers' PDF viewers
refuse a sandboxed document, so it gets a policy that still forbids every fetch and script of the
page), ``Content-Disposition`` with the cleaned name encoded per RFC 6266/5987 (Django's
``content_disposition_header``), and no caching by shared caches.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.http import content_disposition_header

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.documents.models import DocumentVersion
from rubrica.documents.storage import documents_storage

#: The policy of every response carrying a stored file: nothing in it runs, nothing loads.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
#: A PDF previewed inline: no script, no fetch, no frame but ours.
PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"


def file_response(version: DocumentVersion, *, inline: bool, actor: User) -> FileResponse:
    """The file of ``version`` for ``actor`` (who may see it); written to the audit log."""
    try:
        handle = documents_storage().open(version.stored_name, "rb")
    except (OSError, FileNotFoundError):
        raise Http404 from None
    audit.record(
        actor,
        AuditAction.DOCUMENT_DOWNLOAD,
        version.document,
        {"version": version.number, "inline": inline},
    )
    response = FileResponse(handle, content_type=version.content_type)
    response["Content-Length"] = str(version.size)
    disposition = content_disposition_header(not inline, version.original_name)
    response["Content-Disposition"] = disposition or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if inline and version.is_pdf:
        response["Content-Security-Policy"] = PDF_CSP
    return response
