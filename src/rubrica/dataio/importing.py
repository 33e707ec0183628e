"""Import jobs: store an upload, preview it, run it in checkpointed batches, report, revert.

Flow (web, API and CLI alike):

1. ``store_upload`` keeps the file under ``RUBRICA_PRIVATE_ROOT/imports`` (outside MEDIA_ROOT:
   never served, never executed) after checking its size against RUBRICA_IMPORT_MAX_BYTES;
   ``detect_format`` tells vCard, CSV, XLSX and JSON apart by content first, extension second.
2. ``import_preview`` reads the first records through the same reader the job will use.
3. ``import_start`` creates the job (kind ``import``); ``run_import`` is its runner.
4. ``import_revert`` starts a job (kind ``import_revert``) that undoes what the import did.

Runner guarantees: records are processed in batches of ``BATCH`` in one transaction each, which
also writes the batch's ``ImportRow`` rows and the job checkpoint (the last line of the batch);
a run killed at any moment leaves whole batches only, and a resumed run skips every line up to
the checkpoint. A record the reader could not read, or that the services refuse, gets a
``failed`` row naming the field and line; the rest goes on.

Revert (decision, following "Nothing is lost"): people the import created go to the Trash (not
deleted for good: the Trash keeps them restorable and their history says who moved them); people
it updated get their earlier snapshot back through ``contact_update`` (one REVERT history entry),
but only while they are still at the version the import left them at: a person changed since is
left alone and reported; affiliations it created are deleted through ``affiliation_delete`` and
organizations it created go to the Trash when nobody else is linked to them.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rubrica.accounts.models import User
from rubrica.contacts.bulk import (
    BatchCaches,
    NewContact,
    contact_data_errors,
    contact_unchanged,
    contacts_create_many,
    error_text,
    organization_for,
)
from rubrica.contacts.models import Contact, ContactEmail, ContactPhone
from rubrica.contacts.services import (
    contact_delete,
    contact_set_photo,
    contact_update,
    snapshot,
)
from rubrica.core import normalize
from rubrica.core.bulk import fast_insert, stand_in
from rubrica.core.models import Action
from rubrica.core.services import ADDRESS_PARTS
from rubrica.dataio import pipeline
from rubrica.dataio.models import ImportRow, Outcome
from rubrica.dataio.records import Reader, SourceRecord
from rubrica.history.models import HistoryAction
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import Progress, job_create
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.services import (
    affiliation_create,
    affiliation_delete,
    organization_delete,
)

FORMATS = ("vcard", "csv", "xlsx", "json")
POLICIES = ("create", "update", "skip")
MATCH_KEYS = ("uid", "email", "phone", "external_id")
BATCH = 1000
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
    folder = private_root() / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(filename).suffix.lower()
    suffix = suffix if suffix in EXTENSIONS else ".bin"
    name = f"imports/{uuid.uuid4().hex}{suffix}"
    target = private_root() / name
    size = 0
    head = b""
    try:
        with open(target, "wb") as out:
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

    return tabular_bridge.reader(path, str(fmt), params)


def import_preview(params: dict[str, Any], limit: int = PREVIEW) -> list[SourceRecord]:
    """The first ``limit`` records as the job will read them, each with its problems."""
    records = []
    for record in open_reader(params).records():
        records.append(record)
        if len(records) >= limit:
            break
    return records


# Start --------------------------------------------------------------------------------------


def clean_options(options: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    fmt = options.get("format")
    if fmt not in FORMATS:
        errors["format"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(FORMATS)}
    policy = options.get("on_duplicate") or "create"
    if policy not in POLICIES:
        errors["on_duplicate"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(POLICIES)}
    match = options.get("match") or ("uid" if fmt == "vcard" else "email")
    if match not in MATCH_KEYS:
        errors["match"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(MATCH_KEYS)}
    encoding = options.get("encoding")
    if encoding and not is_text_encoding(str(encoding)):
        errors["encoding"] = _("Unknown encoding %(name)s.") % {"name": encoding}
    mapping = options.get("mapping")
    if mapping is not None and not isinstance(mapping, dict):
        errors["mapping"] = _("The mapping must be an object: column -> field.")
    elif mapping:
        errors.update(_mapping_errors(mapping))
    if errors:
        raise ValidationError(errors)
    return {**options, "format": fmt, "on_duplicate": policy, "match": match}


def is_text_encoding(name: str) -> bool:
    """Whether ``name`` is an encoding a text file can be read in (``rot13`` and ``base64``
    are codecs, not text encodings)."""
    try:
        io.TextIOWrapper(io.BytesIO(), encoding=name)  # as the CSV reader opens the file
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return False
    return True


def _mapping_errors(mapping: dict[Any, Any]) -> dict[str, str]:
    """``mapping.<column>`` -> what is wrong with that entry: columns are numbers from 0,
    targets the names of ``tabular.targets``."""
    from rubrica.dataio.tabular.targets import is_target

    errors: dict[str, str] = {}
    for column, target in mapping.items():
        text = str(column)
        name = f"mapping.{text[:20]}"
        if not (
            isinstance(column, str | int) and text.isascii() and text.isdigit() and len(text) < 6
        ):
            errors[name] = _("Name columns by their number, from 0.")
        elif not isinstance(target, str) or not is_target(target):
            errors[name] = _("%(target)s is not a known column target.") % {
                "target": str(target)[:100]
            }
    return errors


def import_start(
    *, actor: User, upload: StoredUpload, options: dict[str, Any], enqueue: bool = True
) -> Job:
    """Create the import job for a stored file (kind ``import``)."""
    if actor.is_read_only:
        raise PermissionDenied(_("Read-only users cannot import."))
    params = clean_options(
        {**options, "file": upload.path, "filename": upload.filename, "format": upload.format}
        if not options.get("format")
        else {**options, "file": upload.path, "filename": upload.filename}
    )
    errors = _columns_past_the_header(params)
    if errors:
        raise ValidationError(errors)
    title = _("Import of %(name)s") % {"name": upload.filename}
    return job_create(actor=actor, kind="import", title=title, params=params, enqueue=enqueue)


def _columns_past_the_header(params: dict[str, Any]) -> dict[str, str]:
    """``mapping.<column>`` -> why, for each mapped column a CSV or XLSX file does not have:
    such a column reads empty on every row, so every record would fail later for want of a
    name, or import without what the person meant to map."""
    mapping = params.get("mapping") or {}
    if params.get("format") not in ("csv", "xlsx") or not mapping:
        return {}
    from rubrica.dataio import tabular_bridge

    try:
        described = tabular_bridge.describe(stored_path(params), params["format"], params, n=1)
    except ValidationError:
        return {}  # an unreadable file fails the job with its own reason
    count = len(described.get("headers") or [])
    return {
        f"mapping.{column}": ngettext(
            "The file has %(count)d column, numbered from 0: there is no column %(column)s.",
            "The file has %(count)d columns, numbered from 0: there is no column %(column)s.",
            count,
        )
        % {"count": count, "column": column}
        for column in mapping
        if int(column) >= count
    }


def import_job(actor: Any, pk: int, action: str = "view") -> Job:
    """An import job the actor may see (404-style DoesNotExist otherwise)."""
    job: Job = Job.objects.restrict(actor, action).get(pk=pk, kind="import")
    return job


# Matching -----------------------------------------------------------------------------------


def _match_value(record: SourceRecord, key: str) -> list[str]:
    """The normalised values of ``key`` in a record (several for emails and phones)."""
    data = record.data
    if key == "uid":
        value = str(data.get("uid") or record.external_id or "").strip()
        return [value] if value else []
    if key == "external_id":
        return [record.external_id.strip()] if record.external_id else []
    if key == "email":
        out = []
        for row in data.get("emails") or []:
            value = str(row.get("value") or "").strip()
            if value:
                try:
                    out.append(normalize.email(value).lower())
                except ValueError:
                    continue
        return out
    out = []
    for row in data.get("phones") or []:
        try:
            e164 = normalize.phone(str(row.get("value") or "")).e164
        except ValueError:
            continue
        if e164:
            out.append(e164)
    return out


def _find_matches(actor: User, key: str, values: set[str]) -> dict[str, int]:
    """value -> the (lowest) id of a person the actor may see that has it."""
    if not values:
        return {}
    visible = Contact.objects.restrict(actor, Action.VIEW)
    found: dict[str, int] = {}
    rows: Iterable[tuple[str, int]]
    if key in ("uid", "external_id"):
        rows = visible.filter(uid__in=values).values_list("uid", "pk")
    elif key == "email":
        rows = (
            (value.lower(), pk)
            for value, pk in ContactEmail.objects.filter(
                value__in=_case_variants(values), contact__in=visible
            ).values_list("value", "contact_id")
        )
    else:
        rows = ContactPhone.objects.filter(e164__in=values, contact__in=visible).values_list(
            "e164", "contact_id"
        )
    for value, pk in sorted(rows, key=lambda pair: pair[1]):
        found.setdefault(value, pk)
    return found


def _case_variants(values: set[str]) -> set[str]:
    """Stored addresses keep the local part's case (only the domain is lower-cased by the
    services): ask for the lower-cased form and the form with an upper-cased first letter."""
    out = set()
    for value in values:
        local, _at, domain = value.partition("@")
        out.add(value)
        out.add(f"{local[:1].upper()}{local[1:]}@{domain}")
    return out


# Runner -------------------------------------------------------------------------------------


def record_item(record: SourceRecord) -> tuple[NewContact, Any]:
    """The item ``contacts_create_many`` creates a record from, and the record's photo."""
    data, uid, extra, photo = _split(record)
    item = NewContact(data=data, uid=uid, vcard_extra=extra, organization=record.organization)
    return item, photo


def _split(record: SourceRecord) -> tuple[dict[str, Any], str | None, list[Any] | None, Any]:
    data = dict(record.data)
    uid = str(data.pop("uid", "") or "").strip() or record.external_id or None
    extra = data.pop("vcard_extra", None)
    photo = data.pop("photo", None)
    data.pop("_vcard_sources", None)
    return data, uid, extra, photo


_SALVAGEABLE = re.compile(r"^(emails|phones|urls|profiles|addresses)\.(\d+)(?:\.[a-z_]+)?$")
KIND_LABELS = {
    "emails": gettext_lazy("email"),
    "phones": gettext_lazy("phone"),
    "urls": gettext_lazy("web address"),
    "profiles": gettext_lazy("profile"),
    "addresses": gettext_lazy("address"),
}


@dataclass
class Salvage:
    """A record whose only problems are some emails, phones, URLs, profiles or addresses the
    services refuse: those entries are set aside and the person is imported without them,
    the refused values kept (verbatim in the vCard extras for a new person from a vCard, so an
    export writes them back; else appended to the notes) and named in the report."""

    data: dict[str, Any]
    extra: list[Any]
    message: str


def salvage(
    record: SourceRecord,
    data: dict[str, Any],
    fields: dict[str, str],
    *,
    into_extra: bool,
    current_notes: str = "",
    current_extra: list[Any] | None = None,
) -> Salvage | None:
    if not fields:
        return None
    bad: dict[str, dict[int, str]] = {}
    for name, message in fields.items():
        match = _SALVAGEABLE.match(name)
        if match is None:
            return None
        bad.setdefault(match.group(1), {})[int(match.group(2))] = f"{name}: {message}"
    data = dict(data)
    sources = record.data.get("_vcard_sources") or {}
    extra: list[Any] = []
    kept: list[str] = []
    for kind, indices in bad.items():
        rows = list(data.get(kind) or [])
        for index in sorted(indices):
            row = rows[index] if index < len(rows) else {}
            source = (
                (sources.get(kind) or [])[index] if index < len(sources.get(kind) or []) else None
            )
            if source is not None and source in (current_extra or []):
                continue  # kept verbatim by an earlier import of this card
            if into_extra and source is not None:
                extra.append(source)
            else:
                text = (
                    row.get("value")
                    if kind != "addresses"
                    else ", ".join(
                        str(row.get(part) or "") for part in ADDRESS_PARTS if row.get(part)
                    )
                )
                label = f" ({row['label']})" if row.get("label") else ""
                kept.append(f"{KIND_LABELS[kind]}{label}: {text}")
        data[kind] = [row for i, row in enumerate(rows) if i not in indices]
    if kept:
        note = _("Not imported (refused by validation): %(values)s") % {"values": "; ".join(kept)}
        notes = str(data.get("notes", current_notes) or "").rstrip()
        if note not in notes:  # a re-import of the same file changes nothing
            data["notes"] = f"{notes}\n\n{note}" if notes else note
    where = _("kept in the notes") if kept else _("kept in the vCard extras")
    reasons = "; ".join(text for indices in bad.values() for text in indices.values())
    message = _("Set aside (%(where)s): %(reasons)s") % {"where": where, "reasons": reasons}
    return Salvage(data=data, extra=extra, message=message)


class _Batch:
    """One batch of records processed in one transaction."""

    def __init__(self, job: Job, actor: User, caches: BatchCaches) -> None:
        self.job = job
        self.actor = actor
        self.caches = caches
        self.policy = job.params.get("on_duplicate", "create")
        self.key = job.params.get("match", "email")

    def run(self, records: list[SourceRecord], ready: pipeline.Ready | None = None) -> list[Any]:
        """The report rows of ``records``, written; ``ready`` holds items prepared ahead
        (``pipeline.prepare``) by line, for the records created."""
        self.ready = ready or {}
        rows: dict[int, Any] = {}
        good = []
        for record in records:
            if record.errors:
                rows[record.line] = self._row(record, Outcome.FAILED, "; ".join(record.errors))
            else:
                good.append(record)
        matches: dict[str, int] = {}
        if self.policy != "create":
            wanted = {value for record in good for value in _match_value(record, self.key)}
            matches = _find_matches(self.actor, self.key, wanted)
        to_create: list[SourceRecord] = []
        later: list[SourceRecord] = []
        pending: dict[str, int] = {}
        for record in good:
            values = _match_value(record, self.key) if self.policy != "create" else []
            existing = next((matches[v] for v in values if v in matches), None)
            first_line = next((pending[v] for v in values if v in pending), None)
            if existing is not None:
                rows[record.line] = self._existing(record, existing)
            elif first_line is not None:
                later.append(record)
            else:
                to_create.append(record)
                for value in values:
                    pending.setdefault(value, record.line)
        for record, row in zip(to_create, self._create(to_create), strict=True):
            rows[record.line] = row
        if later:
            # The same person twice in one batch: the first one is created above; the others
            # are matched against it like against any earlier record.
            wanted = {value for record in later for value in _match_value(record, self.key)}
            matches = _find_matches(self.actor, self.key, wanted)
            for record in later:
                existing = next(
                    (matches[v] for v in _match_value(record, self.key) if v in matches), None
                )
                if existing is None:
                    rows[record.line] = self._create([record])[0]
                else:
                    rows[record.line] = self._existing(record, existing)
        return [rows[record.line] for record in records]

    def _row(
        self,
        record: SourceRecord,
        outcome: str,
        message: str = "",
        *,
        contact: Contact | None = None,
        organization: Organization | None = None,
        affiliation: Affiliation | None = None,
        **kw: Any,
    ) -> Any:
        """The record's report row, for ``fast_insert``: a ``stand_in`` (nobody reads it back;
        a model instance with its four foreign keys cost more than the rest of the row)."""
        return stand_in(
            job_id=self.job.pk,
            line=record.line,
            outcome=str(outcome),
            message=message,
            contact_id=contact.pk if contact is not None else None,
            organization_id=organization.pk if organization is not None else None,
            affiliation_id=affiliation.pk if affiliation is not None else None,
            **kw,
        )

    def _create(self, records: list[SourceRecord]) -> list[Any]:
        items = []
        photos = []
        for record in records:
            item, photo = self.ready.get(record.line) or record_item(record)
            items.append(item)
            photos.append(photo)
        results = contacts_create_many(actor=self.actor, items=items, caches=self.caches)
        set_aside: dict[int, str] = {}
        retry: list[tuple[int, NewContact]] = []
        for index, (record, result) in enumerate(zip(records, results, strict=True)):
            if result.contact is not None:
                continue
            item = items[index]
            saved = salvage(record, item.data, result.error_fields, into_extra=True)
            if saved is not None:
                extra = [*(item.vcard_extra or []), *saved.extra] or None
                retry.append((index, NewContact(saved.data, item.uid, extra, item.organization)))
                set_aside[index] = saved.message
        if retry:
            again = contacts_create_many(
                actor=self.actor, items=[item for _i, item in retry], caches=self.caches
            )
            for (index, _item), result in zip(retry, again, strict=True):
                if result.contact is not None:
                    results[index] = result
                else:
                    set_aside.pop(index, None)
        rows = []
        for index, (record, result, photo) in enumerate(zip(records, results, photos, strict=True)):
            if result.contact is None:
                rows.append(self._row(record, Outcome.FAILED, result.error))
                continue
            contact = result.contact
            notes = [set_aside[index]] if index in set_aside else []
            notes += list(result.notes)
            if photo is not None:
                contact, note = self._photo(contact, photo)
                notes.extend(note)
            rows.append(
                self._row(
                    record,
                    Outcome.CREATED,
                    " ".join(notes),
                    contact=contact,
                    version=contact.version,
                    organization=result.organization_created,
                    affiliation=result.affiliation,
                )
            )
        return rows

    def _photo(self, contact: Contact, photo: Any) -> tuple[Contact, list[str]]:
        from django.core.files.base import ContentFile

        try:
            with transaction.atomic():
                contact = contact_set_photo(
                    actor=self.actor, contact=contact, photo=ContentFile(photo.data, name="photo")
                )
        except ValidationError as exc:
            return contact, [_("Photo not kept: %(reason)s") % {"reason": error_text(exc)}]
        return contact, []

    def _existing(self, record: SourceRecord, pk: int) -> Any:
        contact = Contact.objects.get(pk=pk)
        label = _("Matches %(name)s by %(key)s.") % {"name": contact.display_name, "key": self.key}
        if self.policy == "skip":
            return self._row(record, Outcome.SKIPPED, label, contact=contact)
        data, _uid, _extra, _photo = _split(record)
        if self.policy == "update":
            errors = contact_data_errors(data, current=contact)
            saved = (
                salvage(
                    record,
                    data,
                    errors,
                    into_extra=False,
                    current_notes=contact.notes,
                    current_extra=list(contact.vcard_extra or []),
                )
                if errors
                else None
            )
            if saved is not None:
                data = saved.data
                label = f"{label} {saved.message}"
        try:
            with transaction.atomic():
                if not Contact.objects.restrict(self.actor, Action.CHANGE).filter(pk=pk).exists():
                    raise PermissionDenied(_("You may not change this person."))
                same = contact_unchanged(contact, data)
                before = snapshot(contact)
                version = contact.version
                if not same:
                    contact = contact_update(actor=self.actor, contact=contact, data=data)
                organization, affiliation = self._link(contact, record)
                if affiliation is not None:
                    contact = Contact.objects.get(pk=pk)
        except (ValidationError, PermissionDenied) as exc:
            return self._row(record, Outcome.FAILED, error_text(exc), contact=contact)
        if contact.version == version:
            return self._row(record, Outcome.UNCHANGED, label, contact=contact)
        return self._row(
            record,
            Outcome.UPDATED,
            label,
            contact=contact,
            before=before,
            version=contact.version,
            organization=organization,
            affiliation=affiliation,
        )

    def _link(
        self, contact: Contact, record: SourceRecord
    ) -> tuple[Organization | None, Affiliation | None]:
        """Link an updated person to the record's organization unless already linked."""
        org_data = record.organization or {}
        name = " ".join(str(org_data.get("name") or "").split())
        if not name:
            return None, None
        org, created = organization_for(self.actor, name, self.caches)
        if Affiliation.objects.filter(contact=contact, organization=org).exists():
            return None, None
        values = {k: org_data[k] for k in ("title", "department") if org_data.get(k)}
        has_primary = Affiliation.objects.filter(contact=contact, is_primary=True).exists()
        aff = affiliation_create(
            actor=self.actor,
            contact=contact,
            organization=org,
            data={**values, "is_primary": not has_primary},
        )
        return (org if created else None), aff


def _count_records(params: dict[str, Any]) -> int | None:
    """The progress total: the cards of a vCard file; for a CSV file its lines after the
    header, an upper bound (a quoted cell may hold line breaks, and blank lines hold no
    record) that a success turns into the exact count; None when unknown (JSON, Excel)."""
    path = stored_path(params)
    if params.get("format") == "vcard":
        from rubrica.dataio.vcard_reader import count_cards

        return count_cards(path)
    if params.get("format") == "csv":
        return max(0, _count_lines(path) - 1)
    return None


def _count_lines(path: Path) -> int:
    """Lines of a text file, at least (LF, CRLF or old Mac CR line ends; a final line without
    a line break counts), read in blocks: a second for a million rows."""
    feeds = returns = 0
    last = b""
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            feeds += block.count(b"\n")
            returns += block.count(b"\r")
            last = block
    return max(feeds, returns) + (1 if last and not last.endswith((b"\n", b"\r")) else 0)


def counts(job: Job) -> dict[str, int]:
    """Rows per outcome (every outcome present, zero when none)."""
    found = dict(
        ImportRow.objects.filter(job=job)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    return {outcome: int(found.get(outcome, 0)) for outcome in Outcome.values}


def run_import(job: Job, progress: Progress) -> dict[str, Any]:
    """The runner of kind ``import`` (see the module docstring for its guarantees)."""
    actor = job.owner
    if job.params.get("reverted_by"):
        raise ValidationError(_("This import was reverted."))
    start_line = int(job.checkpoint.get("line", 0))
    total = _count_records(job.params)
    progress.set_total(total)
    done = ImportRow.objects.filter(job=job).count()
    progress.set_done(done)
    caches = BatchCaches()
    size = max(1, int(job.params.get("batch_size") or BATCH))
    path = stored_path(job.params)
    reader = pipeline.wanted(total, path.stat().st_size if path.is_file() else 0)
    with (
        pipeline.collected_between_batches(),
        pipeline.batches(
            job.params,
            actor.pk,
            start_line,
            size,
            reader=reader,
            open_reader=open_reader,
            record_item=record_item,
        ) as batches,
        _bounded_sqlite_memory(),
    ):
        # Tallied as rows are written, from the rows a resumed job wrote before: counting a
        # million report rows at the end read them all again, and on SQLite after the memory
        # map came back (the import's peak resident memory was that count).
        tally = counts(job) if done else dict.fromkeys(Outcome.values, 0)
        for batch, ready in batches:
            progress.raise_if_cancelled()
            with transaction.atomic():
                rows = _Batch(job, actor, caches).run(batch, ready)
                fast_insert(ImportRow, rows)
                progress.checkpoint({"line": batch[-1].line})
                for row in rows:
                    tally[row.outcome] += 1
                done += len(batch)
                progress.set_done(done)
            del batch, ready, rows  # before the collector's pass, which would traverse them
            pipeline.collect()
    progress.set_total(done)  # a CSV's total was its line count, an upper bound
    return {"counts": tally, "lines": done}


#: SQLite page cache of the connection while an import writes (see below). The app's 64 MB
#: was measured (docs/benchmarks.md): over a million-row import no faster (the statements
#: save what the larger commits cost), for 50 MB more.
IMPORT_SQLITE_CACHE_KIB = 16_384
#: WAL pages after which a commit copies them back into the database file, while an import
#: writes (SQLite's default is 1,000): the indexes an import grows are rewritten batch after
#: batch, and each checkpoint copied their pages again (a third of the commit time).
IMPORT_SQLITE_CHECKPOINT_PAGES = 20_000


@contextlib.contextmanager
def _bounded_sqlite_memory() -> Iterator[None]:
    """On SQLite, for the import's duration: no memory map and a 16 MB page cache, and WAL
    checkpoints every 20,000 pages (80 MB of WAL file on disk, not in memory). The app's
    connection maps up to 256 MB of the file and caches 64 MB: good for reading, but an import
    touches every page of a growing file, and those pages count in the process's resident
    memory (334 MB at 200,000 rows). The previous values come back afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA mmap_size")
        mmap_row = cursor.fetchone()  # no row: an in-memory database, which maps nothing
        cursor.execute("PRAGMA cache_size")
        cache_size = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA wal_autocheckpoint")
        checkpoint = int(cursor.fetchone()[0])
        mmap_size = int(mmap_row[0]) if mmap_row else 0
        cursor.execute("PRAGMA mmap_size = 0")
        cursor.execute(f"PRAGMA cache_size = -{IMPORT_SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {IMPORT_SQLITE_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA mmap_size = {mmap_size}")
            cursor.execute(f"PRAGMA cache_size = {cache_size}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {checkpoint}")


# Report -------------------------------------------------------------------------------------

REPORT_HEADER = ("line", "outcome", "record", "message")


def report_rows(job: Job, base_url: str = "") -> Iterator[tuple[str, str, str, str]]:
    rows = ImportRow.objects.filter(job=job).order_by("line")
    for line, outcome, contact_id, message in rows.values_list(
        "line", "outcome", "contact_id", "message"
    ).iterator(chunk_size=2000):
        link = f"{base_url}{reverse('contacts:detail', args=[contact_id])}" if contact_id else ""
        yield str(line), str(outcome), link, _neutral(message)


def _neutral(text: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ (or a tab/CR) is prefixed
    with an apostrophe so that spreadsheets show it as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_report(job: Job, out: IO[str], base_url: str = "") -> None:
    writer = csv.writer(out)
    writer.writerow(REPORT_HEADER)
    writer.writerows(report_rows(job, base_url))


def report_csv(job: Job, base_url: str = "") -> str:
    buffer = io.StringIO()
    write_report(job, buffer, base_url)
    return buffer.getvalue()


# Revert -------------------------------------------------------------------------------------


def import_revert(*, actor: User, job: Job, enqueue: bool = True) -> Job:
    """Start undoing import ``job`` (kind ``import_revert``). Only its owner (or an
    administrator) may, once it is no longer running, and only once."""
    found = Job.objects.restrict(actor, "change").filter(pk=job.pk, kind="import").first()
    if found is None:
        raise PermissionDenied(_("You cannot revert this import."))
    if found.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        raise ValidationError({"status": _("Wait until the import has stopped.")})
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=found.pk)
        if locked.params.get("reverted_by"):
            raise ValidationError({"status": _("This import is already reverted.")})
        title = _("Revert of %(title)s") % {"title": locked.title}
        revert = job_create(
            actor=actor,
            kind="import_revert",
            title=title,
            params={"import_job": locked.pk},
            enqueue=enqueue,
        )
        locked.params = {**locked.params, "reverted_by": revert.pk}
        locked.save(update_fields=["params"])
    return revert


def run_import_revert(job: Job, progress: Progress) -> dict[str, Any]:
    """Undo an import row by row (see the module docstring), in checkpointed batches."""
    actor = job.owner
    source = Job.objects.get(pk=job.params["import_job"])
    pending = ImportRow.objects.filter(
        job=source, reverted=False, outcome__in=[Outcome.CREATED, Outcome.UPDATED]
    ).order_by("-line")
    progress.set_total(pending.count() + int(job.checkpoint.get("done", 0)))
    done = int(job.checkpoint.get("done", 0))
    tally = {"trashed": 0, "restored": 0, "kept": 0, **job.checkpoint.get("tally", {})}
    kept: list[dict[str, Any]] = list(job.checkpoint.get("kept", []))
    while True:
        progress.raise_if_cancelled()
        rows = list(pending.select_related("contact")[:100])
        if not rows:
            break
        with transaction.atomic():
            for row in rows:
                reason = _revert_row(actor, row)
                if reason:
                    tally["kept"] += 1
                    if len(kept) < 1000:
                        kept.append({"line": row.line, "contact": row.contact_id, "reason": reason})
                else:
                    tally["trashed" if row.outcome == Outcome.CREATED else "restored"] += 1
                row.reverted = True
            ImportRow.objects.bulk_update(rows, ["reverted"])
            done += len(rows)
            progress.checkpoint({"done": done, "tally": tally, "kept": kept})
            progress.set_done(done)
    with transaction.atomic():
        tally["organizations_trashed"] = _revert_organizations(actor, source)
    return {"import_job": source.pk, **tally, "kept_rows": kept}


def _revert_row(actor: User, row: ImportRow) -> str:
    """Undo one row; returns why it was left alone ("" when undone)."""
    contact = Contact.all_objects.filter(pk=row.contact_id).first() if row.contact_id else None
    if contact is None:
        return _("The person no longer exists.")
    if contact.version != row.version:
        return _("Changed since the import (version %(now)d, the import left %(then)s).") % {
            "now": contact.version,
            "then": row.version,
        }
    try:
        with transaction.atomic():
            if row.outcome == Outcome.CREATED:
                if contact.deleted_at is None:
                    contact_delete(actor=actor, contact=contact)
                return ""
            if contact.deleted_at is not None:
                return _("The person is in the Trash.")
            if row.affiliation_id:
                aff = Affiliation.objects.filter(pk=row.affiliation_id).first()
                if aff is not None:
                    affiliation_delete(actor=actor, affiliation=aff)
                    contact = Contact.objects.get(pk=contact.pk)
            before = dict(row.before or {})
            current_keys = set(contact.custom_fields)
            before["custom_fields"] = {
                **dict.fromkeys(current_keys),
                **(before.get("custom_fields") or {}),
            }
            contact_update(actor=actor, contact=contact, data=before, action=HistoryAction.REVERT)
    except (ValidationError, PermissionDenied) as exc:
        return error_text(exc)
    return ""


def _revert_organizations(actor: User, source: Job) -> int:
    """Organizations the import created go to the Trash when no person outside the Trash is
    linked to them any more."""
    count = 0
    ids = (
        ImportRow.objects.filter(job=source, organization__isnull=False)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for org in Organization.objects.filter(pk__in=list(ids)):
        linked = Affiliation.objects.filter(
            organization=org, contact__deleted_at__isnull=True
        ).exists()
        if linked:
            continue
        try:
            with transaction.atomic():
                organization_delete(actor=actor, organization=org)
            count += 1
        except (ValidationError, PermissionDenied):
            continue
    return count
