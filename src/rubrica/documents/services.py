"""Writes of documents: attach a file to a record, add a version, rename, Trash and back, purge.

Every write checks the permission on the record the document follows (``DocumentPolicy``), the
version of the document (``expected_version``), and writes history in the same transaction: the
document's own entry and one on the record (``documents``: the file added or removed), so the
person's history shows it too. The file is checked before anything is stored (size, then type
sniffed from the bytes) and stored under a generated name; when the transaction fails the stored
file is deleted, and a file no row names is swept by ``rubrica jobs purge``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.core.models import Action, OwnedRecord, Visibility
from rubrica.core.services import ensure_can, ensure_can_create, lock_and_check_version
from rubrica.documents.attachables import kind_of
from rubrica.documents.models import Document, DocumentVersion
from rubrica.documents.sniffing import sniff
from rubrica.documents.storage import documents_storage, new_stored_name
from rubrica.history.models import HistoryAction
from rubrica.history.services import history_record, purge_trashed, record_set_deleted

#: Longest title and file name kept (the columns' lengths).
MAX_TITLE = 300
MAX_NAME = 255


@dataclass(frozen=True)
class CheckedFile:
    """What the services learnt from an upload before storing it."""

    original_name: str
    size: int
    content_type: str
    sha256: str


def clean_filename(name: str) -> str:
    """The name people gave the file, for display and as the download's name only: no directory
    part (either separator), no control or format characters (bidi overrides included), no
    leading dots, at most 255 characters; "document" when nothing is left."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        char for char in name if unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp")
    )
    name = name.strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 16:
            name = stem[: MAX_NAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME]
    return name or "document"


def _upload_name(upload: Any) -> str:
    return clean_filename(getattr(upload, "name", "") or "")


def check_file(upload: IO[bytes] | File[bytes], *, name: str | None = None) -> CheckedFile:
    """Size, sniffed type and digest of an upload, or ValidationError on ``file`` naming it.

    The size cap and the allowed types are ``RUBRICA_DOCUMENTS_MAX_BYTES`` and
    ``RUBRICA_DOCUMENTS_ALLOWED_TYPES``; the type comes from the bytes only."""
    shown = clean_filename(name) if name is not None else _upload_name(upload)
    limit = int(settings.RUBRICA_DOCUMENTS_MAX_BYTES)
    too_large = ValidationError(
        {
            "file": _("%(name)s is larger than %(limit)s, the most a document may be.")
            % {"name": shown, "limit": filesizeformat(limit)}
        }
    )
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise too_large  # before reading it: the size of an upload is known
    digest = hashlib.sha256()
    size = 0
    handle = cast(IO[bytes], upload)
    handle.seek(0)
    while chunk := handle.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_large
        digest.update(chunk)
    content_type = sniff(handle, shown)
    allowed = set(settings.RUBRICA_DOCUMENTS_ALLOWED_TYPES)
    if content_type not in allowed:
        raise ValidationError(
            {
                "file": _(
                    "%(name)s is not a kind of file that may be attached here (its content is "
                    "%(type)s)."
                )
                % {"name": shown, "type": content_type}
            }
        )
    handle.seek(0)
    return CheckedFile(shown, size, content_type, digest.hexdigest())


def _store(upload: IO[bytes] | File[bytes]) -> str:
    stored = documents_storage().save(new_stored_name(), cast(Any, upload))
    return stored


def _forget_file(name: str) -> None:
    with contextlib.suppress(OSError):  # else swept later by the orphan sweeper
        documents_storage().delete(name)


def _record_note(
    actor: User, record: OwnedRecord, document: Document, before: str | None, after: str | None
) -> None:
    """An entry on the record's own history: a file added to or removed from it. The record's
    version is not changed (its fields did not change), so an open form on it stays valid.

    A private document is not named there: whoever may see the record reads its history (and
    its timeline, which folds the history in), and a private document's title is for its owner.
    """
    if document.visibility == Visibility.PRIVATE:
        return
    history_record(
        actor=actor,
        instance=record,
        action=HistoryAction.UPDATE,
        changes={"documents": {"before": before, "after": after}},
        version=record.version,
    )


def _clean_title(title: str | None, fallback: str) -> str:
    title = " ".join(str(title or "").split())
    if len(title) > MAX_TITLE:
        raise ValidationError(
            {"title": _("A title may be at most %(n)d characters.") % {"n": MAX_TITLE}}
        )
    return title or fallback


def _version_row(
    document: Document, number: int, checked: CheckedFile, stored: str, actor: User
) -> DocumentVersion:
    return DocumentVersion.objects.create(
        document=document,
        number=number,
        stored_name=stored,
        original_name=checked.original_name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        uploaded_by=actor,
    )


def document_create(
    *,
    actor: User,
    record: OwnedRecord,
    upload: IO[bytes] | File[bytes],
    title: str | None = None,
    filename: str | None = None,
    visibility: str | None = None,
) -> Document:
    """Attach a new document (its version 1) to ``record``.

    PermissionDenied unless the actor may change the record; ValidationError on ``file`` (too
    large, a type not allowed) or ``title``; nothing is stored then. ``filename`` overrides the
    upload's own name (the API and the CLI pass it)."""
    kind = kind_of(record)
    ensure_can_create(actor, Document)
    ensure_can(actor, record, Action.CHANGE)
    checked = check_file(upload, name=filename)
    title = _clean_title(title, checked.original_name)
    if visibility is not None and visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Choose a valid visibility.")})
    stored = _store(upload)
    try:
        with transaction.atomic():
            document = Document.objects.create(
                title=title,
                owner=actor,
                visibility=visibility or Visibility.EVERYONE,
                **{kind.field: record},
            )
            version = _version_row(document, 1, checked, stored, actor)
            document.current = version
            document.save(update_fields=["current"])
            history_record(
                actor=actor,
                instance=document,
                action=HistoryAction.CREATE,
                changes={
                    "title": {"before": None, "after": title},
                    "file": {"before": None, "after": _file_note(version)},
                },
                version=document.version,
            )
            _record_note(actor, record, document, None, title)
    except BaseException:
        _forget_file(stored)
        raise
    return document


def _file_note(version: DocumentVersion) -> str:
    return f"{version.original_name} (v{version.number}, {version.content_type}, {version.size} B)"


def _begin(actor: User, document: Document, expected_version: int | None) -> Document:
    ensure_can(actor, document, Action.CHANGE)
    current = cast(Document, lock_and_check_version(Document, document.pk, expected_version))
    if current.deleted_at is not None:
        raise ValidationError({"__all__": _("Restore this document from the Trash to change it.")})
    return current


def document_add_version(
    *,
    actor: User,
    document: Document,
    upload: IO[bytes] | File[bytes],
    filename: str | None = None,
    expected_version: int | None = None,
) -> DocumentVersion:
    """Upload a new version; the earlier ones are kept. Same checks as ``document_create``; a
    stale ``expected_version`` raises ConflictError."""
    ensure_can(actor, document, Action.CHANGE)
    checked = check_file(upload, name=filename)
    stored = _store(upload)
    try:
        with transaction.atomic():
            current = _begin(actor, document, expected_version)
            before = current.current
            number = max(current.versions.values_list("number", flat=True), default=0) + 1
            version = _version_row(current, number, checked, stored, actor)
            current.current = version
            current.version += 1
            current.save(update_fields=["current", "version", "updated_at"])
            history_record(
                actor=actor,
                instance=current,
                action=HistoryAction.UPDATE,
                changes={
                    "file": {
                        "before": _file_note(before) if before else None,
                        "after": _file_note(version),
                    }
                },
                version=current.version,
            )
    except BaseException:
        _forget_file(stored)
        raise
    document.refresh_from_db()
    return version


def document_rename(
    *, actor: User, document: Document, title: str, expected_version: int | None = None
) -> Document:
    """Change the title."""
    with transaction.atomic():
        current = _begin(actor, document, expected_version)
        title = _clean_title(title, current.title)
        if title == current.title:
            return current
        before = current.title
        current.title = title
        current.version += 1
        current.save(update_fields=["title", "version", "updated_at"])
        history_record(
            actor=actor,
            instance=current,
            action=HistoryAction.UPDATE,
            changes={"title": {"before": before, "after": title}},
            version=current.version,
        )
    return current


def _set_deleted(
    actor: User, document: Document, expected_version: int | None, *, deleted: bool
) -> Document:
    with transaction.atomic():
        ensure_can(actor, document, Action.DELETE)
        if expected_version is not None:
            lock_and_check_version(Document, document.pk, expected_version)
        was_deleted = Document.all_objects.filter(pk=document.pk, deleted_at__isnull=False).exists()
        result: Document = record_set_deleted(actor, document, deleted=deleted)
        if was_deleted != deleted:
            record = result.record
            if record is not None:
                _record_note(
                    actor,
                    record,
                    result,
                    result.title if deleted else None,
                    None if deleted else result.title,
                )
    return result


def document_delete(
    *, actor: User, document: Document, expected_version: int | None = None
) -> Document:
    """Move to the Trash with all its versions; restorable until purged."""
    return _set_deleted(actor, document, expected_version, deleted=True)


def document_restore(
    *, actor: User, document: Document, expected_version: int | None = None
) -> Document:
    """Take a document out of the Trash. Its record must be visible and changeable by the actor
    (a document of a person in the Trash comes back with the person)."""
    return _set_deleted(actor, document, expected_version, deleted=False)


def document_trash_purge(*, cutoff: dt.datetime) -> int:
    """Delete for good the documents moved to the Trash before ``cutoff``, their versions, history
    entries and stored files. System task (the Trash's purge runs it)."""
    return purge_trashed(Document, cutoff=cutoff, before_delete=_forget_files_of)


def _forget_files_of(batch: list[int]) -> None:
    names = list(
        DocumentVersion.objects.filter(document_id__in=batch).values_list("stored_name", flat=True)
    )
    transaction.on_commit(lambda: _forget_files(names))


def _forget_files(names: Iterable[str]) -> None:
    for name in names:
        _forget_file(name)


def orphan_sweep(*, older_than: dt.timedelta) -> int:
    """Delete stored files no version names (left by a failed transaction, or by a record purged
    with its documents). Younger files are left (an upload may be committing)."""
    storage = documents_storage()
    known = set(DocumentVersion.objects.values_list("stored_name", flat=True))
    cutoff = timezone.now() - max(older_than, dt.timedelta(0))
    removed = 0
    try:
        directories, _files = storage.listdir("")
    except (FileNotFoundError, NotImplementedError):
        return 0
    for directory in directories:
        for name in storage.listdir(directory)[1]:
            stored = f"{directory}/{name}"
            if stored in known:
                continue
            try:
                if storage.get_modified_time(stored) > cutoff:
                    continue
            except (NotImplementedError, OSError):
                continue
            _forget_file(stored)
            removed += 1
    return removed
