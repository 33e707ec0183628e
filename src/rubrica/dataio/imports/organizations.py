"""The organizations of an imported Rubrica JSON document (its ``organizations`` array), brought
in before its people so that their affiliations link to them whole: website, phones, addresses,
custom fields and all, not only a name.

Each organization is matched by UID, then by name, among those the importer may see: none
matches → created through ``organization_create`` (keeping its UID when free); one matches →
updated with the document's values under the policy ``update`` (when the importer may change
it), left alone under ``skip`` and ``create`` (a second organization of the same name would only
split the people's affiliations). Owner and team are the importer's, as for people; parents are
set by name once every organization is in. A value the services refuse is set aside, kept in the
notes and named in the report; one bad value never costs the organization.

Each organization's outcome is an ``ImportOrganization`` row, written in batches with the
organizations they describe (a resumed import skips the ones written), read by the report and
by the revert.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.contacts.bulk import BatchCaches, error_text
from rubrica.core.models import Action
from rubrica.core.services import ADDRESS_PARTS
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import seal_builtins
from rubrica.dataio.imports.uploads import stored_path
from rubrica.dataio.jsonio import JsonReader, OrganizationRecord
from rubrica.dataio.models import ImportOrganization, Outcome
from rubrica.dataio.records import keep_in_notes
from rubrica.jobs.models import Job
from rubrica.jobs.services import Progress
from rubrica.organizations.models import Organization
from rubrica.organizations.selectors import organizations_named
from rubrica.organizations.services import (
    organization_create,
    organization_update,
    snapshot,
)
from rubrica.organizations.types import OrganizationInput

BATCH = 500
#: Fields whose refusal costs the organization (it cannot be one without them, or they are
#: where set-aside values go).
_ESSENTIAL = frozenset({"name", "notes"})


def import_organizations(job: Job, actor: User, caches: BatchCaches, progress: Progress) -> None:
    """Bring in the organizations of the job's JSON document (nothing for other formats)."""
    if job.params.get("format") != "json":
        return
    done = ImportOrganization.objects.filter(job=job).count()
    policy = str(job.params.get("on_duplicate", "update"))
    parents: dict[int, str] = {}
    batch: list[OrganizationRecord] = []
    for record in _records(job):
        if record.line <= done:
            if record.parent_name:
                parents[record.line] = record.parent_name
            continue
        batch.append(record)
        if len(batch) >= BATCH:
            _write(job, actor, caches, policy, batch, parents)
            progress.raise_if_cancelled()
            batch = []
    if batch:
        _write(job, actor, caches, policy, batch, parents)
    _link_parents(job, actor, parents)


def _records(job: Job) -> Iterator[OrganizationRecord]:
    with open(stored_path(job.params), "rb") as handle:
        try:
            yield from JsonReader(handle).organizations()
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


def _write(
    job: Job,
    actor: User,
    caches: BatchCaches,
    policy: str,
    batch: list[OrganizationRecord],
    parents: dict[int, str],
) -> None:
    with transaction.atomic():
        rows = []
        for record in batch:
            row = _one(actor, policy, record)
            row.job = job
            rows.append(row)
            if row.organization is not None:
                key = " ".join(row.organization.name.split()).casefold()
                caches.remember(caches.organizations, key, row.organization)
                if record.parent_name:
                    parents[record.line] = record.parent_name
        ImportOrganization.objects.bulk_create(rows)


def _one(actor: User, policy: str, record: OrganizationRecord) -> ImportOrganization:
    line = record.line
    if record.errors:
        return ImportOrganization(
            line=line, outcome=Outcome.FAILED, message="; ".join(record.errors)
        )
    visible = Organization.objects.restrict(actor, Action.VIEW)
    name = " ".join(str(record.data["name"]).split())
    found = visible.filter(uid=record.uid).first() if record.uid else None
    how = _("UID") if found is not None else _("name")
    if found is None:
        found = organizations_named(visible, name).first()
    try:
        if found is None:
            org, note, _written = _saved(
                record.data,
                lambda data: organization_create(actor=actor, data=data, uid=record.uid or None),
            )
            return ImportOrganization(
                line=line,
                outcome=Outcome.CREATED,
                organization=org,
                message=note,
                version=org.version,
            )
        label = _("Matches %(name)s by %(key)s.") % {"name": found.name, "key": how}
        if policy != "update":
            return ImportOrganization(
                line=line, outcome=Outcome.SKIPPED, organization=found, message=label
            )
        if not Organization.objects.restrict(actor, Action.CHANGE).filter(pk=found.pk).exists():
            raise PermissionDenied(_("You may not change this organization."))
        current = snapshot(found)
        version = found.version
        org, note, written = _saved(
            record.data,
            lambda data: organization_update(actor=actor, organization=found, data=data),
            current_notes=found.notes,
        )
    except (ValidationError, PermissionDenied) as exc:
        return ImportOrganization(
            line=line, outcome=Outcome.FAILED, organization=found, message=error_text(exc)
        )
    message = f"{label} {note}".strip()
    if org.version == version:
        return ImportOrganization(
            line=line, outcome=Outcome.UNCHANGED, organization=org, message=message
        )
    return ImportOrganization(
        line=line,
        outcome=Outcome.UPDATED,
        organization=org,
        message=message,
        # the fields it wrote as they were (the notes too when a value was set aside), sealed
        # like the organization's own column while notes are sensitive (ADR 0034)
        before=seal_builtins(
            Entity.ORGANIZATION, {name: current[name] for name in written if name in current}
        ),
        version=org.version,
    )


def _saved(
    data: dict[str, Any], write: Any, *, current_notes: str = ""
) -> tuple[Organization, str, list[str]]:
    """``write(data)``; when the services refuse some values, once more without them (kept in
    the notes). Returns the organization, the note saying what was set aside and the names of
    the fields written."""
    try:
        with transaction.atomic():
            return write(cast(OrganizationInput, data)), "", list(data)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        fields = {name: str(messages[0]) for name, messages in exc.message_dict.items()}
        kept_data = _set_aside(data, fields, current_notes)
        if kept_data is None:
            raise
    with transaction.atomic():
        org = write(cast(OrganizationInput, kept_data))
    reasons = "; ".join(f"{name}: {message}" for name, message in fields.items())
    note = _("Set aside (%(where)s): %(reasons)s") % {
        "where": _("kept in the notes"),
        "reasons": reasons,
    }
    return org, note, list(kept_data)


def _set_aside(
    data: dict[str, Any], fields: dict[str, str], current_notes: str
) -> dict[str, Any] | None:
    """``data`` without the refused values, kept in its notes; None when a refusal cannot be
    set aside (the name, the notes)."""
    data = dict(data)
    kept: list[str] = []
    rows: dict[str, set[int]] = {}
    for name in fields:
        head, _dot, rest = name.partition(".")
        if head in _ESSENTIAL:
            return None
        if head in ("phones", "addresses"):
            if not rest.split(".")[0].isdigit():
                return None  # the whole list refused (too many entries): not one value
            rows.setdefault(head, set()).add(int(rest.split(".")[0]))
        elif head == "custom_fields" and rest in (data.get("custom_fields") or {}):
            custom = dict(data["custom_fields"])
            kept.append(f"{rest}: {custom.pop(rest)}")
            data["custom_fields"] = custom
        elif head in data and head != "custom_fields":
            value = data.pop(head)
            text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            kept.append(f"{head}: {text}")
        else:
            return None
    for kind, indices in rows.items():
        entries = list(data.get(kind) or [])
        for index in sorted(indices):
            if index < len(entries):
                row = entries[index]
                text = (
                    row.get("value")
                    if kind == "phones"
                    else ", ".join(str(row.get(p) or "") for p in ADDRESS_PARTS if row.get(p))
                )
                kept.append(f"{kind}: {text}")
        data[kind] = [row for i, row in enumerate(entries) if i not in indices]
    keep_in_notes(data, kept, current_notes)
    return data


def _link_parents(job: Job, actor: User, parents: dict[int, str]) -> None:
    """Each organization this import created or updated without a parent gets the one its
    document names, when the importer may see one of that name (not itself)."""
    if not parents:
        return
    rows = ImportOrganization.objects.filter(
        job=job,
        line__in=list(parents),
        outcome__in=[Outcome.CREATED, Outcome.UPDATED],
        organization__isnull=False,
        organization__parent__isnull=True,
    ).select_related("organization")
    visible = Organization.objects.restrict(actor, Action.VIEW)
    for row in rows:
        org = row.organization
        if org is None:  # filtered above
            continue
        parent = organizations_named(visible, parents[row.line]).exclude(pk=org.pk).first()
        if parent is None:
            continue
        try:
            with transaction.atomic():
                updated = organization_update(
                    actor=actor, organization=org, data={"parent": parent.pk}
                )
                if row.outcome == Outcome.UPDATED:
                    before = dict(row.before or {})
                    before.setdefault("parent", None)
                    ImportOrganization.objects.filter(pk=row.pk).update(
                        before=before, version=updated.version
                    )
                else:
                    ImportOrganization.objects.filter(pk=row.pk).update(version=updated.version)
        except (ValidationError, PermissionDenied):
            continue
