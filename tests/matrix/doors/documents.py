"""Documents: files attached to people and organizations."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.matrix.doors import api, web

TRASHED = ("private_trashed", "team_trashed", "missing")


def _file(w, c):
    return {"file": SimpleUploadedFile("more.txt", b"more Matrix notes\n", "text/plain")}


web(
    "documents:upload",
    "POST",
    kind="contact",
    rule="change",
    path=lambda w, c: reverse("documents:upload", args=["contact", w.pk("contact", c)]),
    data=_file,
)
web("documents:versions", kind="document")
web("documents:version_upload", "POST", kind="document", rule="change", data=_file)
web("documents:download", kind="document")
web(
    "documents:download_version",
    kind="document",
    path=lambda w, c: reverse("documents:download_version", args=[w.pk("document", c), 1]),
)
web("documents:preview", kind="document")
web(
    "documents:preview_version",
    kind="document",
    path=lambda w, c: reverse("documents:preview_version", args=[w.pk("document", c), 1]),
)
web("documents:thumbnail", kind="document", cases=("missing",))
web("documents:delete", "POST", kind="document", rule="change")
web("documents:restore", "POST", kind="document", rule="restore", cases=TRASHED)

api("GET", "/documents", rule="signed_in", lists=True)
api(
    "POST",
    "/documents",
    kind="contact",
    rule="change",
    body="multipart",
    data=lambda w, c: {"record_kind": "contact", "record_id": w.pk("contact", c), **_file(w, c)},
)
api("GET", "/documents/{document_id}", kind="document")
api("DELETE", "/documents/{document_id}", kind="document", rule="change")
api("GET", "/documents/{document_id}/versions", kind="document")
api(
    "POST",
    "/documents/{document_id}/versions",
    kind="document",
    rule="change",
    body="multipart",
    data=_file,
)
api("GET", "/documents/{document_id}/download", kind="document")
