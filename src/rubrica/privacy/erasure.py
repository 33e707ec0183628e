"""Erasure of one person (ADR 0032): what will go (``erasure_preview``, the confirmation page's
counts) and the erasure itself (``contact_erase``).

The person's own row is anonymised by ``contacts.services.contact_anonymise``. Around it, what
is only about them goes for good: their documents with their files, the activities and mail
whose only person they are, their mail queue, attendances, duplicate pairs, merges (so no undo
brings them back), import rows, data-quality changes, cadence and affiliations. What they share
with other people stays, without them: they are unlinked, and every occurrence of their names,
addresses and numbers in its text and in its history is replaced by ``REDACTED``. One audit
entry and one ``Erasure`` row record it, with counts and the person's id, never a value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from rubrica import search
from rubrica.accounts.models import User
from rubrica.activities.models import Activity, ActivityPerson, KeepInTouch
from rubrica.audit import services as audit
from rubrica.calendars.models import Appointment, Attendee
from rubrica.contacts.models import Contact, ContactPhone, PurposeConsent
from rubrica.contacts.services import contact_anonymise
from rubrica.core import sealing
from rubrica.core.policies import Action, Level, grant_level, level_q, signed_in
from rubrica.dataio.models import ImportRow
from rubrica.dedup.models import DuplicatePair
from rubrica.documents.models import Document, DocumentVersion
from rubrica.documents.storage import documents_storage
from rubrica.history.models import HistoryEntry
from rubrica.mail.models import BouncedAddress, MailMessage, MailParticipant, OutgoingMail
from rubrica.merges.models import Merge
from rubrica.notifications.models import Notification
from rubrica.organizations.models import Affiliation
from rubrica.privacy.models import Erasure
from rubrica.quality.models import CleaningChange
from rubrica.search import registry as search_registry
from rubrica.tasks.models import Task

#: What replaces an erased value inside text shared with other people.
REDACTED = "[…]"
ERASE_ACTION = "privacy.erase"
#: Values shorter than this are not searched for inside shared text (a two-letter given name
#: would blank every word it occurs in).
MIN_NEEDLE = 3


def may_erase(user: User, contact: Contact | None = None) -> bool:
    """Whether ``user``'s roles grant erasing people (ADR 0035: the grant "erase" on people;
    Administrator all, every other shipped role none) and, given ``contact``, whether its level
    reaches that person (owner, team and visibility as for the other actions; shares do not
    count: erasing is not changing)."""
    person = signed_in(user)
    if person is None:
        return False
    level = grant_level(person, "people", Action.ERASE)
    if level == Level.NONE:
        return False
    if contact is None or level == Level.ALL:
        return True
    reach = level_q(person, level)
    found = Contact.all_objects.filter(pk=contact.pk)
    return (found if reach is None else found.filter(reach)).exists()


def _ensure_may_erase(actor: User, contact: Contact) -> None:
    if not may_erase(actor, contact):
        raise PermissionDenied(_("Your roles do not allow erasing this person."))
    if Erasure.objects.filter(contact_id=contact.pk).exists():
        raise ValidationError({"person": _("This person was already erased.")})
    if _unreadable_numbers(contact):
        # Their numbers are looked for in shared notes and mail to be removed there: with the
        # key missing they cannot be, and an erasure that leaves them would say it is done.
        raise ValidationError(
            {
                "person": _(
                    "Some of this person's sealed phone numbers cannot be read (their key is "
                    "missing): give the key back before erasing, so that the numbers can be "
                    "removed from shared notes and e-mails too."
                )
            }
        )


def _unreadable_numbers(contact: Contact) -> bool:
    return any(
        isinstance(value, sealing.UnreadableText)
        for row in ContactPhone.objects.filter(contact_id=contact.pk).values_list("raw", "e164")
        for value in row
    )


def needles(contact: Contact) -> list[str]:
    """The person's values to look for in shared text: names, e-mail addresses, phone numbers
    (as typed and in international form), longest first so that a full name goes before its
    parts."""
    values: set[str] = {
        contact.display_name,
        contact.given_name,
        contact.family_name,
        contact.additional_name,
        " ".join(p for p in (contact.given_name, contact.family_name) if p),
        " ".join(p for p in (contact.family_name, contact.given_name) if p),
        *contact.nicknames,
    }
    values |= set(contact.emails.values_list("value", flat=True))
    for value, e164 in contact.phones.values_list("raw", "e164"):
        values |= {value, e164}
    return sorted((v for v in values if v and len(v) >= MIN_NEEDLE), key=len, reverse=True)


def redact(text: str, found: list[str]) -> str:
    if not text or not found:
        return text
    return re.compile(_any(found), re.IGNORECASE).sub(REDACTED, text)


def _redact_json(value: Any, found: list[str]) -> Any:
    if isinstance(value, str):
        return redact(value, found)
    if isinstance(value, list):
        return [_redact_json(item, found) for item in value]
    if isinstance(value, dict):
        return {key: _redact_json(item, found) for key, item in value.items()}
    return value


@dataclass
class Plan:
    """What an erasure touches: ids per kind, computed the same way by the preview and the
    erasure itself."""

    documents: list[int]
    own_activities: list[int]
    shared_activities: list[int]
    own_mail: list[int]
    shared_mail: list[int]
    tasks: list[int]
    appointments: list[int]
    history_entries: int
    duplicate_pairs: int
    merges: int

    def counts(self) -> dict[str, int]:
        return {
            "documents": len(self.documents),
            "activities_deleted": len(self.own_activities),
            "activities_unlinked": len(self.shared_activities),
            "mail_deleted": len(self.own_mail),
            "mail_unlinked": len(self.shared_mail),
            "tasks_unlinked": len(self.tasks),
            "appointments_unlinked": len(self.appointments),
            "history_entries": self.history_entries,
            "duplicate_pairs": self.duplicate_pairs,
            "merges": self.merges,
        }


def count_labels() -> dict[str, str]:
    """What each count of an erasure means, as the confirmation page and the API name it."""
    return {
        "documents": _("Documents and their files, deleted"),
        "activities_deleted": _("Timeline entries about only this person, deleted"),
        "activities_unlinked": _("Timeline entries shared with others, unlinked and redacted"),
        "mail_deleted": _("E-mail messages with only this person, deleted"),
        "mail_unlinked": _("E-mail messages shared with others, unlinked and redacted"),
        "tasks_unlinked": _("Tasks, unlinked and redacted"),
        "appointments_unlinked": _("Appointments, unlinked and redacted"),
        "history_entries": _("History entries, deleted"),
        "duplicate_pairs": _("Duplicate pairs, deleted"),
        "merges": _("Merges, deleted (they can no longer be undone)"),
    }


def _attendance(contact: Contact) -> models.Q:
    """The person's attendances: linked to them, or by one of their addresses."""
    found = models.Q(contact_id=contact.pk)
    for address in contact.emails.values_list("value", flat=True):
        found |= models.Q(email__iexact=address)
    return found


def _plan(contact: Contact) -> Plan:
    pk = contact.pk
    activity_ids = set(
        ActivityPerson.objects.filter(contact_id=pk).values_list("activity_id", flat=True)
    )
    shared_activities = set(
        ActivityPerson.objects.filter(activity_id__in=activity_ids)
        .exclude(contact_id=pk)
        .values_list("activity_id", flat=True)
    )
    shared_activities |= set(
        Activity.organizations.through.objects.filter(activity_id__in=activity_ids).values_list(
            "activity_id", flat=True
        )
    )
    message_ids = set(
        MailParticipant.objects.filter(contact_id=pk).values_list("message_id", flat=True)
    )
    shared_mail = set(
        MailParticipant.objects.filter(message_id__in=message_ids, internal=False)
        .exclude(contact_id=pk)
        .values_list("message_id", flat=True)
    )
    contact_type = ContentType.objects.get_for_model(Contact)
    return Plan(
        documents=list(Document.all_objects.filter(contact_id=pk).values_list("pk", flat=True)),
        own_activities=sorted(activity_ids - shared_activities),
        shared_activities=sorted(shared_activities),
        own_mail=sorted(message_ids - shared_mail),
        shared_mail=sorted(shared_mail),
        tasks=sorted(
            Task.people.through.objects.filter(contact_id=pk).values_list("task_id", flat=True)
        ),
        appointments=sorted(
            set(
                Attendee.objects.filter(_attendance(contact)).values_list(
                    "appointment_id", flat=True
                )
            )
        ),
        history_entries=HistoryEntry.objects.filter(
            content_type=contact_type, object_id=pk
        ).count(),
        duplicate_pairs=DuplicatePair.objects.filter(
            models.Q(contact_a_id=pk) | models.Q(contact_b_id=pk)
        ).count(),
        merges=Merge.objects.filter(models.Q(survivor_id=pk) | models.Q(merged_id=pk)).count(),
    )


def erasure_preview(*, actor: User, contact: Contact) -> dict[str, int]:
    """The counts the confirmation page names; refuses like the erasure would."""
    _ensure_may_erase(actor, contact)
    return _plan(contact).counts()


def _history_of(model: type[models.Model], ids: Iterable[int]) -> models.QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=list(ids)
    )


def _redact_rows(
    model: type[models.Model], ids: Iterable[int], fields: tuple[str, ...], found: list[str]
) -> None:
    """Replace the person's values in ``fields`` of the rows and in their history."""
    ids = list(ids)
    for row in model._default_manager.filter(pk__in=ids).only("pk", *fields):
        changed = {name: redact(getattr(row, name), found) for name in fields}
        model._default_manager.filter(pk=row.pk).update(**changed)
    for entry in _history_of(model, ids):
        HistoryEntry.objects.filter(pk=entry.pk).update(changes=_redact_json(entry.changes, found))


def _searchable(record: models.Model) -> bool:
    return any(isinstance(record, kind.model) for kind in search_registry.kinds())


def _unindex(record: models.Model) -> None:
    """Drop a record's search document and the words only it bore."""
    if _searchable(record):
        search.forget(record)


def _forget_files(names: list[str]) -> None:
    storage = documents_storage()
    for name in names:
        storage.delete(name)


def _delete_documents(ids: list[int]) -> None:
    names = list(
        DocumentVersion.objects.filter(document_id__in=ids).values_list("stored_name", flat=True)
    )
    _history_of(Document, ids).delete()
    for document in Document.all_objects.filter(pk__in=ids):
        _unindex(document)
    Document.all_objects.filter(pk__in=ids).update(current=None)
    DocumentVersion.objects.filter(document_id__in=ids).delete()
    Document.all_objects.filter(pk__in=ids).delete()
    transaction.on_commit(functools.partial(_forget_files, names))


def _delete_activities(ids: list[int]) -> None:
    attached = list(Document.all_objects.filter(activity_id__in=ids).values_list("pk", flat=True))
    _delete_documents(attached)
    _history_of(Activity, ids).delete()
    for activity in Activity.all_objects.filter(pk__in=ids):
        _unindex(activity)
    MailMessage.objects.filter(activity_id__in=ids).update(activity=None)
    Activity.all_objects.filter(pk__in=ids).delete()


def _reindex(model: type[models.Model], ids: list[int]) -> None:
    """Index redacted records afresh, their old words forgotten first."""
    for record in model._default_manager.filter(pk__in=ids):
        if _searchable(record):
            search.forget(record)
            search.index(record)


@transaction.atomic
def contact_erase(*, actor: User, contact: Contact) -> dict[str, int]:
    """Erase ``contact`` for good (the grant "erase" on people; refused twice). Returns the
    counts."""
    _ensure_may_erase(actor, contact)
    contact = Contact.all_objects.select_for_update().get(pk=contact.pk)
    plan = _plan(contact)
    found = needles(contact)
    emails = [e.lower() for e in contact.emails.values_list("value", flat=True)]
    pk = contact.pk

    _delete_documents(plan.documents)
    _delete_activities(plan.own_activities)
    ActivityPerson.objects.filter(contact_id=pk).delete()
    Activity.people.through.objects.filter(contact_id=pk).delete()
    _redact_rows(Activity, plan.shared_activities, ("subject", "body"), found)
    _reindex(Activity, plan.shared_activities)

    MailParticipant.objects.filter(message_id__in=plan.own_mail).delete()
    MailMessage.objects.filter(pk__in=plan.own_mail).delete()
    participants = MailParticipant.objects.filter(
        models.Q(contact_id=pk) | models.Q(address__in=emails)
    )
    participants.update(contact=None, address=REDACTED, name="")
    _redact_rows(MailMessage, plan.shared_mail, ("subject", "body", "sender"), found)
    OutgoingMail.objects.filter(contact_id=pk).delete()
    BouncedAddress.objects.filter(address__in=emails).delete()

    Task.people.through.objects.filter(contact_id=pk).delete()
    _redact_rows(Task, plan.tasks, ("title", "description"), found)
    _reindex(Task, plan.tasks)
    Attendee.objects.filter(_attendance(contact)).delete()
    _redact_rows(
        Appointment,
        plan.appointments,
        ("title", "description", "location", "organizer_email", "ical_extra"),
        found,
    )
    _reindex(Appointment, plan.appointments)
    mentions = models.Q(pk__in=[])
    for needle in found:
        mentions |= models.Q(title__icontains=needle) | models.Q(body__icontains=needle)
    notes = list(Notification.objects.filter(mentions).values_list("pk", flat=True))
    _redact_rows(Notification, notes, ("title", "body"), found)

    DuplicatePair.objects.filter(models.Q(contact_a_id=pk) | models.Q(contact_b_id=pk)).delete()
    merges = Merge.objects.filter(models.Q(survivor_id=pk) | models.Q(merged_id=pk))
    partners = {m.merged_id if m.survivor_id == pk else m.survivor_id for m in merges}
    for entry in _history_of(Contact, partners):  # "merged into Ada Lovelace (#1)"
        HistoryEntry.objects.filter(pk=entry.pk).update(changes=_redact_json(entry.changes, found))
    merges.delete()
    ImportRow.objects.filter(contact_id=pk).delete()
    CleaningChange.objects.filter(contact_id=pk).delete()
    KeepInTouch.objects.filter(contact_id=pk).delete()
    Affiliation.objects.filter(contact_id=pk).delete()
    PurposeConsent.objects.filter(contact_id=pk).delete()

    contact_anonymise(contact=contact)
    counts = plan.counts()
    Erasure.objects.create(contact_id=pk, actor=actor, counts=counts)
    audit.record(actor, ERASE_ACTION, details={"person_id": pk, "counts": counts})
    return counts


def _any(found: list[str]) -> str:
    """One pattern for the values, each as a whole word ("Ada" but not "Canada")."""
    return r"(?<!\w)(?:" + "|".join(re.escape(n) for n in found) + r")(?!\w)"
