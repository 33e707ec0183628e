"""Starting an import and its revert: the options checked, the jobs created.

``import_start`` creates the job (kind ``import``, run by ``runner.run_import``) for a stored
upload and the options chosen (format, duplicate policy and match key, encoding, column
mapping); ``import_revert`` starts a job (kind ``import_revert``, run by
``revert.run_import_revert``) that undoes what an import did. Web, API and CLI alike call these.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.core.policies import Action, can
from rubrica.dataio.imports.uploads import StoredUpload, stored_path
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_create

FORMATS = ("vcard", "csv", "xlsx", "json")
POLICIES = ("create", "update", "skip")
MATCH_KEYS = ("uid", "email", "phone", "external_id")


def clean_options(options: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    fmt = options.get("format")
    if fmt not in FORMATS:
        errors["format"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(FORMATS)}
    policy = options.get("on_duplicate") or "update"
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
    if not can(actor, "people", Action.IMPORT):
        raise PermissionDenied(_("Your roles do not allow importing people."))
    params = clean_options(
        {**options, "file": upload.path, "filename": upload.filename, "format": upload.format}
        if not options.get("format")
        else {**options, "file": upload.path, "filename": upload.filename}
    )
    errors = _columns_past_the_header(params)
    if errors:
        raise ValidationError(errors)
    title = _("Import of %(name)s") % {"name": upload.filename}
    with transaction.atomic():
        job = job_create(actor=actor, kind="import", title=title, params=params, enqueue=enqueue)
        audit.record(
            actor,
            AuditAction.IMPORT_START,
            job,
            {"filename": upload.filename, "format": params.get("format")},
        )
    return job


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


def import_job(actor: User, pk: int, action: str = "view") -> Job:
    """An import job the actor may see (404-style DoesNotExist otherwise)."""
    job: Job = Job.objects.restrict(actor, action).get(pk=pk, kind="import")
    return job


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
        audit.record(actor, AuditAction.IMPORT_REVERT, locked, {"revert_job": revert.pk})
    return revert
