"""An import's file: kept in private storage, recognised, read, previewed and eventually deleted.

``store_upload`` keeps the file under ``RUBRICA_PRIVATE_ROOT/imports`` (outside MEDIA_ROOT: never
served, never executed) after checking its size against RUBRICA_IMPORT_MAX_BYTES;
``detect_format`` tells vCard, CSV, XLSX and JSON apart by content first, extension second.
``open_reader`` is the reader of a stored file (the job's and the preview's: ``import_preview``
shows the first records as the job will read them). The upload goes once its import succeeded
(``import_discard_upload``, the ``import`` kind's after-success hook and private-files
discarder), and an upload no import refers to is swept once old (``import_drafts_purge``).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.dataio.records import Reader, SourceRecord
from rubrica.env import private_dir
from rubrica.jobs.models import Job

PREVIEW = 20
EXTENSIONS = {
    ".vcf": "vcard",
    ".vcard": "vcard",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}

# Upload -------------------------------------------------------------------------------------


def private_root() -> Path:
    return Path(settings.RUBRICA_PRIVATE_ROOT)


def detect_format(filename: str, head: bytes) -> str | None:
    """The format of a file from its first bytes, then its extension; None when neither says.

    Content wins: a ``.csv`` that is really a vCard is read as a vCard."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", "ignore").lstrip("\ufeff \t\r\n").encode()
    if text[:11].upper() == b"BEGIN:VCARD":
        return "vcard"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if text[:1] in (b"[", b"{"):
        return "json"
    return EXTENSIONS.get(Path(filename).suffix.lower())


@dataclass
class StoredUpload:
    path: str  # relative to the private root
    filename: str
    size: int
    format: str

    def discard(self) -> None:
        """Delete the stored file (an upload only previewed, or whose import was refused)."""
        stored_path({"file": self.path}).unlink(missing_ok=True)


def max_bytes() -> int:
    return int(settings.RUBRICA_IMPORT_MAX_BYTES)


def size_error(size: int) -> ValidationError:
    limit = max_bytes()
    return ValidationError(
        {
            "file": _(
                "This file is %(size)s MB; imports are limited to %(limit)s MB "
                "(RUBRICA_IMPORT_MAX_MB). Split the file, or ask an administrator to raise it."
            )
            % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"}
        }
    )


def store_upload(*, actor: User, stream: IO[bytes], filename: str) -> StoredUpload:
    """Copy an uploaded file into private storage; refuse it (nothing kept) when it is too large
    or in no format we read."""
    if not actor.is_authenticated or actor.is_read_only:
        raise PermissionDenied(_("Read-only users cannot import."))
    limit = max_bytes()
    private_dir(private_root())
    private_dir(private_root() / "imports")
    suffix = Path(filename).suffix.lower()
    suffix = suffix if suffix in EXTENSIONS else ".bin"
    name = f"imports/{uuid.uuid4().hex}{suffix}"
    target = private_root() / name
    size = 0
    head = b""
    try:
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            while chunk := stream.read(1024 * 1024):
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                size += len(chunk)
                if size > limit:
                    raise size_error(size)
                out.write(chunk)
        fmt = detect_format(filename, head)
        if size == 0:
            raise ValidationError({"file": _("This file is empty.")})
        if fmt is None:
            raise ValidationError(
                {"file": _("Rubrica reads vCard (.vcf), CSV, Excel (.xlsx) and JSON files.")}
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return StoredUpload(path=name, filename=Path(filename).name[:200], size=size, format=fmt)


def stored_path(params: dict[str, Any]) -> Path:
    """The stored file of an import; refuses anything outside the private import folder."""
    root = (private_root() / "imports").resolve()
    path = (private_root() / str(params.get("file", ""))).resolve()
    if root not in path.parents:
        raise ValidationError({"file": _("The imported file is missing.")})
    return path


def import_discard_upload(job: Job) -> bool:
    """Delete the stored file of import ``job``; True when there was one to delete.

    Called once the import succeeded: only a resumed run (after a failure or a cancel) reads the
    file again; the report, the row pages and the revert read the ``ImportRow`` rows. Also called
    by ``rubrica jobs purge`` for old failed or cancelled imports (which then cannot resume)."""
    try:
        path = stored_path(job.params)
    except ValidationError:
        return False
    if not path.is_file():
        return False
    path.unlink(missing_ok=True)
    return True


def import_drafts_purge(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete uploaded files no import job refers to (the person uploaded and never started the
    import) once older than ``older_than``; files of jobs are left to ``jobs_purge_files``.
    Run by ``rubrica jobs purge`` and at ``rubrica serve`` start. Returns how many went."""
    folder = private_root() / "imports"
    if not folder.is_dir():
        return 0
    cutoff = (now or timezone.now()).timestamp() - older_than.total_seconds()
    referenced = {
        str(name)
        for name in Job.objects.filter(kind="import").values_list("params__file", flat=True)
        if name
    }
    removed = 0
    for entry in folder.iterdir():
        try:
            if (
                entry.is_file()
                and f"imports/{entry.name}" not in referenced
                and entry.stat().st_mtime < cutoff
            ):
                entry.unlink(missing_ok=True)
                removed += 1
        except OSError:
            continue
    return removed


# Readers ------------------------------------------------------------------------------------


def open_reader(params: dict[str, Any]) -> Reader:
    """The reader for a stored file and the options chosen (mapping, encoding, sheet)."""
    path = stored_path(params)
    if not path.exists():
        raise ValidationError({"file": _("The imported file is missing.")})
    fmt = params.get("format")
    if fmt == "vcard":
        from rubrica.dataio.vcard_reader import VCardReader

        return VCardReader(path)
    from rubrica.dataio import tabular_bridge

    reader: Reader = tabular_bridge.reader(path, str(fmt), params)
    return reader


def import_preview(params: dict[str, Any], limit: int = PREVIEW) -> list[SourceRecord]:
    """The first ``limit`` records as the job will read them, each with its problems."""
    records = []
    for record in open_reader(params).records():
        records.append(record)
        if len(records) >= limit:
            break
    return records
