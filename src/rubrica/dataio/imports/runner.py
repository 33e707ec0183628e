"""The import job's runner (kind ``import``): the stored file read, matched, created or updated
through the contact services, in checkpointed batches, each record's outcome a report row.

Guarantees: records are processed in batches of ``BATCH`` in one transaction each, which also
writes the batch's ``ImportRow`` rows and the job checkpoint (the last line of the batch); a run
killed at any moment leaves whole batches only, and a resumed run skips every line up to the
checkpoint. A record the reader could not read, or that the services refuse, gets a ``failed``
row naming the field and line; the rest goes on. New people are created in bulk
(``contacts.bulk.contacts_create_many``), read and prepared ahead in a second process for large
files (``dataio.pipeline``, handed ``uploads.open_reader`` and ``record_item``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.models import User
from rubrica.activities.models import Activity
from rubrica.activities.services import activity_create, activity_update
from rubrica.activities.types import ActivityInput
from rubrica.contacts.bulk import (
    BatchCaches,
    NewContact,
    contact_data_errors,
    contact_unchanged,
    contacts_create_many,
    error_text,
    organization_for,
)
from rubrica.contacts.matching import phone_lookup
from rubrica.contacts.models import (
    CONSENT_CHANNELS,
    ConsentPurpose,
    ConsentSource,
    ConsentState,
    Contact,
    ContactEmail,
    ContactPhone,
)
from rubrica.contacts.services import (
    CONSENT_WORDS,
    contact_purpose_consent_set,
    contact_set_photo,
    contact_update,
    purpose_answers_of,
    snapshot,
)
from rubrica.contacts.types import ContactInput
from rubrica.core import normalize, sealing
from rubrica.core.bulk import fast_insert, stand_in
from rubrica.core.models import Action
from rubrica.core.services import ADDRESS_PARTS
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import PERSONAL_PHONES, is_personal_phone, seal_builtins
from rubrica.dataio import pipeline
from rubrica.dataio.imports.organizations import import_organizations
from rubrica.dataio.imports.report import counts, organization_counts
from rubrica.dataio.imports.uploads import open_reader, stored_path
from rubrica.dataio.models import ImportRow, Outcome
from rubrica.dataio.records import SourceRecord, keep_in_notes
from rubrica.jobs.models import Job
from rubrica.jobs.services import Progress
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.selectors import organizations_named
from rubrica.organizations.services import affiliation_create
from rubrica.organizations.types import AffiliationInput

BATCH = 1000

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
        rows = ContactPhone.objects.filter(phone_lookup(values), contact__in=visible).values_list(
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


# Records ------------------------------------------------------------------------------------


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
#: Single values the services may refuse that an import sets aside (kept in the notes).
_SALVAGEABLE_SCALARS = {
    "birthday": gettext_lazy("birthday"),
    "anniversary": gettext_lazy("anniversary"),
    # a consent cell that cannot be read costs that answer, not the person (ADR 0050)
    "email_consent": gettext_lazy("e-mail consent"),
    "sms_consent": gettext_lazy("SMS consent"),
}
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
    scalars: dict[str, str] = {}
    customs: dict[str, str] = {}
    for name, message in fields.items():
        match = _SALVAGEABLE.match(name)
        if match is not None:
            bad.setdefault(match.group(1), {})[int(match.group(2))] = f"{name}: {message}"
        elif name in _SALVAGEABLE_SCALARS and data.get(name):
            scalars[name] = f"{name}: {message}"
        elif name.startswith("custom_fields.") and name[14:] in (data.get("custom_fields") or {}):
            customs[name[14:]] = f"{name}: {message}"
        else:
            return None
    data = dict(data)
    sources = record.data.get("_vcard_sources") or {}
    extra: list[Any] = []
    kept: list[str] = []
    dropped = 0  # of ``kept``, the remarks that a value was not kept
    # While addresses are sealed (ADR 0048) a refused address is kept only where it is sealed
    # too: in the notes when they are; never in the vCard extras (kept in clear).
    sealed_addresses = sealing.must_seal(Entity.CONTACT, "addresses")
    # Likewise a refused personal phone while they are sealed (ADR 0052); and no phone at all
    # goes to the vCard extras then, which keep no phone number (it would be dropped there).
    sealed_phones = sealing.must_seal(Entity.CONTACT, PERSONAL_PHONES)
    for kind, indices in bad.items():
        rows = list(data.get(kind) or [])
        for index in sorted(indices):
            row = rows[index] if index < len(rows) else {}
            source = (
                (sources.get(kind) or [])[index] if index < len(sources.get(kind) or []) else None
            )
            if source is not None and source in (current_extra or []):
                continue  # kept verbatim by an earlier import of this card
            label = f" ({row['label']})" if row.get("label") else ""
            personal = kind == "phones" and sealed_phones and is_personal_phone(row.get("label"))
            if (kind == "addresses" and sealed_addresses) or personal:
                if not sealing.must_seal(Entity.CONTACT, "notes"):
                    kept.append(f"{KIND_LABELS[kind]}{label}: {_not_kept(kind)}")
                    dropped += 1
                    continue
            elif into_extra and source is not None and not (kind == "phones" and sealed_phones):
                extra.append(source)
                continue
            text = (
                row.get("value")
                if kind != "addresses"
                else ", ".join(str(row.get(part) or "") for part in ADDRESS_PARTS if row.get(part))
            )
            kept.append(f"{KIND_LABELS[kind]}{label}: {text}")
        data[kind] = [row for i, row in enumerate(rows) if i not in indices]
    for name in scalars:
        kept.append(f"{_SALVAGEABLE_SCALARS[name]}: {data.pop(name)}")
    if customs:
        custom = dict(data.get("custom_fields") or {})
        for key in customs:
            # A custom field this site does not define (a Google "Ref" column): its value is
            # kept as extra data with the person, under its own name.
            kept.append(f"{key}: {custom.pop(key)}")
        data["custom_fields"] = custom
    keep_in_notes(data, kept, current_notes)
    if len(kept) > dropped:
        where = _("kept in the notes")
    elif extra or not kept:
        where = _("kept in the vCard extras")
    else:
        where = _("not kept")
    reasons = "; ".join(
        [
            *record.set_aside,  # the reader's words: line and column
            *(text for indices in bad.values() for text in indices.values()),
            *scalars.values(),
            *customs.values(),
        ]
    )
    message = _("Set aside (%(where)s): %(reasons)s") % {"where": where, "reasons": reasons}
    return Salvage(data=data, extra=extra, message=message)


def _not_kept(kind: str) -> str:
    """Why a refused address or personal phone was not set aside in the notes."""
    if kind == "addresses":
        return _("not kept, as postal addresses are stored encrypted and notes are not")
    return _("not kept, as personal phone numbers are stored encrypted and notes are not")


def preview_check(
    actor: User, records: list[SourceRecord], *, policy: str, key: str
) -> dict[int, str]:
    """Run on ``records`` (a preview, a dry run) the validation the import runs, writing
    nothing: what the services would refuse outright goes to ``record.errors``, what the import
    would set aside to ``record.set_aside``. Returns, by line, whom a record matches (with the
    policy ``update`` or ``skip``) as the report would say it."""
    purposes: dict[str, ConsentPurpose] | None = None
    for record in records:
        if record.errors:
            continue
        data, _uid, _extra, _photo = _split(record)
        errors = contact_data_errors(data, current=None)
        if errors:
            saved = salvage(record, data, errors, into_extra=isinstance(record.raw, str))
            if saved is None:
                record.errors.append("; ".join(f"{n}: {text}" for n, text in errors.items()))
                continue
            record.set_aside = [saved.message]
        if record.purpose_answers:  # the answers the import will name, not keep (ADR 0050)
            if purposes is None:
                purposes = {p.key: p for p in ConsentPurpose.objects.all()}
            notes: list[str] = []
            for answer in _one_answer_each(record.purpose_answers, notes):
                reason = judge_answer(answer, purposes)[2]
                if reason:
                    notes.append(_answer_words(answer, reason))
            record.set_aside.extend(notes)
    if policy == "create":
        return {}
    wanted = {value for record in records for value in _match_value(record, key)}
    found = _find_matches(actor, key, wanted)
    names = dict(
        Contact.objects.filter(pk__in=set(found.values())).values_list("pk", "display_name")
    )
    out: dict[int, str] = {}
    for record in records:
        pk = next((found[v] for v in _match_value(record, key) if v in found), None)
        if pk is not None and not record.errors:
            words = (
                _("Matches %(name)s by %(key)s: updated.")
                if policy == "update"
                else _("Matches %(name)s by %(key)s: skipped.")
            )
            out[record.line] = words % {"name": names.get(pk, ""), "key": key}
    return out


def judge_answer(
    answer: dict[str, str], purposes: dict[str, ConsentPurpose]
) -> tuple[ConsentPurpose | None, str | None, str]:
    """One answer per purpose as an import reads it: (purpose, state, "") when it is kept,
    (None, None, "") when it says nothing (empty, "unknown"), else (None, None, why not)."""
    state = CONSENT_WORDS.get(str(answer["state"]).strip().casefold())
    if state == ConsentState.UNKNOWN:
        return None, None, ""  # an empty or "unknown" answer says nothing, as a consent cell
    purpose = purposes.get(answer["purpose"])
    if purpose is None:
        return None, None, _("there is no such purpose here.")
    if answer["channel"] not in CONSENT_CHANNELS or state not in (
        ConsentState.GRANTED,
        ConsentState.WITHDRAWN,
    ):
        return None, None, _("use the channel email or sms and the state granted or withdrawn.")
    return purpose, state, ""


def _one_answer_each(answers: list[dict[str, str]], notes: list[str]) -> list[dict[str, str]]:
    """One answer per purpose and channel: those a document gives twice alike count once;
    different ones (two columns, "no" and "yes") record nothing, named in ``notes`` — an
    opt-out is never lost to a later column."""
    by_key: dict[tuple[str, str], list[dict[str, str]]] = {}
    for answer in answers:
        by_key.setdefault((answer["purpose"], answer["channel"]), []).append(answer)
    out = []
    for (purpose, channel), given in by_key.items():
        states = {
            CONSENT_WORDS.get(str(a["state"]).strip().casefold(), str(a["state"])) for a in given
        } - {ConsentState.UNKNOWN}
        if len(states) > 1:
            notes.append(
                _("Answers for %(purpose)s (%(channel)s) differ: nothing is recorded for it.")
                % {"purpose": purpose, "channel": channel}
            )
            continue
        out.append(
            next(
                (
                    a
                    for a in given
                    if CONSENT_WORDS.get(str(a["state"]).strip().casefold()) != ConsentState.UNKNOWN
                ),
                given[0],
            )
        )
    return out


def _answer_words(answer: dict[str, str], reason: str) -> str:
    return _("Answer for %(purpose)s (%(channel)s: %(state)s) not kept: %(reason)s") % {
        **answer,
        "reason": reason,
    }


class _Batch:
    """One batch of records processed in one transaction."""

    def __init__(self, job: Job, actor: User, caches: BatchCaches) -> None:
        self.job = job
        self.actor = actor
        self.caches = caches
        self.policy = job.params.get("on_duplicate", "update")
        self.key = job.params.get("match", "email")
        #: The consent purposes by key, read once a batch when a record brings answers.
        self.purposes: dict[str, ConsentPurpose] | None = None

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
            linked, words = self._other_affiliations(contact, record)
            notes += words
            notes += self._purpose_answers(contact, record)
            activities, words = self._timeline(contact, record)
            notes += words
            if linked or activities:  # the row keeps the person's version after them all
                contact.refresh_from_db(fields=["version"])
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
                    activities=activities,
                )
            )
        return rows

    def _timeline(self, contact: Contact, record: SourceRecord) -> tuple[list[int], list[str]]:
        """The person's timeline from a JSON document (ADR 0047). Each activity is looked for by
        its UID — or, when that UID is taken here by an activity the importer may not change
        or that is in the Trash, by a UID derived from it and the importer (so that importing
        the document again finds what the first import made) — among the activities the
        importer may change. Found and the same activity (kind, time and subject as the
        document says) → the person is linked to it when not yet; else a new one is created
        through ``activity_create`` (the importer its owner, mentions not notified: it happened
        in the past). A value the services refuse is left out and named, unless it is the kind,
        the time or the privacy: then the activity is not kept, and named. Returns the ids
        created or linked, and the words."""
        if not record.activities:
            return [], []
        own = {_activity_uid(item): None for item in record.activities}
        own.pop("", None)
        wanted = {*own, *(self._derived_uid(uid) for uid in own)}
        known = {
            a.uid: a
            for a in Activity.objects.restrict(self.actor, Action.CHANGE).filter(uid__in=wanted)
        }
        taken = set(Activity.all_objects.filter(uid__in=list(own)).values_list("uid", flat=True))
        created: list[int] = []
        notes: list[str] = []
        for position, item in enumerate(record.activities):
            where = f"activities.{position}"
            uid = _activity_uid(item)
            if uid and uid in taken and uid not in known:
                uid = self._derived_uid(uid)
            try:
                data, refused = _activity_data(item, contact.pk)
                found = known.get(uid) if uid else None
                if found is not None and _same_activity(found, data):
                    people = list(found.person_links.values_list("contact_id", flat=True))
                    if contact.pk not in people:
                        with transaction.atomic():
                            activity_update(
                                actor=self.actor,
                                activity=found,
                                data={"people": [*people, contact.pk]},
                            )
                    continue
                if found is not None:  # a UID of something else: this one gets its own
                    uid = ""
                activity = self._create_activity(data, uid, refused)
                known[activity.uid] = activity
                created.append(activity.pk)
                if refused:
                    notes.append(
                        _("Set aside (%(where)s): %(reasons)s")
                        % {
                            "where": where,
                            "reasons": "; ".join(f"{k}: {v}" for k, v in refused.items()),
                        }
                    )
            except (ValidationError, PermissionDenied) as exc:
                notes.append(
                    _("Activity %(where)s not kept: %(reason)s")
                    % {"where": where, "reason": error_text(exc)}
                )
        return created, notes

    def _derived_uid(self, uid: str) -> str:
        """The UID an activity of the document gets when its own is taken here: the same for
        the same importer and document UID."""
        name = f"rubrica-import:{self.actor.pk}:{uid}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    def _create_activity(self, data: ActivityInput, uid: str, refused: dict[str, str]) -> Activity:
        """``activity_create`` with ``data``; once more without the optional values the
        services refuse (added to ``refused``). A UID another write took meanwhile gives way."""
        for attempt in range(2):
            try:
                with transaction.atomic():
                    return activity_create(
                        actor=self.actor, data=data, uid=uid or None, notify=False
                    )
            except ValidationError as exc:
                if attempt or not hasattr(exc, "error_dict"):
                    raise
                fields = {k: str(v[0]) for k, v in exc.message_dict.items()}
                if not set(fields) <= OPTIONAL_ACTIVITY_FIELDS:
                    raise
                for name in fields:
                    data.pop(name, None)  # type: ignore[misc]
                refused.update(fields)
            except IntegrityError:
                uid = ""
        with transaction.atomic():
            return activity_create(actor=self.actor, data=data, uid=uid or None, notify=False)

    def _purpose_answers(self, contact: Contact, record: SourceRecord) -> list[str]:
        """Record the person's answers per consent purpose (JSON documents carry them, and
        ``purpose.<key>.<channel>`` columns), each through ``contact_purpose_consent_set`` with
        the source "import". States are read as consent cells are (granted, withdrawn, yes,
        no...); "unknown" says nothing. One whose purpose this site does not have, or whose
        channel or state is none, is named, not kept. Returns the words for the report."""
        if not record.purpose_answers:
            return []
        if self.purposes is None:
            self.purposes = {p.key: p for p in ConsentPurpose.objects.all()}
        purposes = self.purposes
        notes: list[str] = []
        for answer in _one_answer_each(record.purpose_answers, notes):
            purpose, state, reason = judge_answer(answer, purposes)
            if purpose is not None and state is not None:
                try:
                    with transaction.atomic():
                        contact_purpose_consent_set(
                            actor=self.actor,
                            contact=contact,
                            purpose=purpose,
                            channel=answer["channel"],
                            state=state,
                            source=ConsentSource.IMPORT,
                        )
                    continue
                except (ValidationError, PermissionDenied) as exc:
                    reason = error_text(exc)
            if reason:
                notes.append(_answer_words(answer, reason))
        return notes

    def _other_affiliations(self, contact: Contact, record: SourceRecord) -> tuple[int, list[str]]:
        """A new person's affiliations besides the primary one (a JSON document carries them
        all), each linked to the organization of its name the importer may see: those of the
        document came in first. One that cannot be is named in the report. Returns how many
        were linked, and the words."""
        linked = 0
        others = record.affiliations[1:] if record.affiliations else []
        if record.affiliations:
            first = next((i for i, a in enumerate(record.affiliations) if a.get("is_primary")), 0)
            others = [a for i, a in enumerate(record.affiliations) if i != first]
        notes = []
        visible = Organization.objects.restrict(self.actor, Action.VIEW)
        for affiliation in others:
            name = " ".join(str(affiliation["organization"]).split())
            org = organizations_named(visible, name).first()
            data: AffiliationInput = {
                "title": str(affiliation.get("title") or ""),
                "department": str(affiliation.get("department") or ""),
                "start_date": affiliation.get("start") or None,
                "end_date": affiliation.get("end") or None,
                "is_primary": False,
            }
            try:
                if org is None:
                    raise ValidationError(
                        _("There is no organization called %(name)s.") % {"name": name}
                    )
                if Affiliation.objects.filter(contact=contact, organization=org).exists():
                    continue
                with transaction.atomic():
                    affiliation_create(
                        actor=self.actor, contact=contact, organization=org, data=data
                    )
                linked += 1
            except (ValidationError, PermissionDenied) as exc:
                notes.append(
                    _("Affiliation with %(name)s not kept: %(reason)s")
                    % {"name": name, "reason": error_text(exc)}
                )
        return linked, notes

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
        answers_changed = False
        activities: list[int] = []
        try:
            with transaction.atomic():
                if not Contact.objects.restrict(self.actor, Action.CHANGE).filter(pk=pk).exists():
                    raise PermissionDenied(_("You may not change this person."))
                same = contact_unchanged(contact, data)
                before = snapshot(contact)
                version = contact.version
                if not same:
                    contact = contact_update(
                        actor=self.actor,
                        contact=contact,
                        data=cast(ContactInput, data),
                        consent_source=ConsentSource.IMPORT,
                    )
                organization, affiliation = self._link(contact, record)
                if affiliation is not None:
                    contact = Contact.objects.get(pk=pk)
                if record.purpose_answers:
                    answers = purpose_answers_of(contact)
                    words = self._purpose_answers(contact, record)
                    if words:
                        label = f"{label} {' '.join(words)}"
                    left = purpose_answers_of(contact)
                    if left != answers:
                        # kept with the snapshot, so that a revert gives them back too, and
                        # what the import left, so that it leaves a later answer alone
                        before["purpose_answers"] = answers
                        before["purpose_answers_left"] = left
                        answers_changed = True
                activities, words = self._timeline(contact, record)
                if words:
                    label = f"{label} {' '.join(words)}"
                if activities:
                    contact.refresh_from_db(fields=["version"])
        except (ValidationError, PermissionDenied) as exc:
            return self._row(record, Outcome.FAILED, error_text(exc), contact=contact)
        if contact.version == version and not answers_changed and not activities:
            return self._row(record, Outcome.UNCHANGED, label, contact=contact)
        return self._row(
            record,
            Outcome.UPDATED,
            label,
            contact=contact,
            # the report row keeps no clear copy of a value the person's row keeps sealed
            before=seal_builtins(Entity.CONTACT, before),
            version=contact.version,
            organization=organization,
            affiliation=affiliation,
            activities=activities,
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
        has_primary = Affiliation.objects.filter(contact=contact, is_primary=True).exists()
        data: AffiliationInput = {"is_primary": not has_primary}
        if org_data.get("title"):
            data["title"] = org_data["title"]
        if org_data.get("department"):
            data["department"] = org_data["department"]
        for part in ("start_date", "end_date"):
            if org_data.get(part):
                data[part] = org_data[part]
        aff = affiliation_create(actor=self.actor, contact=contact, organization=org, data=data)
        return (org if created else None), aff


#: What an exported activity may bring that the importer can do without (the rest is the
#: activity: its kind, its time, its privacy and its person).
OPTIONAL_ACTIVITY_FIELDS = frozenset(
    {"direction", "duration_minutes", "outcome", "subject", "body"}
)


def _activity_uid(item: dict[str, Any]) -> str:
    """An exported activity's UID when it is one (text without NUL, at most 255 characters)."""
    uid = item.get("uid")
    if isinstance(uid, str) and uid and "\x00" not in uid and len(uid) <= 255:
        return uid
    return ""


def _same_activity(activity: Activity, data: dict[str, Any] | ActivityInput) -> bool:
    """Is ``activity`` the one ``data`` describes (same kind, time and subject)?"""
    try:
        when = dt.datetime.fromisoformat(str(data.get("occurred_at")))
    except ValueError:
        return False
    return (
        activity.kind == data.get("kind", "note")
        and when.tzinfo is not None
        and activity.occurred_at == when
        and activity.subject == str(data.get("subject") or "")
    )


def _activity_data(item: dict[str, Any], contact_id: int) -> tuple[ActivityInput, dict[str, str]]:
    """An exported activity in the activity services' shape, linked to the person; values of
    a wrong type are left out and returned by name (the services judge the rest)."""
    data: dict[str, Any] = {"people": [contact_id]}
    refused: dict[str, str] = {}
    for name in ("kind", "direction", "occurred_at", "subject", "body", "outcome"):
        value = item.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            data[name] = value
        else:
            refused[name] = _("Enter text.")
    duration = item.get("duration_minutes")
    if isinstance(duration, int) and not isinstance(duration, bool):
        data["duration_minutes"] = duration
    elif duration is not None:
        refused["duration_minutes"] = _("Enter a whole number of minutes.")
    private = item.get("private", False)
    if isinstance(private, bool):
        data["private"] = private
    else:  # never guessed: a private activity read as public would show to everyone
        refused["private"] = _("Enter true or false.")
    if "occurred_at" not in data and "occurred_at" not in refused:
        refused["occurred_at"] = _("Enter a date and time.")  # never "now": it happened then
    fatal = {
        name: refused.pop(name) for name in ("kind", "occurred_at", "private") if name in refused
    }
    if fatal:
        raise ValidationError(fatal)
    return cast(ActivityInput, data), refused


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


# Running ------------------------------------------------------------------------------------


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
    # A Rubrica JSON document's organizations first, so that the people link to them whole.
    import_organizations(job, actor, caches, progress)
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
                for row in rows:
                    tally[row.outcome] += 1
                done += len(batch)
                progress.checkpoint({"line": batch[-1].line}, done=done)
            del batch, ready, rows  # before the collector's pass, which would traverse them
            pipeline.collect()
    progress.set_total(done)  # a CSV's total was its line count, an upper bound
    result: dict[str, Any] = {"counts": tally, "lines": done}
    if job.params.get("format") == "json":
        result["organizations"] = organization_counts(job)
    return result


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
