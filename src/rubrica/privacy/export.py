"""Everything Rubrica holds about one person, in one ZIP (ADR 0032): ``person.json`` (their
fields, consent, custom fields, tags, history, timeline, tasks, appointments, mail filed on
them, duplicate decisions, merges), ``person.vcf`` (the dataio vCard codec) and their
documents' files (every version), for a subject access request.

Every part is read through ``restrict(actor, "view")``: the archive holds what the exporter may
see and nothing more (an administrator sees everything). Exporting needs the right to change
the person (answering such a request is an act on the record, not a read) and is audited with
the person's id, not their name."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import zipfile
from typing import IO, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.calendars.models import Appointment
from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.services import ensure_can
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import field_access, present_changes
from rubrica.dataio.exporting import contact_vcard, export_data
from rubrica.dataio.related_export import related_of
from rubrica.dedup.models import DuplicatePair
from rubrica.documents.models import Document, DocumentVersion
from rubrica.documents.services import clean_filename
from rubrica.documents.storage import documents_storage
from rubrica.history.models import HistoryEntry
from rubrica.mail.models import MailMessage
from rubrica.merges.models import Merge
from rubrica.organizations.selectors import visible_organization_ids

FORMAT = "rubrica-person"
VERSION = 1
EXPORT_ACTION = "privacy.export"


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def person_data(*, actor: User, contact: Contact) -> dict[str, Any]:
    """The JSON part of the export: what ``actor`` may see about ``contact``."""
    pk = contact.pk
    visible_orgs = visible_organization_ids(
        actor, (a.organization_id for a in contact.affiliations.all())
    )
    access = field_access(actor, Entity.CONTACT)
    person = export_data(
        contact,
        visible_organizations=set(visible_orgs),
        access=access,  # protected fields as the pages show them
    )
    person.update(
        email_consent_at=contact.email_consent_at,
        email_consent_source=contact.email_consent_source,
        sms_consent_at=contact.sms_consent_at,
        sms_consent_source=contact.sms_consent_source,
        consent_by_purpose=[
            {
                "purpose": answer.purpose.key,
                "channel": answer.channel,
                "state": answer.state,
                "at": answer.at,
                "source": answer.source,
            }
            for answer in contact.purpose_consents.select_related("purpose")
        ],
        last_interaction_at=contact.last_interaction_at,
        deleted_at=contact.deleted_at,
    )
    history = [
        {
            "at": entry.at,
            "action": entry.action,
            "by": entry.actor.get_username() if entry.actor else None,
            "version": entry.version,
            "changes": present_changes(access, entry.changes),
        }
        for entry in HistoryEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Contact), object_id=pk
        )
        .select_related("actor")
        .order_by("at", "id")
    ]
    related = related_of(actor, [pk])[pk]
    appointments = [
        {
            "uid": str(a.uid),
            "title": a.title,
            "start": a.start,
            "end": a.end,
            "location": a.location,
            "description": a.description,
        }
        for a in Appointment.objects.restrict(actor, Action.VIEW)
        .filter(attendees__contact_id=pk)
        .distinct()
        .order_by("start", "id")
    ]
    mail = [
        {
            "message_id": m.message_id,
            "direction": m.direction,
            "from": m.sender,
            "subject": m.subject,
            "date": m.sent_at,
            "text": m.body,
            "participants": [
                {"role": p.role, "address": p.address, "name": p.name} for p in m.participants.all()
            ],
        }
        for m in MailMessage.objects.restrict(actor, Action.VIEW)
        .filter(participants__contact_id=pk)
        .distinct()
        .prefetch_related("participants")
        .order_by("sent_at", "id")
    ]
    visible = Contact.all_objects.restrict(actor, Action.VIEW).values("pk")
    pairs = [
        {
            "other_person": p.contact_b_id if p.contact_a_id == pk else p.contact_a_id,
            "score": str(p.score),
            "status": p.status,
            "decided_at": p.decided_at,
        }
        for p in DuplicatePair.objects.filter(
            (models.Q(contact_a_id=pk) & models.Q(contact_b__in=visible))
            | (models.Q(contact_b_id=pk) & models.Q(contact_a__in=visible))
        ).order_by("id")
    ]
    merges = [
        {"at": m.at, "kept": m.survivor_id, "merged": m.merged_id, "undone_at": m.undone_at}
        for m in Merge.objects.filter(
            (models.Q(survivor_id=pk) & models.Q(merged__in=visible))
            | (models.Q(merged_id=pk) & models.Q(survivor__in=visible))
        ).order_by("at", "id")
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now(),
        "exported_by": actor.get_username(),
        "person": person,
        "history": history,
        "activities": related["activities"],
        "tasks": related["tasks"],
        "documents": related["documents"],
        "appointments": appointments,
        "mail": mail,
        "duplicates": pairs,
        "merges": merges,
    }


def _document_versions(actor: User, contact: Contact) -> list[DocumentVersion]:
    documents = Document.objects.restrict(actor, Action.VIEW).filter(contact_id=contact.pk)
    return list(
        DocumentVersion.objects.filter(document__in=documents).order_by("document_id", "number")
    )


def person_export(*, actor: User, contact: Contact) -> IO[bytes]:
    """The ZIP, written to a temporary file and rewound; raises PermissionDenied (and records
    nothing) unless ``actor`` may change the person."""
    ensure_can(actor, contact, Action.CHANGE)
    data = person_data(actor=actor, contact=contact)
    versions = _document_versions(actor, contact)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned)
    storage = documents_storage()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "person.json",
            json.dumps(data, default=_default, ensure_ascii=False, indent=2, sort_keys=True),
        )
        archive.writestr("person.vcf", contact_vcard(contact, viewer=actor))
        for version in versions:
            name = clean_filename(version.original_name) or "file"
            path = f"documents/{version.document_id}/v{version.number}-{name}"
            try:
                with storage.open(version.stored_name, "rb") as handle:
                    archive.writestr(path, handle.read())
            except OSError:
                continue  # a file missing from storage: the JSON still describes it
    audit.record(
        actor,
        EXPORT_ACTION,
        details={"person_id": contact.pk, "documents": len(versions)},
    )
    out.seek(0)
    return out


def export_filename(contact: Contact) -> str:
    return f"person-{contact.pk}-{timezone.now():%Y%m%d}.zip"
