"""Creating many people at once (an import's batch), with the same result as ``contact_create``
one by one, at a fraction of the cost; and what a bulk update needs to know without writing.

``contact_create`` costs about 10 ms a person (a dozen queries: the row, each child table, tags,
a re-read, the history entry, the search document). An import of 100,000 cards would take
15 minutes that way. ``contacts_create_many`` validates every item with the very same ``_clean``
of ``contacts.services`` (there is no second validation path; custom-field definitions are read
once per batch), then writes each table once per batch (``core.bulk.fast_insert``: multi-row
INSERTs): people, emails, phones, addresses, URLs, profiles, tag links, affiliations
(``organizations.bulk``), one CREATE history entry per person (built by the same
``snapshot``/``diff`` as ``contact_create``), the search documents and vocabulary words (the
search module's own ``contact_fields`` and ``index_new_documents``) and the duplicate-detection
keys (``dedup.keys.identity`` and ``dedup.index.key_rows``, as ``dedup.index_contact`` does).
These three are derived before the write (``prepare_item``, perhaps in an import's reader
process) from the rows held in memory, and derived again from the rows written when the
organization or a tag turned out spelt otherwise; nothing is re-read:
``tests/contacts/test_bulk.py`` checks they equal what ``contact_create`` writes.

It lives here, next to ``_clean`` and ``snapshot``, so that a change to what a person is, or to
how one is validated or recorded, is made once for both paths (the equivalence test fails
otherwise); the features that create people in bulk (``dataio``'s imports) only read files, map
them and call this.

A person who comes with an organization gets the affiliation ``affiliation_create`` would have
made: a second history entry (version 2) naming the new affiliation.

The caller owns the transaction (one per batch, see ``dataio``'s import runner).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.contacts.hooks import tags_changed
from rubrica.contacts.models import ConsentSource, Contact
from rubrica.contacts.search import contact_fields
from rubrica.contacts.services import (
    COLLECTIONS,
    _clean,
    _nonempty,
    derive_display_name,
    set_list_copies,
    snapshot,
)
from rubrica.core.bulk import fast_insert, stand_in
from rubrica.core.models import Action
from rubrica.core.services import ensure_can_create, row_fields
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import (
    PERSONAL_PHONES,
    field_access,
    protected_names,
    refuse_locked,
    seal_builtins,
    split_phones,
)
from rubrica.customfields.services import definitions_cached
from rubrica.dedup.models import DuplicateKey
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.history.services import diff
from rubrica.organizations.bulk import (
    affiliation_clean,
    affiliation_created_changes,
    affiliations_create_primary,
)
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.selectors import organizations_named
from rubrica.organizations.services import organization_create
from rubrica.search.engine import index_new_documents
from rubrica.search.models import Kind
from rubrica.taxonomy.models import Tag


@dataclass
class NewContact:
    """One person to create: ``data`` in the services' input shape; ``uid`` becomes the
    person's UID when no record has it yet; ``organization`` is ``{"name", "title",
    "department"}``."""

    data: dict[str, Any]
    uid: str | None = None
    vcard_extra: list[Any] | None = None
    organization: dict[str, Any] | None = None
    #: ``prepare_item(actor, item)`` made earlier (perhaps in the reading process), or None
    prepared: Prepared | Refusal | None = None


@dataclass
class ItemResult:
    """What became of one item: the new person (with the organization it created and its
    affiliation, and notes such as a UID already taken), or why it was kept out."""

    contact: Contact | None = None
    error: str = ""
    #: the field errors behind ``error`` (``{"phones.0.value": "..."}``), when validation failed
    error_fields: dict[str, str] = field(default_factory=dict)
    organization_created: Organization | None = None
    affiliation: Affiliation | None = None
    notes: list[str] = field(default_factory=list)


#: Tags or organizations a BatchCaches holds at most: a million-row file may name a different
#: company on every row, and an import's memory must not grow with the file.
CACHE_LIMIT = 10_000


@dataclass
class BatchCaches:
    """Tags and organizations looked up (or created) earlier in the same import, by folded
    name, at most CACHE_LIMIT of each (``remember`` forgets the least recently used half when
    full; a name forgotten is looked up again). Only valid within one run: a rolled-back batch
    loses them with the process."""

    tags: dict[str, Tag] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)

    @staticmethod
    def remember(cache: dict[str, Any], key: str, value: Any) -> None:
        """Add ``key``; when full, first forget the older half (a name used again is moved to
        the end by ``recall``, so the names of a file's big customers stay)."""
        if len(cache) >= CACHE_LIMIT:
            for old in list(itertools.islice(cache, len(cache) // 2 or 1)):
                del cache[old]
        cache[key] = value

    @staticmethod
    def recall(cache: dict[str, Any], key: str) -> Any:
        value = cache.pop(key, None)
        if value is not None:
            cache[key] = value
        return value


def error_text(exc: ValidationError | PermissionDenied) -> str:
    """``field: message`` pairs, the form the import report shows."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {message}" if name != "__all__" else str(message)
            for name, messages in exc.message_dict.items()
            for message in messages
        )
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _tag(actor: User, name: str, caches: BatchCaches) -> Tag:
    from rubrica.taxonomy.services import tag_get_or_create

    key = " ".join(name.split()).casefold()
    tag: Tag | None = caches.recall(caches.tags, key)
    if tag is None:
        tag = tag_get_or_create(actor=actor, name=name)
        caches.remember(caches.tags, key, tag)
    return tag


def organization_for(actor: User, name: str, caches: BatchCaches) -> tuple[Organization, bool]:
    """The organization called ``name`` that ``actor`` may see, or a new one; True when new."""
    key = " ".join(name.split()).casefold()
    org = caches.recall(caches.organizations, key)
    if org is not None:
        return org, False
    # A savepoint: a refused creation leaves the caller's transaction usable.
    with transaction.atomic():
        org = organizations_named(Organization.objects.restrict(actor, Action.VIEW), name).first()
        created = org is None
        if org is None:
            org = organization_create(actor=actor, data={"name": name})
    caches.remember(caches.organizations, key, org)
    return org, created


def _prepare(actor: User, item: NewContact) -> tuple[Contact, dict[str, Any]]:
    """Validate like contact_create and fill a new unsaved Contact the way ``_apply`` does."""
    protected = protected_names(Entity.CONTACT)  # cached: no query a row (ADR 0027)
    custom = item.data.get("custom_fields") or {}
    personal = bool(split_phones(item.data.get("phones") or [])[1])
    if any(
        (name in item.data) if "." not in name else (name.split(".", 1)[1] in custom)
        for name in protected
    ) or (PERSONAL_PHONES in protected and personal):
        refuse_locked(field_access(actor, Entity.CONTACT), item.data)
    values, errors = _clean(item.data, current=None, consent_source=ConsentSource.IMPORT)
    if errors:
        raise ValidationError(errors)
    if values.get("owner") is None:
        values["owner"] = actor
    if values["owner"].pk != actor.pk and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can create records for someone else."))
    contact = Contact()
    for name, value in values.items():
        if name in COLLECTIONS or name == "tags":
            continue
        setattr(contact, name, value)
    if not values.get("display_name"):
        contact.display_name = derive_display_name(values)
    set_list_copies(contact, values)
    if item.vcard_extra:
        contact.vcard_extra = item.vcard_extra
    return contact, values


@dataclass
class Refusal:
    """Why an item cannot be created: the report's text and the field errors behind it."""

    error: str
    error_fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Derived:
    """What the history entry, the search document and the duplicate keys of a new person
    hold, computed before anything is written, for the organization name and tag names
    (in the order the database lists tags) it was computed with."""

    organization: str
    tags: list[str]
    changes: dict[str, Any]
    fields: dict[str, str]
    #: duplicate-key rows (``stand_in``) without ``contact_id``
    keys: list[Any]


@dataclass
class Prepared:
    """An item validated and turned into rows, with nothing written: its person (unsaved),
    its children (rows without ``contact_id``), the tag names asked for, the organization's
    name and affiliation values (or the error of those), and ``derived`` computed on the
    guess that the organization and tags are taken as named. ``prepare_item`` makes it, in
    the writing process or in the import's reading process (``dataio.pipeline``); the writer
    checks the guess and derives again when it was wrong (an existing tag or organization
    spelt otherwise), so the result never depends on where it was made."""

    contact: Contact
    children: dict[str, list[Any]]
    tags: list[str]
    organization: str
    affiliation: dict[str, Any]
    affiliation_error: str
    derived: Derived | None


def prepare_item(actor: User, item: NewContact) -> Prepared | Refusal:
    """Validate ``item`` (``_clean``, as contact_create) and build what ``contacts_create_many``
    writes for it; reads the database (custom fields, stages, teams) but never writes.
    Call within ``definitions_cached()``."""
    try:
        contact, values = _prepare(actor, item)
    except (ValidationError, PermissionDenied) as exc:
        fields: dict[str, str] = {}
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            fields = {name: str(messages[0]) for name, messages in exc.message_dict.items()}
        return Refusal(error_text(exc), fields)
    org_data = item.organization or {}
    organization = " ".join(str(org_data.get("name") or "").split())
    affiliation: dict[str, Any] = {}
    affiliation_error = ""
    if organization:
        affiliation, errors = affiliation_clean(
            {
                k: org_data[k]
                for k in ("title", "department", "start_date", "end_date")
                if org_data.get(k)
            }
        )
        affiliation_error = "; ".join(f"organization.{k}: {v}" for k, v in errors.items())
    children = {
        kind: [
            stand_in(position=position, **row_fields(kind, row))
            for position, row in enumerate(values.get(kind) or [])
        ]
        for kind in COLLECTIONS
    }
    tags = list(values.get("tags") or [])
    prepared = Prepared(contact, children, tags, organization, affiliation, affiliation_error, None)
    # The guess: each tag name is a tag of its own, spelt as given (names the services
    # already tidied), listed in code-point order; the organization is spelt as given.
    guessed = sorted(dict.fromkeys(tags))
    if len({name.casefold() for name in guessed}) == len(guessed):
        prepared.derived = _derive(
            contact,
            children,
            [stand_in(name=name) for name in guessed],
            organization,
            _affiliation_row(organization, affiliation) if organization else None,
        )
    return prepared


def _affiliation_row(organization: str, values: dict[str, Any]) -> Any:
    """What ``contact_fields`` reads of an affiliation, before it exists."""
    return stand_in(
        organization=stand_in(name=organization),
        title=values.get("title", ""),
        department=values.get("department", ""),
    )


def _derive(
    contact: Contact,
    children: dict[str, list[Any]],
    tags: list[Any],
    organization: str,
    affiliation: Any,
) -> Derived:
    """The CREATE history changes, search fields and duplicate keys of a new person with these
    children, tags (in the database's order) and affiliation: the very ``snapshot``/``diff``,
    ``contact_fields`` and ``dedup`` functions contact_create goes through, over rows held in
    memory (``_Held``)."""
    from rubrica.contacts.matching import (
        address_parts,
        date_key,
        identifying_keys,
        identifying_values,
        phone_key,
        postcode_key,
    )
    from rubrica.dedup.index import key_rows
    from rubrica.dedup.keys import identity, phone_e164

    related = _related(children, tags, affiliation)
    held = cast(Contact, _Held(contact, related))
    street, postcode = address_parts(related["addresses"])
    person = identity(
        given_name=contact.given_name,
        family_name=contact.family_name,
        additional_name=contact.additional_name,
        display_name=contact.display_name,
        nicknames=contact.nicknames or (),
        emails=[row.value for row in related["emails"]],
        phones=[phone_e164(row.raw, row.e164) for row in related["phones"]],
        organization=organization,
        birthday=contact.birthday,
        city=contact.city,
        street=street,
        postcode=postcode,
        identifiers=identifying_values(contact.custom_fields, identifying_keys()),
        postcode_key=postcode_key(),
        date_key=date_key(),
        phone_key=phone_key(),
    )
    return Derived(
        organization=organization,
        tags=[tag.name for tag in tags],
        # notes marked sensitive stay sealed in history (ADR 0034)
        changes=seal_builtins(Entity.CONTACT, diff({}, _nonempty(snapshot(held)))),
        fields=contact_fields(held),
        keys=key_rows(None, person, make=stand_in),
    )


def _related(children: dict[str, list[Any]], tags: list[Any], affiliation: Any) -> dict[str, Any]:
    """A person's related rows by name, as a prefetch holds them."""
    related: dict[str, list[Any]] = {kind: children.get(kind, []) for kind in COLLECTIONS}
    related["tags"] = tags
    related["affiliations"] = [affiliation] if affiliation is not None else []
    return related


class _Rows:
    """``.all()`` over rows held in memory."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def all(self) -> list[Any]:
        return self.rows


class _Held:
    """A person as ``snapshot`` and ``contact_fields`` read it: its field values, and its
    related rows (children, tags, affiliations) from memory. A person not yet written has no
    related managers (Django refuses them without a primary key), and creating a manager for
    each of the dozen reads cost more than the rest of the derivation. Anything else (the
    owner, stage, team; a method) is the person's own."""

    def __init__(self, contact: Contact, related: dict[str, list[Any]]) -> None:
        self.__dict__.update(contact.__dict__)
        self.__dict__.update({name: _Rows(rows) for name, rows in related.items()})
        self.__dict__["_contact"] = contact

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_contact"], name)


def contacts_create_many(
    *, actor: User, items: Sequence[NewContact], caches: BatchCaches | None = None
) -> list[ItemResult]:
    """Create one person per item (or report why not), in the caller's transaction.

    Returns one result per item, in order: the new contact, or the error (field and message)
    that kept it out. Bad items change nothing; the good ones are all written. An item may
    come already prepared (``NewContact.prepared``, by ``prepare_item``)."""
    with definitions_cached():
        return _create_many(actor, items, caches)


def _create_many(
    actor: User, items: Sequence[NewContact], caches: BatchCaches | None
) -> list[ItemResult]:
    ensure_can_create(actor)
    caches = caches or BatchCaches()
    results = [ItemResult() for _item in items]
    prepared: list[tuple[int, Prepared]] = []
    for index, item in enumerate(items):
        prep = item.prepared if item.prepared is not None else prepare_item(actor, item)
        if isinstance(prep, Refusal):
            results[index].error = prep.error
            results[index].error_fields = dict(prep.error_fields)
            continue
        prepared.append((index, prep))

    # UIDs are unique: one from the file is kept unless another record (or an earlier item of
    # this batch) already has it.
    wanted = {items[i].uid for i, _p in prepared if items[i].uid}
    taken = set(Contact.all_objects.filter(uid__in=wanted).values_list("uid", flat=True))
    for index, prep in prepared:
        uid = items[index].uid
        if not uid:
            continue
        if uid in taken or len(uid) > 255:
            results[index].notes.append(
                _("UID %(uid)s is already used; the person got a new one.") % {"uid": uid[:80]}
            )
        else:
            prep.contact.uid = uid
            taken.add(uid)

    # Organizations (looked up or created through their service).
    organizations: dict[int, Organization] = {}
    for index, prep in prepared:
        if not prep.organization:
            continue
        if prep.affiliation_error:
            results[index].error = prep.affiliation_error
            continue
        try:
            org, created = organization_for(actor, prep.organization, caches)
        except (ValidationError, PermissionDenied) as exc:
            results[index].error = "organization: " + error_text(exc)
            continue
        if created:
            results[index].organization_created = org
        prep.contact.organization = org
        prep.contact.version = 2
        organizations[index] = org
    prepared = [p for p in prepared if not results[p[0]].error]
    if not prepared:
        return results

    fast_insert(Contact, [prep.contact for _i, prep in prepared], returning=True)
    for kind, model in COLLECTIONS.items():
        children = []
        for _i, prep in prepared:
            pk = prep.contact.pk
            for child in prep.children[kind]:
                child.contact_id = pk
                children.append(child)
        fast_insert(model, children)
    through = Contact.tags.through
    links = []
    tags_of: dict[int, list[Tag]] = {}
    for _i, prep in prepared:
        seen: set[int] = set()
        pk = prep.contact.pk
        for name in prep.tags:
            tag = _tag(actor, name, caches)
            if tag.pk not in seen:
                seen.add(tag.pk)
                links.append(stand_in(contact_id=pk, tag_id=tag.pk))
                tags_of.setdefault(pk, []).append(tag)
    fast_insert(through, links)
    tags_changed(tags_of)
    if tags_of:
        # In the order the database lists them (Tag.Meta.ordering, in its collation), as a
        # prefetch would give them.
        rank = {
            pk: n
            for n, pk in enumerate(
                Tag.objects.filter(
                    pk__in={t.pk for ts in tags_of.values() for t in ts}
                ).values_list("pk", flat=True)
            )
        }
        for tags in tags_of.values():
            tags.sort(key=lambda tag: rank[tag.pk])
    linked = [index for index, _prep in prepared if index in organizations]
    made = dict(
        zip(
            linked,
            affiliations_create_primary(
                [
                    (prep.contact, organizations[index], prep.affiliation)
                    for index, prep in prepared
                    if index in organizations
                ]
            ),
            strict=True,
        )
    )

    # History entries, search documents and duplicate keys: those derived before the write
    # when the organization and tags turned out as guessed, else derived again here from the
    # rows just written (held in memory as if prefetched: no re-read of the batch).
    content_type = ContentType.objects.get_for_model(Contact)
    entries: list[Any] = []
    documents: list[tuple[int, dict[str, str]]] = []
    keys: list[Any] = []
    for index, prep in prepared:
        contact = prep.contact
        pk = contact.pk
        made_aff = made.get(index)
        tags = tags_of.get(pk, [])
        org_name = organizations[index].name if index in organizations else ""
        derived = prep.derived
        if (
            derived is None
            or derived.organization != org_name
            or derived.tags != [tag.name for tag in tags]
        ):
            derived = _derive(contact, prep.children, tags, org_name, made_aff)
        contact._prefetched_objects_cache = _related(  # type: ignore[attr-defined]
            prep.children, tags, made_aff
        )
        entries.append(
            stand_in(
                content_type_id=content_type.pk,
                object_id=pk,
                action=HistoryAction.CREATE.value,
                actor_id=actor.pk,
                version=1,
                changes=derived.changes,
            )
        )
        if made_aff is not None:
            entries.append(
                stand_in(
                    content_type_id=content_type.pk,
                    object_id=pk,
                    action=HistoryAction.UPDATE.value,
                    actor_id=actor.pk,
                    version=2,
                    changes=affiliation_created_changes(made_aff),
                )
            )
            results[index].affiliation = made_aff
        documents.append((pk, derived.fields))
        for key in derived.keys:
            key.contact_id = pk
        keys.extend(derived.keys)
        results[index].contact = contact
    fast_insert(HistoryEntry, entries)
    index_new_documents(Kind.CONTACT, documents, insert=fast_insert, make=stand_in)
    fast_insert(DuplicateKey, keys)
    return results


# Update path --------------------------------------------------------------------------------


def contact_data_errors(data: Mapping[str, Any], *, current: Contact | None) -> dict[str, str]:
    """The field errors ``contact_update(contact=current, data=data)`` (``contact_create``
    when ``current`` is None) would refuse ``data`` with (empty when none), by the same
    ``_clean`` and, for a new person, the same "give at least a name" rule; writes nothing. For
    a bulk update that sets aside what the services refuse before it updates, and an import's
    dry run."""
    values, errors = _clean(data, current=current)
    if (
        current is None
        and not errors
        and not (values.get("display_name") or derive_display_name(values))
    ):
        errors["given_name"] = _("Give at least a name, an email or a phone number.")
    return errors


def _canonical_rows(kind: str, rows: list[dict[str, Any]], with_preferred: bool) -> list[Any]:
    out = []
    for row in rows:
        if kind == "phones":
            item: tuple[Any, ...] = (
                row.get("label", ""),
                row.get("e164") or row.get("value", ""),
                row.get("extension", ""),
            )
        elif kind == "emails":
            item = (row.get("label", ""), str(row.get("value", "")).lower())
        elif kind == "addresses":
            item = tuple(
                row.get(part, "")
                for part in (
                    "label",
                    "street",
                    "extended",
                    "po_box",
                    "city",
                    "region",
                    "postal_code",
                    "country",
                )
            )
        else:
            item = (row.get("label", ""), row.get("value", ""))
        if with_preferred:
            item = (*item, bool(row.get("is_preferred")))
        out.append(repr(item))
    return sorted(out)


def contact_unchanged(contact: Contact, data: Mapping[str, Any]) -> bool:
    """Whether applying ``data`` would leave ``contact`` as it is, comparing normalised values:
    emails by lower-cased address, phones by E.164, collections and tags in any order, owner,
    team and stage by identity. Raises ValidationError like the update would. For a bulk
    update (an import's "update" policy) that must tell "unchanged" from "updated" without
    writing a history entry for nothing."""
    values, errors = _clean(data, current=contact)
    if errors:
        raise ValidationError(errors)
    current = snapshot(contact)
    for key, value in values.items():
        if key in COLLECTIONS:
            explicit = any(
                isinstance(row, dict) and row.get("is_preferred") for row in data.get(key) or []
            )
            if _canonical_rows(key, value, explicit) != _canonical_rows(
                key, current[key], explicit
            ):
                return False
        elif key == "tags":
            if sorted({t.casefold() for t in value}) != sorted(
                {t.casefold() for t in current["tags"]}
            ):
                return False
        elif key == "owner":
            if value is not None and value.pk != contact.owner_id:
                return False
        elif key == "team":
            if (value.pk if value else None) != contact.team_id:
                return False
        elif key == "stage":
            if (value.pk if value else None) != contact.stage_id:
                return False
        elif key == "display_name" and not value:
            if contact.display_name != derive_display_name({**current, **values}):
                return False
        elif value != current.get(key):
            return False
    return True


def contacts_trash_many(*, actor: User, versions: Mapping[int, int]) -> dict[int, str]:
    """Move to the Trash, in a few statements, the people ``versions`` names (id -> the version
    they must still be at), as ``contact_delete`` one by one would: only those ``actor`` may
    delete and still at that version; each gets its DELETE history entry and leaves the search
    index and the duplicate keys. For an import's revert (thousands at a time). Call inside
    the caller's transaction. Returns, for each person left alone, why ("" never appears)."""
    from rubrica.search.models import SearchDocument

    kept: dict[int, str] = {}
    ids = list(versions)
    current = {
        pk: (version, deleted_at)
        for pk, version, deleted_at in Contact.all_objects.select_for_update()
        .filter(pk__in=ids)
        .values_list("pk", "version", "deleted_at")
    }
    allowed = set(
        Contact.objects.restrict(actor, Action.DELETE)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    eligible: list[int] = []
    for pk in ids:
        if pk not in current:
            kept[pk] = _("The person no longer exists.")
            continue
        version, deleted_at = current[pk]
        if version != versions[pk]:
            kept[pk] = _(
                "Changed since the import (version %(now)d, the import left %(then)s)."
            ) % {
                "now": version,
                "then": versions[pk],
            }
        elif deleted_at is not None:
            continue  # already in the Trash at that version: nothing to do
        elif pk not in allowed:
            kept[pk] = _("You may not delete this person.")
        else:
            eligible.append(pk)
    if not eligible:
        return kept
    now = timezone.now()
    Contact.all_objects.filter(pk__in=eligible).update(
        deleted_at=now, deleted_by=actor, version=F("version") + 1, updated_at=now
    )
    content_type = ContentType.objects.get_for_model(Contact)
    changes = {"deleted_at": {"before": None, "after": now.isoformat()}}
    fast_insert(
        HistoryEntry,
        [
            stand_in(
                content_type_id=content_type.pk,
                object_id=pk,
                action=HistoryAction.DELETE.value,
                actor_id=actor.pk,
                version=current[pk][0] + 1,
                changes=changes,
            )
            for pk in eligible
        ],
    )
    SearchDocument.objects.filter(kind=Kind.CONTACT, record_id__in=eligible).delete()
    DuplicateKey.objects.filter(contact_id__in=eligible).delete()
    return kept
