"""The revert job's runner (kind ``import_revert``, started by ``services.import_revert``): undo
an import row by row, in checkpointed batches.

Decision, following "Nothing is lost": people the import created go to the Trash (not deleted for
good: the Trash keeps them restorable and their history says who moved them); people it updated
get their earlier snapshot back through ``contact_update`` (one REVERT history entry), but only
while they are still at the version the import left them at: a person changed since is left
alone and reported; affiliations it created are deleted through ``affiliation_delete`` and
organizations it created go to the Trash when nobody else is linked to them. Organizations of a
JSON document it updated get the fields it changed back, under the same version rule.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.activities.models import Activity
from rubrica.activities.services import activity_delete
from rubrica.contacts.bulk import contacts_trash_many, error_text
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_delete, contact_update, purpose_answers_restore
from rubrica.contacts.types import ContactInput
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import open_builtins
from rubrica.dataio.models import ImportOrganization, ImportRow, Outcome
from rubrica.history.models import HistoryAction
from rubrica.jobs.models import Job
from rubrica.jobs.services import Progress
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.services import (
    affiliation_delete,
    organization_delete,
    organization_update,
)
from rubrica.organizations.types import OrganizationInput

#: Report rows undone per transaction (and checkpoint).
BATCH = 1000


def run_import_revert(job: Job, progress: Progress) -> dict[str, Any]:
    """Undo an import (see the module docstring), in checkpointed batches of ``BATCH`` rows.

    In each batch the people the import updated get their snapshot back one by one (through
    ``contact_update``, newest line first), then the people it created go to the Trash
    together (``contacts.bulk.contacts_trash_many``: a few statements for the whole batch, the
    same checks: permission, and only people still at the version the import left them at).
    Updates first: a person created and then updated by the same file is left alone, as
    row by row from the last line."""
    actor = job.owner
    source = Job.objects.get(pk=job.params["import_job"])
    pending = ImportRow.objects.filter(
        job=source, reverted=False, outcome__in=[Outcome.CREATED, Outcome.UPDATED]
    ).order_by("-line")
    progress.set_total(pending.count() + int(job.checkpoint.get("done", 0)))
    done = int(job.checkpoint.get("done", 0))
    tally = {
        "trashed": 0,
        "restored": 0,
        "kept": 0,
        "activities_trashed": 0,
        **job.checkpoint.get("tally", {}),
    }
    kept: list[dict[str, Any]] = list(job.checkpoint.get("kept", []))

    def keep(row: ImportRow, reason: str) -> None:
        tally["kept"] += 1
        if len(kept) < 1000:
            kept.append({"line": row.line, "contact": row.contact_id, "reason": reason})

    while True:
        progress.raise_if_cancelled()
        rows = list(pending.select_related("contact")[:BATCH])
        if not rows:
            break
        with transaction.atomic():
            created = [row for row in rows if row.outcome == Outcome.CREATED]
            undone: list[ImportRow] = []  # their timelines' imported activities go too
            for row in rows:
                if row.outcome == Outcome.UPDATED:
                    reason = _revert_row(actor, row)
                    if reason:
                        keep(row, reason)
                    else:
                        tally["restored"] += 1
                        undone.append(row)
            versions = {row.contact_id: int(row.version or 0) for row in created if row.contact_id}
            left = contacts_trash_many(actor=actor, versions=versions)
            for row in created:
                if row.contact_id is None:
                    keep(row, _("The person no longer exists."))
                elif row.contact_id in left:
                    keep(row, left[row.contact_id])
                else:
                    tally["trashed"] += 1
                    undone.append(row)
            tally["activities_trashed"] += _revert_activities(actor, undone)
            ImportRow.objects.filter(pk__in=[row.pk for row in rows]).update(reverted=True)
            done += len(rows)
            progress.checkpoint({"done": done, "tally": tally, "kept": kept}, done=done)
    with transaction.atomic():
        tally["organizations_restored"], organizations_kept = _restore_organizations(actor, source)
        tally["organizations_trashed"] = _revert_organizations(actor, source, organizations_kept)
    return {
        "import_job": source.pk,
        **tally,
        "kept_rows": kept,
        "kept_organizations": organizations_kept,
    }


def _revert_activities(actor: User, rows: list[ImportRow]) -> int:
    """The activities the rows created on their people's timelines go to the Trash (through
    ``activity_delete``; the Trash keeps them restorable, edited since or not: the import made
    them, as it made the people), for the rows actually undone (a person kept because changed
    since keeps their timeline)."""
    ids = [pk for row in rows for pk in (row.activities or [])]
    count = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for activity in Activity.objects.filter(pk__in=chunk, deleted_at__isnull=True):
            try:
                with transaction.atomic():
                    activity_delete(actor=actor, activity=activity)
                count += 1
            except (ValidationError, PermissionDenied):
                continue
    return count


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
            # notes kept sealed in the report row while marked sensitive (ADR 0034)
            before = open_builtins(Entity.CONTACT, dict(row.before or {}))
            answers = before.pop("purpose_answers", None)
            left = before.pop("purpose_answers_left", None)
            current_keys = set(contact.custom_fields)
            before["custom_fields"] = {
                **dict.fromkeys(current_keys),
                **(before.get("custom_fields") or {}),
            }
            contact_update(  # the row's snapshot() before the import: ContactInput's fields
                actor=actor,
                contact=contact,
                data=cast(ContactInput, before),
                action=HistoryAction.REVERT,
                # puts back exactly what was stored, protected fields too (ADR 0027)
                enforce_field_protection=False,
            )
            if answers is not None:  # the answers per purpose it changed (JSON imports)
                later = purpose_answers_restore(
                    actor=actor, contact=contact, answers=answers, left=left
                )
                if later:
                    return _("Restored, but for the answers given since the import: %(pairs)s.") % {
                        "pairs": ", ".join(later)
                    }
    except (ValidationError, PermissionDenied) as exc:
        return error_text(exc)
    return ""


def _restore_organizations(actor: User, source: Job) -> tuple[int, list[dict[str, Any]]]:
    """Organizations of a JSON document the import updated get the fields it changed back, last
    line first, while they are still at the version the import left them at (an organization
    named on several lines is undone line by line). Those the same import created are left to
    :func:`_revert_organizations`. Returns how many were restored, and the ones left alone
    with why (by their line in the document)."""
    restored = 0
    kept: list[dict[str, Any]] = []
    created = set(
        ImportOrganization.objects.filter(job=source, outcome=Outcome.CREATED).values_list(
            "organization_id", flat=True
        )
    )
    rows = ImportOrganization.objects.filter(
        job=source, reverted=False, outcome=Outcome.UPDATED, organization__isnull=False
    ).exclude(organization_id__in=created)
    undone: set[int] = set()  # organizations already taken back to an earlier line's result
    for row in rows.order_by("-line"):
        # read afresh: an earlier (later-line) row of the same organization changed it
        org = Organization.objects.filter(pk=row.organization_id or 0).first()
        if org is None:
            continue
        reason = ""
        if org.pk not in undone and org.version != row.version:
            reason = _("Changed since the import (version %(now)d, the import left %(then)s).") % {
                "now": org.version,
                "then": row.version,
            }
        else:
            before = open_builtins(Entity.ORGANIZATION, dict(row.before or {}))
            if "custom_fields" in before:  # a custom field the import added goes too
                before["custom_fields"] = {
                    **dict.fromkeys(org.custom_fields),
                    **(before["custom_fields"] or {}),
                }
            try:
                with transaction.atomic():
                    organization_update(
                        actor=actor,
                        organization=org,
                        data=cast(OrganizationInput, before),
                        action=HistoryAction.REVERT,
                    )
                undone.add(org.pk)
            except (ValidationError, PermissionDenied) as exc:
                reason = error_text(exc)
        if reason:
            kept.append(
                {"line": f"organizations.{row.line}", "organization": org.pk, "reason": reason}
            )
        else:
            restored += 1
        ImportOrganization.objects.filter(pk=row.pk).update(reverted=True)
    return restored, kept


def _revert_organizations(
    actor: User, source: Job, kept: list[dict[str, Any]] | None = None
) -> int:
    """Organizations the import created go to the Trash when no person outside the Trash is
    linked to them any more (and, for those of a JSON document, while no one changed them
    since the import's last line naming them; one changed is added to ``kept``)."""
    count = 0
    ids = set(
        ImportRow.objects.filter(job=source, organization__isnull=False).values_list(
            "organization_id", flat=True
        )
    )
    rows = ImportOrganization.objects.filter(job=source, organization__isnull=False)
    last: dict[int, tuple[int, int | None]] = {}  # organization -> (line, version) of its last row
    created: dict[int, int] = {}
    for pk, line, outcome, version in rows.values_list(
        "organization_id", "line", "outcome", "version"
    ):
        if outcome == Outcome.CREATED:
            created[pk] = line
        if version is not None and (pk not in last or line > last[pk][0]):
            last[pk] = (line, version)
    versions = dict(Organization.objects.filter(pk__in=list(created)).values_list("pk", "version"))
    for pk, line in created.items():
        left = last.get(pk, (line, None))[1]
        if pk not in versions:
            continue
        if left is None or versions[pk] == left:
            ids.add(pk)
        elif kept is not None:
            reason = _("Changed since the import (version %(now)d, the import left %(then)s).") % {
                "now": versions[pk],
                "then": left,
            }
            kept.append({"line": f"organizations.{line}", "organization": pk, "reason": reason})
    rows.filter(outcome=Outcome.CREATED).update(reverted=True)
    for org in Organization.objects.filter(pk__in=sorted(ids)):
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
