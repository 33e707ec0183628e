"""Writes on people. Every door (web, API, CLI, importers) calls these and nothing else.

Each function runs in one transaction that also writes the history entry; invalid data raises
ValidationError with field keys (``emails.1.value``, ``custom_fields.size``) and changes nothing.

``data`` is a ``ContactInput`` (contacts.types): the doors build one, so mypy checks them against
this shape. Inputs made of stored snapshots (merges, quality fixes, import reverts) or of JSON a
person typed (the CLI's ``--data``) are cast to it where they are made; the service cleans every
value either way.

The rules every door must follow live here and are reached by keyword arguments, so that the web
UI, the API and the CLI cannot drift apart: ``expected_version`` (optimistic concurrency: the row
is locked and a stale version raises ConflictError) and ``allow_duplicates`` (the duplicate
warning: unless allowed, a person who looks like someone already there raises DuplicatesFound).
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica import dedup, search
from rubrica.accounts.models import Team, User
from rubrica.audit import services as audit
from rubrica.audit.services import Target
from rubrica.contacts.hooks import tags_changed
from rubrica.contacts.models import (
    CONSENT_CHANNELS,
    ConsentPurpose,
    ConsentSource,
    ConsentState,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactProfile,
    ContactUrl,
    Gender,
    PurposeConsent,
)
from rubrica.contacts.types import ContactInput
from rubrica.core import normalize, sealing
from rubrica.core.models import Action
from rubrica.core.services import (
    SHARING_FIELDS,
    Errors,
    begin_update,
    clean_choice,
    clean_collection,
    clean_string_list,
    clean_text,
    clean_visibility,
    ensure_can,
    ensure_can_create,
    ensure_sharing_allowed,
    lock_and_check_version,
    lookup,
    preferred,
    raise_if,
    snapshot_collection,
    write_collection,
)
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import (
    PERSONAL_PHONES,
    field_access,
    keep_locked_phones,
    open_builtin,
    protected_names,
    refuse_locked,
    split_phones,
)
from rubrica.customfields.services import clean_custom_fields
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.history.services import (
    bulk_apply,
    diff,
    history_record,
    purge_trashed,
    record_set_deleted,
)
from rubrica.sharing.services import shares_forget
from rubrica.taxonomy.models import LifecycleStage, Tag

if TYPE_CHECKING:
    from rubrica.dedup.selectors import Candidate

TEXT_FIELDS: dict[str, int] = {
    "prefix": 50,
    "given_name": 150,
    "additional_name": 150,
    "family_name": 150,
    "suffix": 50,
    "display_name": 300,
    "phonetic_given_name": 150,
    "phonetic_family_name": 150,
    "title": 150,
    "role": 150,
    "source": 100,
    "notes": 100_000,
}
COLLECTIONS: dict[str, type[Any]] = {
    "emails": ContactEmail,
    "phones": ContactPhone,
    "addresses": ContactAddress,
    "urls": ContactUrl,
    "profiles": ContactProfile,
}
ALL_FIELDS = (
    *TEXT_FIELDS,
    "nicknames",
    "languages",
    "gender",
    "birthday",
    "anniversary",
    "time_zone",
    "stage",
    "tags",
    "custom_fields",
    "email_consent",
    "sms_consent",
    *SHARING_FIELDS,
    *COLLECTIONS,
)
#: The spellings a consent cell or argument may use (imports: yes/no columns).
CONSENT_WORDS: dict[str, str] = {
    "": ConsentState.UNKNOWN,
    "unknown": ConsentState.UNKNOWN,
    "granted": ConsentState.GRANTED,
    "opt-in": ConsentState.GRANTED,
    "opted in": ConsentState.GRANTED,
    "yes": ConsentState.GRANTED,
    "y": ConsentState.GRANTED,
    "true": ConsentState.GRANTED,
    "1": ConsentState.GRANTED,
    "withdrawn": ConsentState.WITHDRAWN,
    "opt-out": ConsentState.WITHDRAWN,
    "opted out": ConsentState.WITHDRAWN,
    "no": ConsentState.WITHDRAWN,
    "n": ConsentState.WITHDRAWN,
    "false": ConsentState.WITHDRAWN,
    "0": ConsentState.WITHDRAWN,
}


def consent_state(value: Any) -> str:
    """The state a door's value names (``granted``, ``withdrawn``, yes/no...); ValueError else."""
    if value is None or isinstance(value, bool):
        return (
            ConsentState.UNKNOWN
            if value is None
            else (ConsentState.GRANTED if value else ConsentState.WITHDRAWN)
        )
    key = str(value).strip().casefold()
    if key not in CONSENT_WORDS:
        raise ValueError(_("Use granted, withdrawn or leave it empty."))
    return CONSENT_WORDS[key]


def _clean_consent(
    data: Mapping[str, Any],
    current: Contact | None,
    source: str,
    values: dict[str, Any],
    errors: Errors,
) -> None:
    """Consent states given in ``data``: a changed state is stamped with the time and
    ``source``; the same state again keeps its first time and source."""
    if source not in ConsentSource.values or not source:
        raise ValueError(f"unknown consent source {source!r}")
    for channel in CONSENT_CHANNELS:
        name = f"{channel}_consent"
        if name not in data:
            continue
        try:
            state = consent_state(data[name])
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        if current is not None and getattr(current, name) == state:
            continue
        values[name] = state
        values[f"{name}_at"] = timezone.now() if state else None
        values[f"{name}_source"] = source if state else ConsentSource.NONE


def _is_cjk(text: str) -> bool:
    return any("CJK" in unicodedata.name(ch, "") for ch in text)


def derive_display_name(values: Mapping[str, Any]) -> str:
    given, family = values.get("given_name", ""), values.get("family_name", "")
    if _is_cjk(given + family):
        name = f"{family}{given}"
    else:
        parts = [values.get(p, "") for p in ("prefix", "given_name", "additional_name")]
        name = " ".join(part for part in [*parts, family, values.get("suffix", "")] if part)
    if name:
        return name
    nicknames = values.get("nicknames") or []
    if nicknames:
        return str(nicknames[0])
    for kind in ("emails", "phones"):
        rows = values.get(kind) or []
        if rows:
            return preferred(rows)
    return ""


def sort_key(contact: Contact) -> str:
    base = (
        " ".join(p for p in (contact.family_name, contact.given_name) if p) or contact.display_name
    )
    return base.casefold()[:300]


def _clean(
    data: Mapping[str, Any],
    *,
    current: Contact | None,
    consent_source: str = ConsentSource.USER,
) -> tuple[dict[str, Any], Errors]:
    """Validate ``data`` (a partial update when ``current`` is given). ``consent_source``:
    where a consent state in ``data`` comes from (the door: form, import, API, user)."""
    errors: Errors = {}
    unknown = sorted(set(data) - set(ALL_FIELDS) - {"photo"})
    for name in unknown:
        errors[name] = _("Unknown field.")
    values: dict[str, Any] = clean_text(data, TEXT_FIELDS, errors, multiline=("notes",))
    for name in ("nicknames", "languages"):
        cleaned_list = clean_string_list(data, name, errors)
        if cleaned_list is not None:
            values[name] = cleaned_list
    if isinstance(data.get("gender"), sealing.UnreadableText):
        values["gender"] = data["gender"]  # sealed and does not open: written back as is
    else:
        gender = clean_choice(data, "gender", Gender.values, errors)
        if gender is not None:
            values["gender"] = gender
    for name in ("birthday", "anniversary"):
        if name in data:
            raw = data[name]
            if isinstance(raw, sealing.UnreadableText):
                values[name] = raw  # a sealed date that does not open: written back as is
            elif raw in (None, ""):
                values[name] = ""
            else:
                try:
                    values[name] = normalize.partial_date(raw)
                except ValueError as exc:
                    errors[name] = str(exc)
    if "time_zone" in data:
        if data["time_zone"] in (None, ""):
            values["time_zone"] = ""
        else:
            try:
                values["time_zone"] = normalize.time_zone(data["time_zone"])
            except ValueError as exc:
                errors["time_zone"] = str(exc)
    visibility = clean_visibility(data, errors)
    if visibility is not None:
        values["visibility"] = visibility
    if "stage" in data:
        values["stage"] = _lookup_stage(data["stage"], errors)
    if "owner" in data:
        owner = lookup(User, data["owner"], "owner", errors, by="username")
        if owner is not None and not owner.is_active:
            errors["owner"] = _("This user is not active.")
        values["owner"] = owner
    if "team" in data:
        values["team"] = lookup(Team, data["team"], "team", errors, by="name")
    if "tags" in data:
        tags = clean_string_list(data, "tags", errors, max_length=50)
        values["tags"] = tags or []
    for kind in COLLECTIONS:
        if kind in data:
            rows = clean_collection(kind, data[kind] if data[kind] is not None else [], errors)
            if rows is not None:
                values[kind] = rows
    if "custom_fields" in data or current is None:
        try:
            values["custom_fields"] = clean_custom_fields(
                Entity.CONTACT,
                data.get("custom_fields") or {},
                current=current.custom_fields if current is not None else None,
            )
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    _clean_consent(data, current, consent_source, values, errors)
    return values, errors


def _lookup_stage(value: Any, errors: Errors) -> LifecycleStage | None:
    stage: LifecycleStage | None = lookup(LifecycleStage, value, "stage", errors, by="name")
    return stage


def snapshot(contact: Contact) -> dict[str, Any]:
    """The contact in the services' input shape (see core.services)."""
    data: dict[str, Any] = {name: getattr(contact, name) for name in TEXT_FIELDS}
    data.update(
        nicknames=list(contact.nicknames),
        languages=list(contact.languages),
        gender=contact.gender,
        birthday=contact.birthday,
        anniversary=contact.anniversary,
        time_zone=contact.time_zone,
        stage=contact.stage.name if contact.stage else None,
        owner=contact.owner.username,
        team=contact.team.name if contact.team else None,
        visibility=contact.visibility,
        tags=sorted(tag.name for tag in contact.tags.all()),
        custom_fields=dict(contact.custom_fields),
        email_consent=contact.email_consent,
        sms_consent=contact.sms_consent,
    )
    for kind in COLLECTIONS:
        data[kind] = snapshot_collection(kind, getattr(contact, kind).all())
    return data


def _apply(contact: Contact, values: Mapping[str, Any], actor: User) -> None:
    """Write cleaned ``values`` to ``contact`` and its children, and refresh the list copies.

    A display name that was derived (or empty) follows the name parts; one typed by a person
    stays until changed or cleared."""
    current = snapshot(contact) if contact.pk else {}
    was_derived = not contact.display_name or contact.display_name == derive_display_name(current)
    for name, value in values.items():
        if name in COLLECTIONS or name == "tags":
            continue
        setattr(contact, name, value)
    merged = {**current, **values}
    if not values.get("display_name") and (was_derived or "display_name" in values):
        contact.display_name = derive_display_name(merged)
    set_list_copies(contact, merged)
    contact.save()
    for kind, model in COLLECTIONS.items():
        if kind in values:
            write_collection(contact, kind, model, "contact", values[kind])
    if "tags" in values:
        tags = [_tag(actor, name) for name in values["tags"]]
        before = set(contact.tags.values_list("pk", flat=True))
        contact.tags.set(tags)
        if before != {tag.pk for tag in tags}:
            tags_changed([contact.pk])


def set_list_copies(contact: Contact, values: Mapping[str, Any]) -> None:
    """Check the display name and refresh the copies lists sort and filter on (``sort_name``,
    primary email and phone, city, country) from ``values``, the person's whole data in the
    services' shape. Shared by single writes and batched imports so both store the same."""
    if not contact.display_name:
        raise ValidationError(
            {"given_name": _("Give at least a name, an email or a phone number.")}
        )
    contact.sort_name = sort_key(contact)
    addresses = values.get("addresses") or []
    contact.primary_email = preferred(values.get("emails") or []).lower()
    contact.primary_phone = list_phone(values.get("phones") or [])
    first_address = next((a for a in addresses if a.get("is_preferred")), None) or (
        addresses[0] if addresses else {}
    )
    contact.city = first_address.get("city", "")
    contact.country = first_address.get("country", "")


def list_phone(phones: list[dict[str, Any]]) -> str:
    """The phone the people list shows and filters on (``primary_phone``): the preferred one,
    leaving personal phones out while they are protected (the list is shown to everyone;
    ADR 0034)."""
    if PERSONAL_PHONES in protected_names(Entity.CONTACT):
        phones = split_phones(phones)[0]
    # a sealed number that does not open (ADR 0052) is no number to show or filter on
    phones = [
        row
        for row in phones
        if not isinstance(row.get("e164"), sealing.UnreadableText)
        and not isinstance(row.get("value"), sealing.UnreadableText)
    ]
    return preferred(phones, "e164")


def _tag(actor: User, name: str) -> Tag:
    from rubrica.taxonomy.services import tag_get_or_create

    return tag_get_or_create(actor=actor, name=name)


class DuplicatesFound(ValidationError):
    """Nothing was saved: the person looks like someone already there (the duplicate warning).

    ``candidates`` are the likely duplicates the actor may view, best first. Every door catches
    it to show them and to offer saving anyway (the web form's "Save anyway", the API's 409 and
    ``?allow_duplicates=true``, the CLI's ``--allow-duplicate``). It is a ValidationError so that
    a caller that does not know it still refuses cleanly, with a message and no traceback."""

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        super().__init__(
            {
                NON_FIELD_ERRORS: [
                    _("This person looks like someone already here; nothing was saved.")
                ]
            }
        )
        self.candidates: list[Candidate] = list(candidates)


def _refuse_duplicates(actor: User, data: Mapping[str, Any], exclude_id: int | None) -> None:
    """The duplicate rule: raise DuplicatesFound when ``data`` (the service input as given; for
    an edit laid over the stored person ``exclude_id``) looks like people ``actor`` may view.
    Runs inside the write's transaction, after permission, version and validation checks, so
    that it warns only about a write that would otherwise succeed."""
    candidates = dedup.find_duplicates(user=actor, data=data, exclude_id=exclude_id)
    if candidates:
        raise DuplicatesFound(candidates)


@transaction.atomic
def contact_create(
    *,
    actor: User,
    data: ContactInput,
    allow_duplicates: bool = True,
    consent_source: str = ConsentSource.USER,
) -> Contact:
    """Create a person owned by ``actor`` unless ``owner`` says otherwise.

    With ``allow_duplicates=False`` (what the doors pass until a person confirms) a person who
    looks like someone already there raises DuplicatesFound and nothing is created. The default
    allows them: importers (with their own duplicate policy), merges and other system writes
    never ask."""
    ensure_can_create(actor)
    refuse_locked(field_access(actor, Entity.CONTACT), data)
    values, errors = _clean(data, current=None, consent_source=consent_source)
    raise_if(errors)
    values.setdefault("owner", actor)
    if values["owner"] is None:
        values["owner"] = actor
    if values["owner"].pk != actor.pk and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can create records for someone else."))
    if not allow_duplicates:
        _refuse_duplicates(actor, data, None)
    contact = Contact()
    _apply(contact, values, actor)
    contact.refresh_from_db()
    history_record(
        actor=actor,
        instance=contact,
        action=HistoryAction.CREATE,
        changes=diff({}, _nonempty(snapshot(contact))),
        version=contact.version,
    )
    search.index(contact)
    dedup.index_contact(contact)
    return contact


def _nonempty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in ("", None, [], {})}


@transaction.atomic
def contact_update(
    *,
    actor: User,
    contact: Contact,
    data: ContactInput,
    expected_version: int | None = None,
    allow_duplicates: bool = True,
    action: str = HistoryAction.UPDATE,
    consent_source: str = ConsentSource.USER,
    enforce_field_protection: bool = True,
) -> Contact:
    """Change the fields named in ``data``.

    A protected field (ADR 0027) ``actor`` may not change, named in ``data``, is refused with
    an error naming it; ``enforce_field_protection=False`` is for merges and their undo, which
    apply their own rule (never a choice on such a field; values only kept or filled in).

    The row is locked for the transaction; a stale ``expected_version`` (what the person or
    client last read) raises ConflictError and changes nothing. With ``allow_duplicates=False``
    a change that makes the person look like someone else raises DuplicatesFound (people who
    already looked alike before, and pairs dismissed as "not a duplicate", are not repeated)."""
    current: Contact = begin_update(actor, contact, expected_version)
    if enforce_field_protection:
        access = field_access(actor, Entity.CONTACT)
        refuse_locked(access, data)
        data = keep_locked_phones(access, data, snapshot_collection("phones", current.phones.all()))
    data = _keep_unreadable(data, current)
    values, errors = _clean(data, current=current, consent_source=consent_source)
    raise_if(errors)
    before = snapshot(current)
    ensure_sharing_allowed(actor, current, values)
    if not allow_duplicates:
        _refuse_duplicates(actor, data, current.pk)
    _apply(current, values, actor)
    after = snapshot(current)
    changes = diff(before, after)
    if changes:
        current.version = current.version + 1
        current.save(update_fields=["version", "updated_at"])
        history_record(
            actor=actor, instance=current, action=action, changes=changes, version=current.version
        )
    current.refresh_from_db()
    search.index(current)
    dedup.index_contact(current)
    return current


def contact_consent_set(
    *,
    actor: User,
    contact: Contact,
    channel: str,
    state: str,
    source: str = ConsentSource.USER,
    expected_version: int | None = None,
) -> Contact:
    """Record a person's consent for ``channel`` (``email`` or ``sms``): the state, now, and
    where it came from; the history entry names the change. The same state again changes
    nothing (its first time and source stay)."""
    if channel not in CONSENT_CHANNELS:
        raise ValidationError({"channel": _("Unknown channel.")})
    data = cast(ContactInput, {f"{channel}_consent": state})
    return contact_update(
        actor=actor,
        contact=contact,
        data=data,
        expected_version=expected_version,
        consent_source=source,
    )


MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000


def _check_image(photo: Any) -> None:
    """A real JPEG/PNG/GIF/WebP of sane size; never trust the name or the declared type."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    size = getattr(photo, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": _("A photo may be at most 5 MB.")})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(photo) as image:
                if image.width * image.height > MAX_PHOTO_PIXELS:
                    raise ValidationError({"photo": _("This image has too many pixels.")})
                image.verify()
                if image.format not in ("JPEG", "PNG", "GIF", "WEBP"):
                    raise ValidationError({"photo": _("Use a JPEG, PNG, GIF or WebP image.")})
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ValidationError({"photo": _("This file is not an image.")}) from None
    photo.seek(0)


def _delete_file(name: str) -> None:
    from django.core.files.storage import default_storage

    if name:
        default_storage.delete(name)


@transaction.atomic
def contact_set_photo(
    *, actor: User, contact: Contact, photo: Any, expected_version: int | None = None
) -> Contact:
    """Replace (or, with None, remove) the photo; the file is validated as an image first."""
    ensure_can(actor, contact, Action.CHANGE)
    current = lock_and_check_version(Contact, contact.pk, expected_version)
    assert isinstance(current, Contact)
    if photo is not None:
        _check_image(photo)
    before = current.photo.name or None
    if photo is None:
        current.photo = ""
    else:
        current.photo.save(f"{current.uid.rsplit(':', 1)[-1]}.img", photo, save=False)
    if before and before != (current.photo.name or None):
        transaction.on_commit(functools.partial(_delete_file, before))
    current.version += 1
    current.save(update_fields=["photo", "version", "updated_at"])
    history_record(
        actor=actor,
        instance=current,
        action=HistoryAction.UPDATE,
        changes={"photo": {"before": before, "after": current.photo.name or None}},
        version=current.version,
    )
    return current


def _check_version(actor: User, contact: Contact, expected_version: int | None) -> None:
    """Before a move to or from the Trash: lock the row and refuse a stale version. The right
    to do it is checked first: a refusal answers before a precondition (RFC 9110 §13.2.1)."""
    if expected_version is not None:
        ensure_can(actor, contact, Action.DELETE)
        lock_and_check_version(Contact, contact.pk, expected_version)


@transaction.atomic
def contact_delete(
    *, actor: User, contact: Contact, expected_version: int | None = None
) -> Contact:
    """Move to the Trash (soft delete). Restorable until purged. A stale ``expected_version``
    raises ConflictError."""
    _check_version(actor, contact, expected_version)
    result: Contact = record_set_deleted(actor, contact, deleted=True)
    search.remove(result)
    dedup.remove(result)
    return result


@transaction.atomic
def contact_restore(
    *, actor: User, contact: Contact, expected_version: int | None = None
) -> Contact:
    """Take a person out of the Trash (one not in the Trash is returned unchanged). A stale
    ``expected_version`` raises ConflictError."""
    _check_version(actor, contact, expected_version)
    result: Contact = record_set_deleted(actor, contact, deleted=False)
    search.index(result)
    dedup.index_contact(result)
    return result


def _keep_unreadable(data: Any, current: Contact) -> Any:
    """``data`` with each sealed value that comes back as the stored one that does not open
    (its key missing: ``UnreadableText``; dates, ADR 0051, and address parts, ADR 0048)
    replaced by it, so that the save writes the sealed value back unchanged instead of the
    words shown in its place (which a date would also refuse)."""
    if not isinstance(data, Mapping):
        return data
    for name in ("birthday", "anniversary", "gender"):
        stored = getattr(current, name)
        if not isinstance(stored, sealing.UnreadableText) or name not in data:
            continue
        # a select cannot show the words, so an empty gender is the form's "unchanged" too
        if str(data[name]) == str(stored) or (name == "gender" and not data[name]):
            data = {**data, name: stored}
    if isinstance(data.get("phones"), list):
        data = {**data, "phones": _keep_unreadable_phones(data["phones"], current)}
    if not isinstance(data.get("addresses"), list):
        return data
    stored = list(current.addresses.all())
    if not any(isinstance(v, sealing.UnreadableText) for a in stored for v in vars(a).values()):
        return data
    rows = []
    for position, row in enumerate(data["addresses"]):
        if isinstance(row, Mapping) and position < len(stored):
            row = dict(row)
            for part, value in vars(stored[position]).items():
                if isinstance(value, sealing.UnreadableText) and str(row.get(part)) == str(value):
                    row[part] = value
        rows.append(row)
    return {**data, "addresses": rows}


def _keep_unreadable_phones(rows: list[Any], current: Contact) -> list[Any]:
    """Phone rows of ``data`` with a sealed number that does not open (ADR 0052) given back as
    stored (its number, E.164 form and blind index): a row that carries the stored value
    itself (the personal phones a service keeps for a writer who may not change them) gets its
    own; a row showing only the words gets, in order, the next stored one not yet given back
    (every such number reads as the same words; a form lists them in their order). A row
    carrying another person's stored number (a merge moving it over) gets that row's E.164
    form and blind index with it."""
    stored = [p for p in current.phones.all() if isinstance(p.raw, sealing.UnreadableText)]
    by_cipher = {p.raw.raw: p for p in stored}
    carried = {
        row["value"].raw
        for row in rows
        if isinstance(row, Mapping) and isinstance(row.get("value"), sealing.UnreadableText)
    }
    foreign: dict[str, ContactPhone] = {}
    if missing := carried - set(by_cipher):  # given only to the rows carrying them
        found = ContactPhone.objects.filter(raw__in=sorted(missing))
        for p in found.exclude(contact_id=current.pk).order_by("pk"):
            if isinstance(p.raw, sealing.UnreadableText):
                foreign.setdefault(p.raw.raw, p)
    if not stored and not foreign:
        return rows
    given: set[int] = set()
    for row in rows:  # first the rows that say which stored number they are
        value = row.get("value") if isinstance(row, Mapping) else None
        if isinstance(value, sealing.UnreadableText) and value.raw in by_cipher:
            given.add(by_cipher[value.raw].pk)
    waiting = [p for p in stored if p.pk not in given]
    out = []
    for row in rows:
        value = row.get("value") if isinstance(row, Mapping) else None
        phone = None
        if isinstance(value, sealing.UnreadableText):
            phone = by_cipher.get(value.raw) or foreign.get(value.raw)
        elif value is not None and waiting and str(value) == str(waiting[0].raw):
            phone = waiting.pop(0)
        if phone is not None:
            row = {**row, "value": phone.raw, "e164": phone.e164, "e164_key": phone.e164_key}
        out.append(row)
    return out


def contact_revert(*, actor: User, contact: Contact, entry: HistoryEntry, field: str) -> Contact:
    """Put back the value a field had before the change recorded in ``entry``."""
    if entry.action not in (HistoryAction.UPDATE, HistoryAction.REVERT):
        raise ValidationError({"field": _("Only values from changes can be restored.")})
    if entry.object_id != contact.pk or field not in entry.changes:
        raise ValidationError({"field": _("This change does not concern that field.")})
    if field not in ALL_FIELDS:
        raise ValidationError({"field": _("This field cannot be restored here.")})
    before = open_builtin(Entity.CONTACT, field, entry.changes[field]["before"], strict=True)
    if before is None and field in (*COLLECTIONS, "tags", "nicknames", "languages"):
        before = []
    if before is None and field == "custom_fields":
        before = {}
    data = cast(ContactInput, {field: before})  # ``field`` is one of the fields, checked above
    if field == "custom_fields":
        current_keys = set(contact.custom_fields)
        data = {"custom_fields": {**{k: None for k in current_keys}, **(before or {})}}
    return contact_update(actor=actor, contact=contact, data=data, action=HistoryAction.REVERT)


BULK_ACTIONS = ("tag", "untag", "stage", "owner", "delete")


def contacts_bulk(
    *, actor: User, contacts: Sequence[Contact], action: str, value: Any = None
) -> int:
    """Apply one action to many people, each through the single-record services so that history
    and permissions are the same as one by one. All or nothing: one refusal rolls back all."""
    return bulk_apply(
        actor=actor,
        entity="people",
        records=contacts,
        action=action,
        value=(value or None) if action == "stage" else value,
        actions=BULK_ACTIONS,
        update=lambda contact, data: contact_update(
            actor=actor, contact=contact, data=cast(ContactInput, data)
        ),
        delete=lambda contact: contact_delete(actor=actor, contact=contact),
        refused=_("Your roles do not allow editing people in bulk."),
        target=lambda count: Target(
            "contacts.contact", "", _("%(count)d people") % {"count": count}
        ),
    )


def contact_trash_purge(*, cutoff: dt.datetime) -> int:
    """Delete for good the people moved to the Trash before ``cutoff``, with their history entries
    and photo files: a purge removes the personal data, not only the row. System task (the
    Trash's purge runs it, ``core.trash``); works in batches so memory stays bounded."""
    return purge_trashed(Contact, cutoff=cutoff, before_delete=_forget_photos_and_shares)


def _forget_photos_and_shares(batch: list[int]) -> None:
    _forget_photos(batch)
    shares_forget(Contact, batch)


def _forget_photos(batch: list[int]) -> None:
    """Delete the photo files of the people in ``batch`` once their rows are gone for good."""
    photos = [
        name
        for name in Contact.all_objects.filter(pk__in=batch).values_list("photo", flat=True)
        if name
    ]
    for name in photos:
        transaction.on_commit(functools.partial(_delete_file, name))


#: What an erased person is called from then on (ADR 0032).
ERASED_NAME = "—"


@transaction.atomic
def contact_anonymise(*, contact: Contact) -> Contact:
    """Erase a person's own data for good: names, contacts, addresses, notes, custom values,
    tags, consent, photo, the vCard properties kept, every history entry of theirs, their
    search document and duplicate keys. The row stays (``ERASED_NAME``) so that what points at
    it still does. Not undoable: no history entry is written; the caller (privacy) checks the
    permission and writes the audit entry. System write: no actor."""
    current = Contact.all_objects.select_for_update().get(pk=contact.pk)
    photo = current.photo.name or ""
    for name in TEXT_FIELDS:
        setattr(current, name, "")
    current.display_name = ERASED_NAME
    current.sort_name = ERASED_NAME
    current.nicknames, current.languages, current.vcard_extra = [], [], []
    current.gender = Gender.UNSPECIFIED
    current.birthday = current.anniversary = current.time_zone = ""
    current.custom_fields = {}
    current.photo = ""
    current.primary_email = current.primary_phone = current.city = current.country = ""
    current.organization = None
    for channel in CONSENT_CHANNELS:
        setattr(current, f"{channel}_consent", ConsentState.UNKNOWN)
        setattr(current, f"{channel}_consent_at", None)
        setattr(current, f"{channel}_consent_source", ConsentSource.NONE)
    current.version += 1
    current.save()
    for kind in COLLECTIONS:
        getattr(current, kind).all().delete()
    had_tags = current.tags.exists()
    current.tags.clear()
    if had_tags:
        tags_changed([current.pk])
    from django.contrib.contenttypes.models import ContentType

    HistoryEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Contact), object_id=current.pk
    ).delete()
    search.forget(current)
    dedup.remove(current)
    if photo:
        transaction.on_commit(functools.partial(_delete_file, photo))
    return current


# Consent per purpose (ADR 0035) ----------------------------------------------------------------

PURPOSE_ACTION = "privacy.purpose"


def _ensure_administrator(actor: User) -> None:
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can change the consent purposes."))


@transaction.atomic
def consent_purpose_create(*, actor: User, name: str, key: str = "") -> ConsentPurpose:
    """Add a purpose to the team's list (administrators; audited). ``key`` defaults to the
    name's slug; errors are keyed by field."""
    from django.utils.text import slugify

    _ensure_administrator(actor)
    name = (name or "").strip()
    key = slugify(key or name)[:40]
    errors: Errors = {}
    if not name:
        errors["name"] = _("This field is required.")
    elif len(name) > 100:
        errors["name"] = _("At most %(n)d characters.") % {"n": 100}
    if not key:
        errors["key"] = _("Enter a key of letters, digits and dashes.")
    elif ConsentPurpose.objects.filter(key=key).exists():
        errors["key"] = _("This key is taken.")
    raise_if(errors)
    purpose = ConsentPurpose.objects.create(key=key, name=name)
    audit.record(actor, PURPOSE_ACTION, purpose, {"purpose": key, "change": "create"})
    return purpose


@transaction.atomic
def consent_purpose_delete(*, actor: User, purpose: ConsentPurpose) -> None:
    """Remove a purpose and every answer given for it (administrators; audited)."""
    _ensure_administrator(actor)
    audit.record(actor, PURPOSE_ACTION, purpose, {"purpose": purpose.key, "change": "delete"})
    ConsentPurpose.objects.filter(pk=purpose.pk).delete()


def purpose_answers_of(contact: Contact) -> list[dict[str, Any]]:
    """A person's answers per purpose as a snapshot keeps them (an import's report row), to be
    given back by :func:`purpose_answers_restore`."""
    return [
        {
            "purpose": key,
            "channel": channel,
            "state": state,
            "at": at.isoformat(),
            "source": source,
        }
        for key, channel, state, at, source in PurposeConsent.objects.filter(
            contact=contact
        ).values_list("purpose__key", "channel", "state", "at", "source")
    ]


@transaction.atomic
def purpose_answers_restore(
    *,
    actor: User,
    contact: Contact,
    answers: list[dict[str, Any]],
    left: list[dict[str, Any]] | None = None,
) -> list[str]:
    """Give ``contact`` back the answers of a :func:`purpose_answers_of` snapshot: each answer
    kept there is set again with its time and source, any other is removed (each through
    :func:`contact_purpose_consent_set`, so each change is in the history). With ``left`` (the
    answers as the change being undone left them), only the purposes and channels it changed
    and that are still as it left them are given back: a later answer (an opt-out given since)
    stays. Returns those left alone, as ``purpose:channel``."""
    wanted = {(a["purpose"], a["channel"]): a for a in answers}
    purposes = {p.key: p for p in ConsentPurpose.objects.all()}
    current = {
        (row.purpose.key, row.channel): row
        for row in PurposeConsent.objects.filter(contact=contact).select_related("purpose")
    }
    pairs = set(wanted) | set(current)
    later: list[str] = []
    if left is not None:
        was = {(a["purpose"], a["channel"]): a["state"] for a in left}
        changed = {
            pair
            for pair in set(wanted) | set(was)
            if (wanted[pair]["state"] if pair in wanted else "") != was.get(pair, "")
        }
        pairs = set()
        for pair in sorted(changed):
            now = current[pair].state if pair in current else ""
            if now == was.get(pair, ""):
                pairs.add(pair)
            else:
                later.append(f"{pair[0]}:{pair[1]}")
    for key, channel in sorted(pairs):
        answer = wanted.get((key, channel))
        row = current.get((key, channel))
        if answer is None:
            if row is not None:
                contact_purpose_consent_set(
                    actor=actor, contact=contact, purpose=row.purpose, channel=channel, state=""
                )
            continue
        purpose = purposes.get(key)
        if purpose is None or (row is not None and row.state == answer["state"]):
            continue
        contact_purpose_consent_set(
            actor=actor,
            contact=contact,
            purpose=purpose,
            channel=channel,
            state=answer["state"],
            source=answer["source"],
            at=dt.datetime.fromisoformat(answer["at"]),
        )
    return later


@transaction.atomic
def contact_purpose_consent_set(
    *,
    actor: User,
    contact: Contact,
    purpose: ConsentPurpose,
    channel: str,
    state: str,
    source: str = ConsentSource.USER,
    at: dt.datetime | None = None,
) -> PurposeConsent | None:
    """Record a person's answer for ``purpose`` on ``channel``: opted in, opted out, or not asked
    (empty: the answer is removed). Needs the right to change the person; the history entry
    names the change (``consent:<purpose>:<channel>``). The same state again changes nothing
    (its first time and source stay). ``at``: when the answer was given, if not now (a merge
    carries the other person's opt-out with its own time)."""
    if channel not in CONSENT_CHANNELS:
        raise ValidationError({"channel": _("Unknown channel.")})
    if state not in ConsentState.values:
        raise ValidationError({"state": _("There is no such choice.")})
    if source not in ConsentSource.values:
        raise ValidationError({"source": _("There is no such choice.")})
    current = begin_update(actor, contact, None)
    row = PurposeConsent.objects.filter(contact=current, purpose=purpose, channel=channel).first()
    before = row.state if row is not None else ""
    if before == state:
        return row
    if not state:
        PurposeConsent.objects.filter(contact=current, purpose=purpose, channel=channel).delete()
        row = None
    elif row is None:
        row = PurposeConsent.objects.create(
            contact=current,
            purpose=purpose,
            channel=channel,
            state=state,
            at=at or timezone.now(),
            source=source,
        )
    else:
        row.state, row.at, row.source = state, at or timezone.now(), source
        row.save(update_fields=["state", "at", "source"])
    history_record(
        actor=actor,
        instance=current,
        action=HistoryAction.UPDATE,
        changes={f"consent:{purpose.key}:{channel}": {"before": before, "after": state}},
        version=current.version,
    )
    return row
