"""Re-sealing the sensitive values at rest (ADR 0027): ``rubrica keys rotate`` and the job that
runs after a field became sensitive or stopped being so.

The job (kind ``keys_reseal``) walks, in batches of ``BATCH`` rows by id, each checkpointed in
its batch's transaction (a killed run resumes where it stopped): people, organizations (their
``custom_fields`` and sealable columns: notes, ADR 0034), then the history entries and merge
snapshots of both (the copies of those values history keeps), the import report rows' and
cleaning changes' copies of people as they were, people's address rows (their street,
postcode, PO box and extended address, ADR 0048) and last people's phone rows (the numbers of the
personal ones and their blind indexes, ADR 0052). Each value ends as
``customfields.protection.reseal_values`` says: sensitive ones sealed with the current key,
others plain. People and organizations whose stored form changed are indexed again (search, and
the duplicate keys of people, which hold blind indexes of sensitive identifiers); when
``params["reindex"]`` asks (a built-in field's protection changed: the search documents leave
protected fields out), the search index is rebuilt at the end. Nothing a person sees changes, so
no version or history entry is written.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from rubrica import dedup, search
from rubrica.accounts.models import User
from rubrica.accounts.selectors import role_keys
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.contacts.matching import phone_key, phone_numbers
from rubrica.contacts.models import Contact, ContactAddress, ContactPhone
from rubrica.contacts.services import list_phone
from rubrica.core import sealing
from rubrica.core.models import SealedTextField, blind_value
from rubrica.core.services import snapshot_collection
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.customfields.protection import (
    ADMINISTRATOR,
    PERSONAL_PHONES,
    SEALED_ADDRESS_PARTS,
    SEALED_COLUMNS,
    Resealed,
    forget_protected,
    ids_only_when_sealed,
    is_personal_phone,
    reseal_builtin_values,
    reseal_column,
    reseal_tree,
    reseal_values,
    sealed_builtins_now,
)
from rubrica.dataio.models import ImportRow
from rubrica.dataio.vcard.mapping import without_address_forms, without_phone_forms
from rubrica.dedup.keys import PHONE, PHONE_NSN, blocking_keys, identity
from rubrica.dedup.models import DuplicateKey
from rubrica.history.models import HistoryEntry
from rubrica.jobs.models import Job
from rubrica.jobs.services import Progress, job_create
from rubrica.merges.models import Merge
from rubrica.organizations.models import Organization
from rubrica.quality.models import CleaningChange

KIND = "keys_reseal"
BATCH = 500

#: The phases, in order: (name, entity).
PHASES = (
    ("contacts", Entity.CONTACT),
    ("organizations", Entity.ORGANIZATION),
    ("history", ""),
    ("merges", Entity.CONTACT),
    ("import_rows", Entity.CONTACT),
    ("cleanings", Entity.CONTACT),
    # Appended (ADR 0048), so that a checkpoint of an older run still names the same phases.
    ("addresses", Entity.CONTACT),
    ("phones", Entity.CONTACT),  # ADR 0052
)

#: The sealable columns of a person's phone rows (personal ones, ADR 0052).
SEALED_PHONE_PARTS = ("raw", "e164")


def ensure_key_administrator(actor: User) -> None:
    """Refuse anyone but an administrator the keys' status, a new key or a rotation."""
    if ADMINISTRATOR not in role_keys(actor):
        raise PermissionDenied(_("Only administrators can manage the field keys."))


def reseal_start(
    *, actor: User, reindex: bool = False, enqueue: bool = True, reason: str = "rotate"
) -> Job:
    """Start re-sealing every sensitive value with the current key; administrators only.
    Audited as a rotation."""
    if ADMINISTRATOR not in role_keys(actor):
        raise PermissionDenied(_("Only administrators can rotate the field keys."))
    sealing.key_ring()  # fail now, not in the worker, when the keys are misconfigured
    with transaction.atomic():
        job = job_create(
            actor=actor,
            kind=KIND,
            title=_("Re-encrypt sensitive fields"),
            params={"reindex": reindex, "reason": reason},
            enqueue=enqueue,
        )
        audit.record(
            actor,
            AuditAction.KEYS_ROTATE,
            job,
            {"key": sealing.key_ring().current, "reason": reason},
        )
    return job


def on_sealing_changed(actor: User, *, reindex: bool = False) -> None:
    """The hook customfields calls after a field's protection changed: re-seal in the
    background, and with ``reindex`` rebuild the search documents (they leave protected
    built-in fields out)."""
    reseal_start(actor=actor, reindex=reindex, reason="protection")


def _definitions(entity: str) -> dict[str, CustomFieldDefinition]:
    return {d.key: d for d in CustomFieldDefinition.objects.filter(entity=entity)}


def _phase_queryset(name: str) -> models.QuerySet[Any]:
    if name == "contacts":
        return _with_raw_columns(Contact.all_objects.prefetch_related("phones"), Entity.CONTACT)
    if name == "organizations":
        return _with_raw_columns(Organization.all_objects.all(), Entity.ORGANIZATION)
    if name == "merges":
        return Merge.objects.all()
    if name == "import_rows":
        return ImportRow.objects.exclude(before=None)
    if name == "cleanings":
        return CleaningChange.objects.all()
    if name == "addresses":
        return _address_rows()
    if name == "phones":
        return _phone_rows()
    types = ContentType.objects.get_for_models(Contact, Organization)
    return HistoryEntry.objects.filter(content_type__in=list(types.values()))


def _with_raw_columns(queryset: models.QuerySet[Any], entity: str) -> models.QuerySet[Any]:
    """``queryset`` with each sealable column also read as stored (``raw_<name>``: a plain
    TextField reads it without opening it)."""
    annotated: models.QuerySet[Any] = queryset.annotate(
        **{
            f"raw_{name}": Cast(name, output_field=models.TextField())
            for name in sorted(SEALED_COLUMNS.get(entity, frozenset()))
        }
    )
    return annotated


def _child_rows(
    model: type[models.Model], parts: tuple[str, ...], *fields: str
) -> models.QuerySet[Any]:
    """People's child rows (``fields`` besides their ids) with their sealable ``parts`` also
    read as stored (``raw_<part>``)."""
    annotated: models.QuerySet[Any] = model._default_manager.only(
        "pk", "contact_id", *fields
    ).annotate(**{f"raw_{part}": Cast(part, output_field=models.TextField()) for part in parts})
    return annotated


def _address_rows() -> models.QuerySet[Any]:
    return _child_rows(ContactAddress, SEALED_ADDRESS_PARTS)


def _phone_rows() -> models.QuerySet[Any]:
    return _child_rows(ContactPhone, SEALED_PHONE_PARTS, "label", "e164_key")


def _resealed_parts(
    model: type[models.Model],
    parts: tuple[str, ...],
    name: str,
    row: Any,
    seal_now: bool,
    counts: Resealed,
) -> dict[str, Any]:
    """The sealable ``parts`` of one child row (read by ``_child_rows``) that must be written
    now, each as the ``Value`` to write (written as given, not sealed again by the field)."""
    update: dict[str, Any] = {}
    for part in parts:
        context = cast(SealedTextField, model._meta.get_field(part)).seal_context()
        stored = reseal_column(
            Entity.CONTACT, name, getattr(row, f"raw_{part}"), seal_now, counts, context=context
        )
        if stored is not None:
            update[part] = models.Value(stored, output_field=models.TextField())
    return update


def _total() -> int:
    return sum(_phase_queryset(name).count() for name, _entity in PHASES)


def run_reseal(job: Job, progress: Progress) -> dict[str, Any]:
    """The runner of kind ``keys_reseal``; resumable from its checkpoint."""
    counts = Resealed()
    state = dict(job.checkpoint or {})
    for name in ("sealed", "resealed", "opened", "unreadable"):
        setattr(counts, name, int(state.get(name, 0)))
    phase = int(state.get("phase", 0))
    after = int(state.get("after", 0))
    done = int(state.get("done", 0))
    changed = int(state.get("changed", 0))
    progress.set_total(_total())
    progress.set_done(done)
    types = {
        model: ContentType.objects.get_for_model(model).pk for model in (Contact, Organization)
    }
    entity_of_type: dict[int, str] = {
        types[Contact]: Entity.CONTACT,
        types[Organization]: Entity.ORGANIZATION,
    }
    definitions = {entity: _definitions(entity) for entity in Entity.values}
    forget_protected()  # what this process's saves and re-indexing ask is read afresh too
    seal_now = {entity: sealed_builtins_now(entity) for entity in Entity.values}
    while phase < len(PHASES):
        name, entity = PHASES[phase]
        progress.raise_if_cancelled()
        rows = list(_phase_queryset(name).filter(pk__gt=after).order_by("pk")[:BATCH])
        if not rows:
            phase, after = phase + 1, 0
            continue
        with transaction.atomic():
            if name == "addresses":
                changed += _reseal_addresses(rows, "addresses" in seal_now[entity], counts)
            if name == "phones":
                changed += _reseal_phones(rows, "phones" in seal_now[entity], counts)
            for row in rows if name not in ("addresses", "phones") else ():
                changed += _reseal_row(
                    name, entity, row, definitions, entity_of_type, seal_now, counts
                )
            after = rows[-1].pk
            done += len(rows)
            progress.checkpoint(
                {
                    "phase": phase,
                    "after": after,
                    "done": done,
                    "changed": changed,
                    **counts.as_dict(),
                },
                done=done,
            )
    if job.params.get("reindex"):
        search.reindex()
    return {"rows": done, "changed": changed, "key": sealing.key_ring().current, **counts.as_dict()}


def _reseal_addresses(rows: list[Any], seal_now: bool, counts: Resealed) -> int:
    """Seal, re-seal or open the sealable parts of a batch of address rows (ADR 0048); the
    people whose rows changed get their duplicate keys again (a sealed postcode blocks by its
    blind index). The number of rows changed."""
    people: set[int] = set()
    changed = 0
    for row in rows:
        update = _resealed_parts(
            ContactAddress, SEALED_ADDRESS_PARTS, "addresses", row, seal_now, counts
        )
        if update:
            ContactAddress.objects.filter(pk=row.pk).update(**update)
            people.add(row.contact_id)
            changed += 1
    for person in Contact.objects.filter(pk__in=people, deleted_at=None):
        dedup.index_contact(person)
    return changed


def _reseal_phones(rows: list[Any], personal_sealed: bool, counts: Resealed) -> int:
    """Seal, re-seal or open the numbers of a batch of phone rows (ADR 0052): sealed when
    personal phones are marked and the row's label makes it a personal one, with the blind
    index of its E.164 form beside it; plain otherwise. The people whose phones' duplicate
    keys are not what they must be now (blind while personal phones are sealed, under the
    current key) get them again. The number of rows changed."""
    context = cast(SealedTextField, ContactPhone._meta.get_field("e164")).seal_context()
    changed = 0
    for row in rows:
        seal_now = personal_sealed and is_personal_phone(row.label)
        update = _resealed_parts(
            ContactPhone, SEALED_PHONE_PARTS, PERSONAL_PHONES, row, seal_now, counts
        )
        e164 = row.raw_e164 or ""
        try:
            clear = sealing.open_text(e164, context) if sealing.is_sealed_text(e164) else e164
        except sealing.SealError:
            clear = None  # does not open: its blind index stays as it was
        if clear is not None:
            key = blind_value(clear, context) if seal_now and clear else ""
            if key != row.e164_key:
                update["e164_key"] = key
        if update:
            ContactPhone.objects.filter(pk=row.pk).update(**update)
            changed += 1
    stale = _stale_phone_keys({row.contact_id for row in rows})
    for person in Contact.objects.filter(pk__in=stale, deleted_at=None):
        dedup.index_contact(person)
    return changed


def _stale_phone_keys(people: set[int]) -> set[int]:
    """Of ``people``, those whose stored phone keys are not the ones their numbers give now
    (blind under the current key while personal phones are sealed, clear otherwise; none made
    of a number that did not open)."""
    if not people:
        return set()
    numbers: dict[int, list[str]] = {pk: [] for pk in people}
    for contact_id, number in phone_numbers(list(people)):
        numbers[contact_id].append(number)
    blind = phone_key()
    wanted = {
        pk: {
            pair
            for pair in blocking_keys(identity(phones=found, phone_key=blind))
            if pair[0] in (PHONE, PHONE_NSN)
        }
        for pk, found in numbers.items()
    }
    stored: dict[int, set[tuple[str, str]]] = {pk: set() for pk in people}
    for contact_id, kind, key in DuplicateKey.objects.filter(
        contact_id__in=people, kind__in=(PHONE, PHONE_NSN)
    ).values_list("contact_id", "kind", "key"):
        stored[contact_id].add((kind, key))
    return {pk for pk in people if stored[pk] != wanted[pk]}


def _reseal_row(
    name: str,
    entity: str,
    row: Any,
    definitions: dict[str, dict[str, CustomFieldDefinition]],
    entity_of_type: dict[int, str],
    seal_now: dict[str, frozenset[str]],
    counts: Resealed,
) -> int:
    """Re-seal one row's values in place; 1 when it changed."""
    if name in ("contacts", "organizations"):
        values = reseal_values(entity, row.custom_fields, definitions[entity], counts)
        update: dict[str, Any] = {} if values is None else {"custom_fields": values}
        for column in sorted(SEALED_COLUMNS.get(entity, frozenset())):
            stored = reseal_column(
                entity, column, getattr(row, f"raw_{column}"), column in seal_now[entity], counts
            )
            if stored is not None:  # a Value is written as given, not sealed again
                update[column] = models.Value(stored, output_field=models.TextField())
        if name == "contacts":
            phone = list_phone(snapshot_collection("phones", row.phones.all()))
            if phone != row.primary_phone:  # personal phones' protection changed (ADR 0034)
                update["primary_phone"] = phone
            extra = _scrubbed_extra(row.vcard_extra, seal_now[entity])
            if extra is not row.vcard_extra:
                update["vcard_extra"] = extra
        if not update:
            return 0
        type(row).all_objects.filter(pk=row.pk).update(**update)
        if values is not None:
            row.custom_fields = values
        if values is not None and row.deleted_at is None:
            search.index(row)
        dates = {"birthday", "anniversary"} & set(update)  # blocked by (blind) date, ADR 0051
        if name == "contacts" and row.deleted_at is None and (values is not None or dates):
            dedup.index_contact(row)
        return 1
    if name == "history":
        kind = entity_of_type.get(row.content_type_id, "")
        changes = reseal_tree(kind, row.changes, definitions.get(kind, {}), counts)
        changes = reseal_builtin_values(kind, changes, seal_now.get(kind, frozenset()), counts)
        if changes is row.changes:
            return 0
        HistoryEntry.objects.filter(pk=row.pk).update(changes=changes)
        return 1
    if name in ("import_rows", "cleanings"):
        update = {}
        for column in ("before", "after") if name == "cleanings" else ("before",):
            kept = getattr(row, column)
            new = reseal_tree(entity, kept, definitions[entity], counts)
            new = reseal_builtin_values(entity, new, seal_now[entity], counts)
            if new is not kept:
                update[column] = new
        if not update:
            return 0
        type(row).objects.filter(pk=row.pk).update(**update)
        return 1
    snapshot = reseal_tree(entity, row.snapshot, definitions[entity], counts)
    snapshot = _reseal_snapshot_builtins(entity, snapshot, seal_now[entity], counts)
    if snapshot is row.snapshot:
        return 0
    Merge.objects.filter(pk=row.pk).update(snapshot=snapshot)
    return 1


def _scrubbed_extra(extra: Any, seal_now: frozenset[str]) -> Any:
    """A person's vCard extras without what must not be kept in clear now: no address while
    addresses are sealed (ADR 0048), no phone number while personal phones are (ADR 0052)."""
    if "addresses" in seal_now:
        extra = without_address_forms(extra)
    if "phones" in seal_now:
        extra = without_phone_forms(extra, None)
    return extra


def _reseal_snapshot_builtins(
    entity: str, snapshot: Any, seal_now: frozenset[str], counts: Resealed
) -> Any:
    """A merge snapshot with the sealed-at-rest built-ins of its people's ``data`` as they must
    be stored now; the same object when nothing changed."""
    if not isinstance(snapshot, dict):
        return snapshot
    out = dict(snapshot)
    changed = False
    for side, part in snapshot.items():
        if isinstance(part, dict) and isinstance(part.get("data"), dict):
            data = reseal_builtin_values(entity, part["data"], seal_now, counts)
            children = ids_only_when_sealed(part.get("children"), data)
            extra = part.get("vcard_extra")
            extra = _scrubbed_extra(extra, seal_now)
            if (
                data is not part["data"]
                or children is not part.get("children")
                or extra is not part.get("vcard_extra")
            ):
                out[side] = {**part, "data": data}
                if children is not None:
                    out[side]["children"] = children
                if extra is not None:
                    out[side]["vcard_extra"] = extra
                changed = True
    return out if changed else snapshot


def key_usage() -> dict[str, int]:
    """How many sealed values each key id holds in people's and organizations'
    ``custom_fields`` and sealed columns (notes, dates, address parts, personal phone numbers)
    (``rubrica keys status``): an old key may be
    removed once it holds none (and history and merges were re-sealed by a rotation since)."""
    usage: dict[str, int] = {}
    for model in (Contact, Organization):
        for values in (
            model.all_objects.exclude(custom_fields={})
            .values_list("custom_fields", flat=True)
            .iterator(chunk_size=2000)
        ):
            for value in (values or {}).values():
                if sealing.is_sealed(value):
                    usage[value["sealed"]] = usage.get(value["sealed"], 0) + 1
    for model, entity in ((Contact, Entity.CONTACT), (Organization, Entity.ORGANIZATION)):
        for column in sorted(SEALED_COLUMNS.get(entity, frozenset())):
            raw = f"raw_{column}"
            _count_sealed_texts(
                _with_raw_columns(model.all_objects.all(), entity)
                .filter(**{f"{raw}__startswith": sealing.TEXT_PREFIX})
                .values_list(raw, flat=True),
                usage,
            )
    for rows, parts in ((_address_rows, SEALED_ADDRESS_PARTS), (_phone_rows, SEALED_PHONE_PARTS)):
        for part in parts:
            raw = f"raw_{part}"
            _count_sealed_texts(
                rows()
                .filter(**{f"{raw}__startswith": sealing.TEXT_PREFIX})
                .values_list(raw, flat=True),
                usage,
            )
    return usage


def _count_sealed_texts(stored: models.QuerySet[Any], usage: dict[str, int]) -> None:
    for text in stored.iterator(chunk_size=2000):
        key_id = sealing.text_as_sealed(text)["sealed"]
        usage[key_id] = usage.get(key_id, 0) + 1
