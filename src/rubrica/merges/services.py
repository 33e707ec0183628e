"""Merging two people into one, and undoing it exactly.

``contact_merge`` folds the *merged* person into the *survivor*: single-valued fields take the
chosen side, lists take the union, links (affiliations and every other row of any app that points
at a person) move to the survivor, and the merged person goes to the Trash, soft-deleted with all
its own rows. The survivor is changed through ``contacts.services.contact_update`` and the
merged person trashed through ``contact_delete``, so history, the search index and anything else
those services maintain stay right.

``contact_unmerge`` puts both back. **The rule for later edits**: the survivor gets back the
pre-merge value of each field *the merge changed*, as long as that field still holds what the
merge left there; a field edited after the merge keeps the later edit (for lists, the items the
merge added are removed and later additions stay; for custom fields, key by key). Fields the merge
did not change are never touched, so unrelated later edits survive. Links move back when they
still point at the survivor. Without later edits the result is exact: same values, same child
row ids, tags, affiliations, Trash state and display name (``version`` and ``updated_at`` move
forward, since both people changed again).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, cast

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica import search
from rubrica.accounts.models import User
from rubrica.activities.services import refresh_last_interaction
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.contacts.models import ConsentState, Contact
from rubrica.contacts.services import (
    COLLECTIONS,
    TEXT_FIELDS,
    contact_delete,
    contact_restore,
    contact_set_photo,
    contact_update,
    snapshot,
)
from rubrica.contacts.types import ContactInput
from rubrica.core import sealing
from rubrica.core.models import Action
from rubrica.core.policies import can
from rubrica.core.services import SHARING_FIELDS, ensure_can, lock_and_check_version
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import (
    field_access,
    ids_only_when_sealed,
    open_builtins,
    seal_builtins,
)
from rubrica.customfields.services import definitions_for
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.history.services import history_record
from rubrica.merges.models import Merge
from rubrica.organizations.models import Affiliation
from rubrica.sharing.services import shares_carry, shares_carry_back

SNAPSHOT_FORMAT = 1
SURVIVOR = "survivor"
MERGED = "merged"
#: For long text (notes): keep both, the survivor's first.
BOTH = "both"
JOINABLE = ("notes",)
#: Fields with one value: the merge keeps one side's (or a given) value.
SINGLE_FIELDS: tuple[str, ...] = (
    *TEXT_FIELDS,
    "gender",
    "birthday",
    "anniversary",
    "time_zone",
    "stage",
    *SHARING_FIELDS,
)
#: Consent per channel (ADR 0032): an opt-out wins, else the survivor's answer, else the other's.
CONSENT_FIELDS = ("email_consent", "sms_consent")
#: Plain lists: the merge keeps the union.
LIST_FIELDS = ("nicknames", "languages", "tags")
EMPTY: tuple[Any, ...] = ("", None, [], {})
#: History keys of the notes a merge adds to the entries of both people.
NOTE_MERGED_FROM = "merged_from"
NOTE_MERGED_INTO = "merged_into"
NOTE_UNDONE = "merge_undone"

Choices = Mapping[str, Any]


# Snapshots ----------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def affiliation_state(aff: Affiliation) -> dict[str, Any]:
    return {
        "id": aff.pk,
        "organization": aff.organization_id,
        "title": aff.title,
        "department": aff.department,
        "start_date": _iso(aff.start_date),
        "end_date": _iso(aff.end_date),
        "is_primary": aff.is_primary,
    }


def full_state(contact: Contact) -> dict[str, Any]:
    """Everything that makes up a person, JSON-ready: what a merge records and what the tests
    compare (``version`` and ``updated_at`` aside, which always move forward)."""
    children: dict[str, list[dict[str, Any]]] = {}
    data = snapshot(contact)
    for kind, model in COLLECTIONS.items():
        ids = list(
            model._default_manager.filter(contact=contact)
            .order_by("position", "id")
            .values_list("pk", flat=True)
        )
        children[kind] = [{"id": pk, **row} for pk, row in zip(ids, data[kind], strict=True)]
    return {
        "id": contact.pk,
        "uid": contact.uid,
        "version": contact.version,
        "created_at": _iso(contact.created_at),
        "deleted_at": _iso(contact.deleted_at),
        "deleted_by": contact.deleted_by_id,
        "display_name": contact.display_name,
        "sort_name": contact.sort_name,
        "primary_email": contact.primary_email,
        "primary_phone": contact.primary_phone,
        "city": contact.city,
        "country": contact.country,
        "organization": contact.organization_id,
        "photo": contact.photo.name or "",
        "vcard_extra": list(contact.vcard_extra),
        "data": data,
        "tag_ids": sorted(contact.tags.values_list("pk", flat=True)),
        "children": children,
        "affiliations": [
            affiliation_state(aff)
            for aff in Affiliation.objects.filter(contact=contact).order_by("id")
        ],
    }


# Computing the merged values ----------------------------------------------------------------


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def row_key(kind: str, row: Mapping[str, Any]) -> Any:
    """When two rows of a collection are the same thing: emails case-insensitively, phones by
    E.164 (digits when unparsed) and extension, addresses by their parts. A sealed value that
    does not open (its key missing) is only the same as itself: every one reads as the same
    words, and two people's numbers must not become one (ADR 0052)."""
    unreadable = sorted(
        (name, value.raw)
        for name, value in row.items()
        if isinstance(value, sealing.UnreadableText)
    )
    if unreadable:
        return ("unreadable", tuple(unreadable))
    if kind == "emails":
        return str(row.get("value", "")).casefold()
    if kind == "phones":
        number = str(row.get("e164") or "") or _digits(str(row.get("value", "")))
        return (number, str(row.get("extension") or ""))
    if kind == "addresses":
        parts = ("street", "extended", "po_box", "city", "region", "postal_code", "country")
        return tuple(" ".join(str(row.get(p) or "").split()).casefold() for p in parts)
    if kind == "profiles":
        return (str(row.get("label", "")).casefold(), str(row.get("value", "")).casefold())
    return str(row.get("value", "")).rstrip("/").casefold()


def union_rows(
    kind: str, first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``first`` then the rows of ``second`` it lacks; ``first``'s preferred row stays so."""
    seen = {row_key(kind, row) for row in first}
    out = [dict(row) for row in first]
    for row in second:
        key = row_key(kind, row)
        if key in seen:
            continue
        seen.add(key)
        out.append({**row, "is_preferred": bool(row.get("is_preferred")) and not first})
    return out


def union_list(first: list[str], second: list[str], *, fold: bool = False) -> list[str]:
    seen = {item.casefold() if fold else item for item in first}
    out = list(first)
    for item in second:
        key = item.casefold() if fold else item
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _pick(name: str, choice: Any, survivor_value: Any, merged_value: Any, default: Any) -> Any:
    if choice is None:
        return default
    if choice == SURVIVOR:
        return survivor_value
    if choice == MERGED:
        return merged_value
    if choice == BOTH and name in JOINABLE:
        return "\n\n".join(str(v) for v in (survivor_value, merged_value) if v)
    return choice


def merge_data(
    survivor: Mapping[str, Any], merged: Mapping[str, Any], choices: Choices | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The update to send to the survivor (only keys whose value changes), and errors about
    ``choices``. Both arguments are ``contacts.services.snapshot`` shapes.

    Defaults: a single value keeps the survivor's, or takes the merged one's when the survivor
    has none (sharing fields always keep the survivor's); lists and collections take the union;
    custom fields fill the survivor's gaps and keep its values on a difference."""
    choices = dict(choices or {})
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    defined = {d.key for d in definitions_for(Entity.CONTACT)}
    for key in choices:
        if key in SINGLE_FIELDS:
            continue
        if key.startswith("custom_fields.") and key.split(".", 1)[1] in (
            set(survivor["custom_fields"]) | set(merged["custom_fields"])
        ):
            continue
        if key in LIST_FIELDS or key in COLLECTIONS:
            errors[f"choices.{key}"] = _("Lists are merged: both sides' values are kept.")
        else:
            errors[f"choices.{key}"] = _("Unknown field.")
    for name in SINGLE_FIELDS:
        s, m = survivor.get(name), merged.get(name)
        default = s if (s not in EMPTY or name in SHARING_FIELDS) else m
        value = _pick(name, choices.get(name), s, m, default)
        if value != s:
            data[name] = value
    for name in CONSENT_FIELDS:
        # An opt-out on either side is kept: a merge never writes to someone who said no.
        s, m = survivor.get(name) or "", merged.get(name) or ""
        value = ConsentState.WITHDRAWN if ConsentState.WITHDRAWN in (s, m) else (s or m)
        if value != s:
            data[name] = value
    for name in LIST_FIELDS:
        value = union_list(list(survivor[name]), list(merged[name]), fold=name == "tags")
        if value != survivor[name]:
            data[name] = value
    for kind in COLLECTIONS:
        rows = union_rows(kind, survivor[kind], merged[kind])
        if rows != survivor[kind]:
            data[kind] = rows
    custom: dict[str, Any] = {}
    s_cf, m_cf = survivor["custom_fields"], merged["custom_fields"]
    for key in sorted(set(s_cf) | set(m_cf)):
        s, m = s_cf.get(key), m_cf.get(key)
        default = s if s not in EMPTY else m
        value = _pick(key, choices.get(f"custom_fields.{key}"), s, m, default)
        if value == s:
            continue
        if key not in defined:
            # A value whose definition was deleted stays on the merged person (restorable).
            if f"custom_fields.{key}" in choices:
                errors[f"choices.custom_fields.{key}"] = _("This custom field no longer exists.")
            continue
        custom[key] = value
    if custom:
        data["custom_fields"] = custom
    return data, errors


# Links --------------------------------------------------------------------------------------


LinkSpec = tuple[type[models.Model], str, str | None]  # model, FK attname, content type attname

#: Rows that record what happened to one person (like history entries) or are derived from it
#: stay with that person. A model says so with ``merge_follows = False``; these, written at the
#: same time as the merges, are named here until they carry the attribute themselves.
RECORDS_THAT_STAY = frozenset({"dataio.importrow", "quality.cleaningchange", "dedup.duplicatekey"})


def _follows(model: type[models.Model]) -> bool:
    if model._meta.label_lower in RECORDS_THAT_STAY:
        return False
    return getattr(model, "merge_follows", True) is not False


def _skipped_models() -> set[type[models.Model]]:
    skip: set[type[models.Model]] = {Merge, HistoryEntry, *COLLECTIONS.values()}
    for field in Contact._meta.many_to_many:
        through = getattr(field.remote_field, "through", None)
        if through is not None:
            skip.add(through)
    return skip


def link_specs() -> list[LinkSpec]:
    """Every column of any installed model that can point at a person: foreign keys (including
    those of many-to-many tables) and generic relations. A person's own child rows, history and
    merges are excluded, as are models with ``merge_follows = False``."""
    skip = _skipped_models()
    specs: list[LinkSpec] = []
    for rel in Contact._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue
        if rel.many_to_many:
            continue  # their tables' own foreign keys are listed as well
        model = rel.related_model
        field = rel.field  # type: ignore[union-attr]
        if not isinstance(model, type) or model in skip:
            continue
        if not field.target_field.primary_key:
            continue  # a link by another column (uid) is not supported; it stays
        if not _follows(model):
            continue
        specs.append((model, field.attname, None))
    for model in apps.get_models():
        if model in skip or not _follows(model):
            continue
        for private in model._meta.private_fields:
            if isinstance(private, GenericForeignKey):
                ct_field = model._meta.get_field(private.ct_field)
                specs.append((model, private.fk_field, ct_field.attname))  # type: ignore[union-attr]
    return sorted(specs, key=lambda spec: (spec[0]._meta.label_lower, spec[1]))


def _rows(spec: LinkSpec, contact_id: int, ct_id: int) -> models.QuerySet[Any]:
    model, attname, ct_attname = spec
    qs = model._base_manager.filter(**{attname: contact_id})
    if ct_attname is not None:
        qs = qs.filter(**{ct_attname: ct_id})
    return qs


def _other_contact_columns(spec: LinkSpec) -> list[str]:
    model, attname, ct_attname = spec
    if ct_attname is not None:
        return []
    return [
        field.attname
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is Contact and field.attname != attname
    ]


def _try_update(qs: models.QuerySet[Any], values: Mapping[str, Any]) -> bool:
    """Run the update in a savepoint; False (and nothing changed) when a constraint refuses."""
    try:
        with transaction.atomic():
            qs.update(**values)
    except IntegrityError:
        return False
    return True


def _affiliation_pre_move(
    survivor_id: int, merged_id: int, kept: list[dict[str, Any]], demoted: list[int]
) -> set[int]:
    """Exact duplicates stay on the merged person; a second primary flag is cleared."""

    def identity(aff: Affiliation) -> tuple[Any, ...]:
        return (aff.organization_id, aff.title, aff.department, aff.start_date, aff.end_date)

    existing = list(Affiliation.objects.filter(contact_id=survivor_id))
    seen = {identity(aff) for aff in existing}
    has_primary = any(aff.is_primary for aff in existing)
    stay: set[int] = set()
    for aff in Affiliation.objects.filter(contact_id=merged_id).order_by("id"):
        if identity(aff) in seen:
            stay.add(aff.pk)
            kept.append(
                {"model": Affiliation._meta.label_lower, "pk": aff.pk, "reason": "duplicate"}
            )
            continue
        seen.add(identity(aff))
        if aff.is_primary and has_primary:
            Affiliation.objects.filter(pk=aff.pk).update(is_primary=False)
            demoted.append(aff.pk)
    return stay


def move_links(
    survivor_id: int, merged_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    """Point every link of the merged person at the survivor. Returns (moved, kept, demoted):
    rows that point at both people, exact duplicate affiliations and rows a unique constraint
    refuses stay on the merged person, where nothing is lost."""
    ct_id = ContentType.objects.get_for_model(Contact).pk
    moved: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    demoted: list[int] = []
    stay_affiliations = _affiliation_pre_move(survivor_id, merged_id, kept, demoted)
    for spec in link_specs():
        model, attname, _ct = spec
        label = model._meta.label_lower
        others = _other_contact_columns(spec)
        for row in _rows(spec, merged_id, ct_id).values("pk", *others):
            pk = row["pk"]
            if model is Affiliation and pk in stay_affiliations:
                continue
            if any(row[other] == survivor_id for other in others):
                kept.append({"model": label, "pk": pk, "reason": "both"})
                continue
            qs = _rows(spec, merged_id, ct_id).filter(pk=pk)
            if _try_update(qs, {attname: survivor_id}):
                moved.append({"model": label, "pk": pk, "field": attname})
            else:
                kept.append({"model": label, "pk": pk, "reason": "clash"})
    return moved, kept, demoted


def _refresh_organization(contact_id: int) -> None:
    """The list copies of a person that depend on the rows that moved: their organization and
    their last interaction (the latest of the activities that now point at them)."""
    from rubrica.organizations.services import contact_organization_refresh

    contact_organization_refresh(contact_id=contact_id)
    refresh_last_interaction([contact_id])


# History notes ------------------------------------------------------------------------------


def _last_entry_id() -> int:
    return HistoryEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _note(*, actor: User, contact_id: int, since: int, action: str, key: str, text: str) -> None:
    """Add ``key: text`` to the (first) entry the services just wrote for this person, or write
    one (moving the version on: its links changed) when they wrote none."""
    ct = ContentType.objects.get_for_model(Contact)
    entry = (
        HistoryEntry.objects.filter(content_type=ct, object_id=contact_id, id__gt=since)
        .order_by("id")
        .first()
    )
    note = {key: {"before": None, "after": text}}
    if entry is not None:
        HistoryEntry.objects.filter(pk=entry.pk).update(changes={**entry.changes, **note})
        return
    Contact.all_objects.filter(pk=contact_id).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    contact = Contact.all_objects.get(pk=contact_id)
    history_record(
        actor=actor, instance=contact, action=action, changes=note, version=contact.version
    )


def _label(contact: Contact) -> str:
    return f"{contact.display_name} (#{contact.pk})"


# Merge --------------------------------------------------------------------------------------


def _lock_pair(
    survivor_id: int, merged_id: int, expected_versions: tuple[int | None, int | None] | None
) -> tuple[Contact, Contact]:
    """Both rows under a write lock, in id order so two merges never deadlock."""
    expected = dict(zip((survivor_id, merged_id), expected_versions or (None, None), strict=True))
    locked: dict[int, Contact] = {}
    for pk in sorted((survivor_id, merged_id)):
        current = lock_and_check_version(Contact, pk, expected[pk])
        assert isinstance(current, Contact)
        locked[pk] = current
    return locked[survivor_id], locked[merged_id]


def _copy_photo(actor: User, survivor: Contact, merged: Contact) -> str:
    """The survivor gets its own copy of the merged person's photo when it has none."""
    if survivor.photo or not merged.photo:
        return ""
    try:
        with merged.photo.open("rb") as handle:
            content = handle.read()
    except OSError:
        return ""  # the file is gone: nothing to copy
    updated = contact_set_photo(actor=actor, contact=survivor, photo=ContentFile(content))
    return updated.photo.name or ""


@transaction.atomic
def contact_merge(
    *,
    actor: User,
    survivor: Contact,
    merged: Contact,
    choices: Choices | None = None,
    expected_versions: tuple[int | None, int | None] | None = None,
) -> Merge:
    """Fold ``merged`` into ``survivor``; ``merged`` goes to the Trash.

    ``choices`` maps a single-valued field (or ``custom_fields.KEY``) to ``"survivor"``,
    ``"merged"``, ``"both"`` (notes only: both texts, the survivor's first) or a value to keep;
    ``expected_versions`` (survivor's, merged's) refuses stale input with ConflictError. Needs
    the right to change the survivor and to delete the merged person. All or nothing."""
    if survivor.pk == merged.pk:
        raise ValidationError({"merged": _("A person cannot be merged with itself.")})
    if not can(actor, "people", Action.MERGE):
        raise PermissionDenied(_("Your roles do not allow merging people."))
    ensure_can(actor, survivor, Action.CHANGE)
    ensure_can(actor, merged, Action.DELETE)
    survivor, merged = _lock_pair(survivor.pk, merged.pk, expected_versions)
    errors: dict[str, str] = {}
    for role, contact in ((SURVIVOR, survivor), (MERGED, merged)):
        if contact.deleted_at is not None:
            errors[role] = _("%(name)s is in the Trash; restore it first.") % {
                "name": contact.display_name
            }
    if errors:
        raise ValidationError(errors)
    before = {SURVIVOR: full_state(survivor), MERGED: full_state(merged)}
    data, errors = merge_data(before[SURVIVOR]["data"], before[MERGED]["data"], choices)
    # A protected field the actor may not change takes no choice: its values are only kept
    # (the survivor's) or filled in (the merged person's), never seen (ADR 0027).
    locked = field_access(actor, Entity.CONTACT).locked
    for key in choices or {}:
        if key in locked:
            errors[f"choices.{key}"] = _("You may not change the protected field %(field)s.") % {
                "field": key
            }
    if errors:
        raise ValidationError(errors)
    since = _last_entry_id()
    if data:  # snapshot() fields, so ContactInput's
        contact_update(
            actor=actor,
            contact=survivor,
            data=cast(ContactInput, data),
            enforce_field_protection=False,
        )
    photo_copied = _copy_photo(actor, survivor, merged)  # after validation: a file is written
    extra = union_list_json(before[SURVIVOR]["vcard_extra"], before[MERGED]["vcard_extra"])
    if extra != before[SURVIVOR]["vcard_extra"]:
        Contact.all_objects.filter(pk=survivor.pk).update(vcard_extra=extra)
    # Trash first: what the delete service clears for a trashed person (search entries,
    # match keys) is cleared before the links move, so only real links follow the survivor.
    since_merged = _last_entry_id()
    contact_delete(actor=actor, contact=merged)
    _note(
        actor=actor,
        contact_id=merged.pk,
        since=since_merged,
        action=HistoryAction.DELETE,
        key=NOTE_MERGED_INTO,
        text=_label(survivor),
    )
    purpose_answers = _combine_purpose_answers(actor, survivor, merged)
    moved, kept, demoted = move_links(survivor.pk, merged.pk)
    shares = shares_carry(Contact, merged.pk, survivor.pk)  # the stronger level wins
    for pk in (survivor.pk, merged.pk):
        _refresh_organization(pk)
    pair = _close_duplicate_pair(actor, survivor.pk, merged.pk)
    _note(
        actor=actor,
        contact_id=survivor.pk,
        since=since,
        action=HistoryAction.UPDATE,
        key=NOTE_MERGED_FROM,
        text=_label(merged),
    )
    survivor = Contact.all_objects.get(pk=survivor.pk)
    search.index(survivor)
    merge = Merge.objects.create(
        survivor=survivor,
        merged=merged,
        actor=actor,
        survivor_name=survivor.display_name,
        merged_name=merged.display_name,
        snapshot={
            "format": SNAPSHOT_FORMAT,
            SURVIVOR: _sealed_side(before[SURVIVOR]),
            MERGED: _sealed_side(before[MERGED]),
            "survivor_after": {
                "data": seal_builtins(Entity.CONTACT, snapshot(survivor)),
                "vcard_extra": list(survivor.vcard_extra),
            },
            "changed": sorted(data),
            "photo_copied": photo_copied,
            "moved": moved,
            "kept": kept,
            "demoted": demoted,
            "pair": pair,
            "shares": shares,
            "purpose_answers": purpose_answers,
        },
    )
    audit.record(
        actor,
        AuditAction.MERGE,
        merge,
        {"survivor": survivor.pk, "merged": merged.pk, "changed": sorted(data)},
    )
    return merge


def _combine_purpose_answers(
    actor: User, survivor: Contact, merged: Contact
) -> list[dict[str, Any]]:
    """Answers for a purpose (ADR 0035) follow the general consent's rule: an opt-out on either
    side is kept. Where both people answered for the same purpose and channel, the merged
    person's row cannot move (one answer per person, purpose and channel) and stays with them;
    if theirs is an opt-out and the survivor's is not, the survivor's answer becomes that opt-out
    (its time and source). Answers only the merged person gave move with the links. Returns what
    the survivor's rows were, for the undo."""
    from rubrica.contacts.models import PurposeConsent
    from rubrica.contacts.services import contact_purpose_consent_set

    theirs = {
        (row.purpose_id, row.channel): row
        for row in PurposeConsent.objects.filter(contact_id=merged.pk)
    }
    changed: list[dict[str, Any]] = []
    for row in PurposeConsent.objects.filter(contact_id=survivor.pk).select_related("purpose"):
        other = theirs.get((row.purpose_id, row.channel))
        if other is None or other.state != ConsentState.WITHDRAWN:
            continue
        if row.state == ConsentState.WITHDRAWN:
            continue
        changed.append({"pk": row.pk, "state": row.state, "at": _iso(row.at), "source": row.source})
        contact_purpose_consent_set(
            actor=actor,
            contact=survivor,
            purpose=row.purpose,
            channel=row.channel,
            state=ConsentState.WITHDRAWN,
            source=other.source,
            at=other.at,
        )
    return changed


def _restore_purpose_answers(actor: User, survivor: Contact, changed: list[dict[str, Any]]) -> None:
    """Undo :func:`_combine_purpose_answers`: each answer the merge turned into an opt-out is
    given back, unless it was changed again since (a later answer is kept)."""
    from rubrica.contacts.models import PurposeConsent
    from rubrica.contacts.services import contact_purpose_consent_set

    for item in changed:
        row = (
            PurposeConsent.objects.filter(pk=item["pk"], contact_id=survivor.pk)
            .select_related("purpose")
            .first()
        )
        if row is None or row.state != ConsentState.WITHDRAWN:
            continue
        contact_purpose_consent_set(
            actor=actor,
            contact=survivor,
            purpose=row.purpose,
            channel=row.channel,
            state=item["state"],
            source=item["source"],
            at=dt.datetime.fromisoformat(item["at"]) if item["at"] else None,
        )


def _sealed_side(side: dict[str, Any]) -> dict[str, Any]:
    """One person's part of a merge snapshot with the sealed-at-rest built-ins marked sensitive
    sealed (ADR 0034): the snapshot keeps no clear copy of what the person's row keeps sealed.
    Sealed addresses (ADR 0048) keep only the ids of their rows in ``children`` (all the undo
    reads there); their values are in the sealed ``data``."""
    out = {**side, "data": seal_builtins(Entity.CONTACT, side["data"])}
    return {
        **out,
        "children": ids_only_when_sealed(out["children"], out["data"]),
        # no address kept in clear in the vCard extras either (as the person's own row)
        "vcard_extra": sealing.scrub(Entity.CONTACT, "vcard_extra", out["vcard_extra"]),
    }


def _close_duplicate_pair(actor: User, survivor_id: int, merged_id: int) -> dict[str, Any] | None:
    """The candidate pair of these two (if a scan found one) is closed as merged; what it was
    is returned so that an undo can put it back."""
    from rubrica.dedup.models import DuplicatePair
    from rubrica.dedup.services import pair_record_merged

    low, high = sorted((survivor_id, merged_id))
    pair = DuplicatePair.objects.filter(contact_a_id=low, contact_b_id=high).first()
    if pair is None:
        return None
    state = {
        "pk": pair.pk,
        "status": pair.status,
        "decided_at": _iso(pair.decided_at),
        "decided_by": pair.decided_by_id,
    }
    pair_record_merged(actor=actor, contact_ids=(survivor_id, merged_id))
    return state


def _reopen_duplicate_pair(state: Mapping[str, Any] | None) -> None:
    """Put the candidate pair back as it was before the merge (its history keeps both steps)."""
    if not state:
        return
    from rubrica.dedup.models import DuplicatePair

    decided_at = state["decided_at"]
    DuplicatePair.objects.filter(pk=state["pk"]).update(
        status=state["status"],
        decided_at=dt.datetime.fromisoformat(decided_at) if decided_at else None,
        decided_by_id=state["decided_by"],
    )


def union_list_json(first: list[Any], second: list[Any]) -> list[Any]:
    out = list(first)
    for item in second:
        if item not in out:
            out.append(item)
    return out


# Unmerge ------------------------------------------------------------------------------------


def _restore_list(
    before: list[Any], after: list[Any], current: list[Any], key: Callable[[Any], Any]
) -> list[Any]:
    """Three-way: drop from ``current`` what the merge added, put back what it removed."""
    before_keys = {key(item) for item in before}
    added = {key(item) for item in after} - before_keys
    removed = [item for item in before if key(item) not in {key(i) for i in after}]
    out = [item for item in current if key(item) not in added]
    present = {key(item) for item in out}
    out += [item for item in removed if key(item) not in present]
    return out


def restore_data(
    before: Mapping[str, Any], after: Mapping[str, Any], current: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The update that takes the survivor back (see the module docstring for the rule), and
    the fields whose later edits were kept."""
    data: dict[str, Any] = {}
    kept_edits: list[str] = []
    for name in dict.fromkeys([*before, *after]):
        b: Any = before.get(name)
        a: Any = after.get(name)
        c: Any = current.get(name)
        if b == a or c == b:
            continue
        if c == a:
            if name == "custom_fields":
                data[name] = {k: b.get(k) for k in set(a) | set(b) if a.get(k) != b.get(k)}
            else:
                data[name] = b
            continue
        kept_edits.append(name)
        if name in COLLECTIONS:
            data[name] = _restore_list(b, a, c, partial(row_key, name))
        elif name in LIST_FIELDS:
            data[name] = _restore_list(b, a, c, lambda item: str(item).casefold())
        elif name == "custom_fields":
            changes = {
                k: b.get(k)
                for k in set(a) | set(b)
                if a.get(k) != b.get(k) and c.get(k) == a.get(k)
            }
            if changes:
                data[name] = changes
        if name in data and data[name] == c:
            del data[name]
    return data, kept_edits


def _restore_child_ids(contact: Contact, kinds: Iterable[str], state: Mapping[str, Any]) -> None:
    """Give rows rewritten by the update the ids they had before the merge (those ids were
    freed by the merge's own rewrite and are never reused by the database)."""
    for kind in kinds:
        model = COLLECTIONS[kind]
        new_ids = list(
            model._default_manager.filter(contact=contact)
            .order_by("position", "id")
            .values_list("pk", flat=True)
        )
        old_ids = [row["id"] for row in state["children"][kind]]
        if len(new_ids) != len(old_ids):
            continue
        for new, old in zip(new_ids, old_ids, strict=True):
            if new != old and not model._default_manager.filter(pk=old).exists():
                model._default_manager.filter(pk=new).update(**{model._meta.pk.attname: old})


def _move_back(snap: Mapping[str, Any], survivor_id: int, merged_id: int) -> list[dict[str, Any]]:
    """Links moved by the merge go back when they still point at the survivor."""
    ct_id = ContentType.objects.get_for_model(Contact).pk
    lost: list[dict[str, Any]] = []
    specs = link_specs()
    for item in snap["moved"]:
        try:
            model = apps.get_model(item["model"])
        except LookupError:
            lost.append(item)
            continue
        qs = model._base_manager.filter(pk=item["pk"], **{item["field"]: survivor_id})
        spec = next((s for s in specs if s[0] is model and s[1] == item["field"]), None)
        if spec is not None and spec[2] is not None:
            qs = qs.filter(**{spec[2]: ct_id})
        if not qs.exists() or not _try_update(qs, {item["field"]: merged_id}):
            lost.append(item)
    for pk in snap["demoted"]:
        with contextlib.suppress(IntegrityError), transaction.atomic():
            Affiliation.objects.filter(pk=pk, contact_id=merged_id).update(is_primary=True)
    return lost


@transaction.atomic
def contact_unmerge(*, actor: User, merge: Merge) -> tuple[Contact, Contact]:
    """Undo ``merge``: both people and their links as they were (see the module docstring for
    what happens to edits made after the merge). Needs the same rights as the merge. Refused
    when already undone, or while the survivor is in the Trash."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError({"__all__": _("This merge was already undone.")})
    survivor, merged = _lock_pair(merge.survivor_id, merge.merged_id, None)
    ensure_can(actor, survivor, Action.CHANGE)
    ensure_can(actor, merged, Action.DELETE)
    if survivor.deleted_at is not None:
        raise ValidationError(
            {
                "__all__": _("%(name)s is in the Trash; restore it first.")
                % {"name": survivor.display_name}
            }
        )
    snap = merge.snapshot
    before = snap[SURVIVOR]
    before_data = open_builtins(Entity.CONTACT, before["data"])
    since = _last_entry_id()
    data, kept_edits = restore_data(
        before_data,
        open_builtins(Entity.CONTACT, snap["survivor_after"]["data"]),
        snapshot(survivor),
    )
    if data:
        contact_update(  # snapshot() fields, so ContactInput's
            actor=actor,
            contact=survivor,
            data=cast(ContactInput, data),
            action=HistoryAction.REVERT,
            enforce_field_protection=False,
        )
    exact = [kind for kind in COLLECTIONS if kind in data and data[kind] == before_data[kind]]
    _restore_child_ids(survivor, exact, before)
    survivor = Contact.all_objects.get(pk=survivor.pk)
    if survivor.vcard_extra == snap["survivor_after"]["vcard_extra"]:
        Contact.all_objects.filter(pk=survivor.pk).update(vcard_extra=before["vcard_extra"])
    if snap["photo_copied"] and survivor.photo.name == snap["photo_copied"]:
        contact_set_photo(actor=actor, contact=survivor, photo=None)
    lost = _move_back(snap, survivor.pk, merged.pk)
    _restore_purpose_answers(actor, survivor, snap.get("purpose_answers") or [])
    shares_carry_back(Contact, snap.get("shares") or {}, merged.pk, survivor.pk)
    _reopen_duplicate_pair(snap.get("pair"))
    for pk in (survivor.pk, merged.pk):
        _refresh_organization(pk)
    text = _("Merge with %(name)s undone") % {"name": _label(merged)}
    if kept_edits:
        text += " " + _("(later edits kept: %(fields)s)") % {"fields": ", ".join(kept_edits)}
    _note(
        actor=actor,
        contact_id=survivor.pk,
        since=since,
        action=HistoryAction.REVERT,
        key=NOTE_UNDONE,
        text=text,
    )
    since = _last_entry_id()
    if merged.deleted_at is not None:
        contact_restore(actor=actor, contact=merged)
    _note(
        actor=actor,
        contact_id=merged.pk,
        since=since,
        action=HistoryAction.RESTORE,
        key=NOTE_UNDONE,
        text=_("Merge into %(name)s undone") % {"name": _label(survivor)},
    )
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.snapshot = {**snap, "undo": {"kept_edits": kept_edits, "lost_links": lost}}
    merge.save(update_fields=["undone_at", "undone_by", "snapshot"])
    survivor = Contact.all_objects.get(pk=survivor.pk)
    merged = Contact.all_objects.get(pk=merged.pk)
    search.index(survivor)
    search.index(merged)
    audit.record(
        actor, AuditAction.MERGE_UNDO, merge, {"survivor": survivor.pk, "merged": merged.pk}
    )
    return survivor, merged


def ensure_can_merge(actor: User, survivor: Contact, merged: Contact) -> None:
    """The permission part of ``contact_merge``, for doors that want to ask before showing a
    form."""
    ensure_can(actor, survivor, Action.CHANGE)
    ensure_can(actor, merged, Action.DELETE)


# Automatic merge of exact duplicates ------------------------------------------------------


def _folded_name(given: str, family: str) -> str:
    from rubrica.search.text import fold

    return fold(f"{given} {family}")


def exact_duplicate_groups(actor: User) -> Iterable[list[int]]:
    """Ids of people sharing an email (case-insensitively) and a folded, non-empty name, oldest
    first, among those ``actor`` may change. Streams the emails in order; memory stays bounded by
    the people sharing one address."""
    from django.db.models.functions import Lower

    from rubrica.contacts.models import ContactEmail

    changeable = Contact.objects.restrict(actor, Action.CHANGE).values("pk")
    rows = (
        ContactEmail.objects.filter(contact__in=changeable)
        .annotate(folded=Lower("value"))
        .order_by("folded", "contact_id")
        .values_list("folded", "contact_id", "contact__given_name", "contact__family_name")
    )
    current: str | None = None
    block: dict[str, list[int]] = {}

    def flush() -> Iterable[list[int]]:
        for ids in block.values():
            unique = sorted(set(ids))
            if len(unique) > 1:
                yield unique

    for email, contact_id, given, family in rows.iterator(chunk_size=2000):
        if email != current:
            yield from flush()
            current, block = email, {}
        name = _folded_name(given, family)
        if name:
            block.setdefault(name, []).append(contact_id)
    yield from flush()


def auto_merge_exact(*, actor: User, progress: Callable[[int, int], None] | None = None) -> int:
    """Merge people with the same email and the same name into the oldest of them, when the
    setting ``RUBRICA_AUTO_MERGE_EXACT`` is on (off by default: returns 0). Each merge is its
    own transaction and can be undone like any other; a pair the actor may not merge, or that
    changed meanwhile, is skipped. Returns the number of merges made."""
    from django.conf import settings
    from django.core.exceptions import PermissionDenied

    from rubrica.core.services import ConflictError

    if not getattr(settings, "RUBRICA_AUTO_MERGE_EXACT", False):
        return 0
    groups = list(exact_duplicate_groups(actor))
    absorbed: dict[int, int] = {}  # merged id -> the id it went into

    def final(pk: int) -> int:
        while pk in absorbed:
            pk = absorbed[pk]
        return pk

    count = 0
    for index, ids in enumerate(groups, start=1):
        first, *others = ids
        for other_id in others:
            survivor_id, merged_id = final(first), final(other_id)
            if survivor_id == merged_id:
                continue
            survivor = Contact.objects.filter(pk=survivor_id).first()
            merged = Contact.objects.filter(pk=merged_id).first()
            if survivor is None or merged is None:
                continue
            try:
                contact_merge(actor=actor, survivor=survivor, merged=merged)
            except (PermissionDenied, ValidationError, ConflictError):
                continue
            absorbed[merged_id] = survivor_id
            count += 1
        if progress is not None:
            progress(index, len(groups))
    return count
