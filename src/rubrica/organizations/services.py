"""Writes on organizations and affiliations (the same rules as contacts.services).

``data`` is an ``OrganizationInput`` or ``AffiliationInput`` (organizations.types), also taken as
a plain mapping while the importers and demo data build untyped dicts. Concurrency is the
services' too: ``expected_version`` for organizations, and for affiliations (which have no version
of their own) a ``precondition`` the service runs on the row it has locked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rubrica import dedup, search
from rubrica.accounts.models import Team, User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction, Target
from rubrica.contacts.models import Contact
from rubrica.core import normalize
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
from rubrica.customfields.protection import field_access, open_builtin, refuse_locked
from rubrica.customfields.services import clean_custom_fields
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.history.services import (
    bulk_apply,
    diff,
    history_record,
    purge_trashed,
    record_set_deleted,
)
from rubrica.organizations.models import (
    Affiliation,
    Organization,
    OrganizationAddress,
    OrganizationPhone,
    OrganizationSize,
)
from rubrica.organizations.selectors import name_key
from rubrica.organizations.types import AffiliationInput, OrganizationInput
from rubrica.sharing.services import shares_forget
from rubrica.taxonomy.models import OrganizationKind

TEXT_FIELDS = {"name": 300, "industry": 150, "notes": 100_000}
COLLECTIONS: dict[str, type[Any]] = {"phones": OrganizationPhone, "addresses": OrganizationAddress}
ALL_FIELDS = (
    *TEXT_FIELDS,
    "kind",
    "size",
    "website",
    "email_domains",
    "parent",
    "tags",
    "custom_fields",
    *SHARING_FIELDS,
    *COLLECTIONS,
)


def _clean(
    data: Mapping[str, Any], *, current: Organization | None, actor: User
) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    for name in sorted(set(data) - set(ALL_FIELDS)):
        errors[name] = _("Unknown field.")
    values: dict[str, Any] = clean_text(data, TEXT_FIELDS, errors, multiline=("notes",))
    if current is None and not values.get("name") and "name" not in errors:
        errors["name"] = _("An organization needs a name.")
    if "name" in values and not values["name"] and "name" not in errors:
        errors["name"] = _("An organization needs a name.")
    size = clean_choice(data, "size", OrganizationSize.values, errors)
    if size is not None:
        values["size"] = size
    if "website" in data:
        if data["website"] in (None, ""):
            values["website"] = ""
        else:
            try:
                values["website"] = normalize.url(data["website"])
            except ValueError as exc:
                errors["website"] = str(exc)
    domains = clean_string_list(data, "email_domains", errors, max_length=253)
    if domains is not None:
        cleaned_domains = []
        for index, domain in enumerate(domains):
            domain = domain.lower().lstrip("@")
            try:
                normalize.email(f"x@{domain}")
            except ValueError:
                errors[f"email_domains.{index}"] = _("This is not a domain name.")
            cleaned_domains.append(domain)
        values["email_domains"] = cleaned_domains
    visibility = clean_visibility(data, errors)
    if visibility is not None:
        values["visibility"] = visibility
    if "kind" in data:
        values["kind"] = lookup(OrganizationKind, data["kind"], "kind", errors, by="name")
    if "owner" in data:
        owner = lookup(User, data["owner"], "owner", errors, by="username")
        if owner is not None and not owner.is_active:
            errors["owner"] = _("This user is not active.")
        values["owner"] = owner
    if "team" in data:
        values["team"] = lookup(Team, data["team"], "team", errors, by="name")
    if "parent" in data:
        visible = Organization.objects.restrict(actor, Action.VIEW)
        parent = lookup(visible, data["parent"], "parent", errors, by="name")
        if parent is not None and current is not None:
            node: Organization | None = parent
            while node is not None:
                if node.pk == current.pk:
                    errors["parent"] = _("An organization cannot be inside itself.")
                    break
                node = node.parent
        values["parent"] = parent
    if "tags" in data:
        values["tags"] = clean_string_list(data, "tags", errors, max_length=50) or []
    for kind in COLLECTIONS:
        if kind in data:
            rows = clean_collection(kind, data[kind] if data[kind] is not None else [], errors)
            if rows is not None:
                values[kind] = rows
    if "custom_fields" in data or current is None:
        try:
            values["custom_fields"] = clean_custom_fields(
                Entity.ORGANIZATION,
                data.get("custom_fields") or {},
                current=current.custom_fields if current is not None else None,
            )
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    return values, errors


def snapshot(org: Organization) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(org, name) for name in TEXT_FIELDS}
    data.update(
        kind=org.kind.name if org.kind else None,
        size=org.size,
        website=org.website,
        email_domains=list(org.email_domains),
        parent=org.parent_id,
        owner=org.owner.username,
        team=org.team.name if org.team else None,
        visibility=org.visibility,
        tags=sorted(tag.name for tag in org.tags.all()),
        custom_fields=dict(org.custom_fields),
    )
    for kind in COLLECTIONS:
        data[kind] = snapshot_collection(kind, getattr(org, kind).all())
    return data


def _apply(org: Organization, values: Mapping[str, Any], actor: User) -> None:
    from rubrica.taxonomy.services import tag_get_or_create

    for name, value in values.items():
        if name not in COLLECTIONS and name != "tags":
            setattr(org, name, value)
    org.sort_name = name_key(org.name)
    current = snapshot(org) if org.pk else {}
    merged = {**current, **values}
    phones = merged.get("phones") or []
    addresses = merged.get("addresses") or []
    org.primary_phone = preferred(phones, "e164")
    first = next((a for a in addresses if a.get("is_preferred")), addresses[0] if addresses else {})
    org.city, org.country = first.get("city", ""), first.get("country", "")
    org.save()
    for kind, model in COLLECTIONS.items():
        if kind in values:
            write_collection(org, kind, model, "organization", values[kind])
    if "tags" in values:
        org.tags.set([tag_get_or_create(actor=actor, name=name) for name in values["tags"]])


@transaction.atomic
def organization_create(
    *, actor: User, data: OrganizationInput, uid: str | None = None
) -> Organization:
    """A new organization; ``uid`` (an import's) becomes its UID when no organization has it
    yet and it fits, else it gets a new one."""
    ensure_can_create(actor)
    refuse_locked(field_access(actor, Entity.ORGANIZATION), data)
    values, errors = _clean(data, current=None, actor=actor)
    raise_if(errors)
    if values.get("owner") is None:
        values["owner"] = actor
    if values["owner"].pk != actor.pk and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can create records for someone else."))
    org = Organization()
    if uid and len(uid) <= 255 and not Organization.all_objects.filter(uid=uid).exists():
        org.uid = uid
    _apply(org, values, actor)
    org.refresh_from_db()
    after = {k: v for k, v in snapshot(org).items() if v not in ("", None, [], {})}
    history_record(
        actor=actor,
        instance=org,
        action=HistoryAction.CREATE,
        changes=diff({}, after),
        version=org.version,
    )
    search.index(org)
    return org


@transaction.atomic
def organization_update(
    *,
    actor: User,
    organization: Organization,
    data: OrganizationInput,
    expected_version: int | None = None,
    action: str = HistoryAction.UPDATE,
) -> Organization:
    """Change the fields named in ``data``; the row is locked for the transaction and a stale
    ``expected_version`` raises ConflictError."""
    current: Organization = begin_update(actor, organization, expected_version)
    refuse_locked(field_access(actor, Entity.ORGANIZATION), data)
    values, errors = _clean(data, current=current, actor=actor)
    raise_if(errors)
    ensure_sharing_allowed(actor, current, values)
    before = snapshot(current)
    _apply(current, values, actor)
    changes = diff(before, snapshot(current))
    if changes:
        current.version += 1
        current.save(update_fields=["version", "updated_at"])
        history_record(
            actor=actor, instance=current, action=action, changes=changes, version=current.version
        )
    current.refresh_from_db()
    search.index(current)
    return current


def _check_version(actor: User, organization: Organization, expected_version: int | None) -> None:
    """Before a move to or from the Trash: lock the row and refuse a stale version, after the
    right to do it (a refusal answers before a precondition, RFC 9110 §13.2.1)."""
    if expected_version is not None:
        ensure_can(actor, organization, Action.DELETE)
        lock_and_check_version(Organization, organization.pk, expected_version)


@transaction.atomic
def organization_delete(
    *, actor: User, organization: Organization, expected_version: int | None = None
) -> Organization:
    """Move to the Trash; a stale ``expected_version`` raises ConflictError."""
    _check_version(actor, organization, expected_version)
    result: Organization = record_set_deleted(actor, organization, deleted=True)
    search.remove(result)
    return result


@transaction.atomic
def organization_restore(
    *, actor: User, organization: Organization, expected_version: int | None = None
) -> Organization:
    """Take out of the Trash; a stale ``expected_version`` raises ConflictError."""
    _check_version(actor, organization, expected_version)
    result: Organization = record_set_deleted(actor, organization, deleted=False)
    search.index(result)
    return result


#: What "With the selected organizations" offers (the people's list offers the stage instead of
#: the kind).
BULK_ACTIONS = ("tag", "untag", "kind", "owner", "delete")


def organizations_bulk(
    *, actor: User, organizations: Sequence[Organization], action: str, value: Any = None
) -> int:
    """Apply one action to many organizations, each through ``organization_update`` or
    ``organization_delete`` so that history, permissions and protected fields are those of one
    by one. All or nothing: one refusal rolls back all. ``kind`` takes a kind's name or id (empty
    clears it), ``owner`` a user's id or username."""
    return bulk_apply(
        actor=actor,
        entity="organizations",
        records=organizations,
        action=action,
        value=(value or None) if action == "kind" else value,
        actions=BULK_ACTIONS,
        update=lambda organization, data: organization_update(
            actor=actor, organization=organization, data=cast(OrganizationInput, data)
        ),
        delete=lambda organization: organization_delete(actor=actor, organization=organization),
        refused=_("Your roles do not allow editing organizations in bulk."),
        target=lambda count: Target(
            "organizations.organization",
            "",
            ngettext("%(count)d organization", "%(count)d organizations", count) % {"count": count},
        ),
    )


def organization_trash_purge(*, cutoff: dt.datetime) -> int:
    """Delete for good the organizations moved to the Trash before ``cutoff``, with their history
    entries. System task (the Trash's purge runs it, ``core.trash``); works in batches."""
    return purge_trashed(Organization, cutoff=cutoff, before_delete=_forget_shares)


def _forget_shares(batch: list[int]) -> None:
    shares_forget(Organization, batch)


def organization_revert(
    *, actor: User, organization: Organization, entry: HistoryEntry, field: str
) -> Organization:
    if entry.action not in (HistoryAction.UPDATE, HistoryAction.REVERT):
        raise ValidationError({"field": _("Only values from changes can be restored.")})
    if entry.object_id != organization.pk or field not in entry.changes or field not in ALL_FIELDS:
        raise ValidationError({"field": _("This change does not concern that field.")})
    before = open_builtin(Entity.ORGANIZATION, field, entry.changes[field]["before"], strict=True)
    if before is None and field in (*COLLECTIONS, "tags", "email_domains"):
        before = []
    if field == "custom_fields":
        before = {**{k: None for k in organization.custom_fields}, **(before or {})}
    data = cast(OrganizationInput, {field: before})  # ``field`` is one of the fields, checked above
    return organization_update(
        actor=actor, organization=organization, data=data, action=HistoryAction.REVERT
    )


# Affiliations -------------------------------------------------------------------------------

AFFILIATION_TEXT = {"title": 150, "department": 150}


def _clean_affiliation(data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    for name in sorted(set(data) - {*AFFILIATION_TEXT, "start_date", "end_date", "is_primary"}):
        errors[name] = _("Unknown field.")
    values: dict[str, Any] = clean_text(data, AFFILIATION_TEXT, errors)
    import datetime as dt

    for name in ("start_date", "end_date"):
        if name in data:
            raw = data[name]
            if raw in (None, ""):
                values[name] = None
            elif isinstance(raw, dt.date):
                values[name] = raw
            else:
                try:
                    values[name] = dt.date.fromisoformat(str(raw))
                except ValueError:
                    errors[name] = _("Enter a date as YYYY-MM-DD.")
    if "is_primary" in data:
        values["is_primary"] = bool(data["is_primary"])
    return values


def _affiliation_snapshot(aff: Affiliation) -> dict[str, Any]:
    return {
        "organization": aff.organization_id,
        "title": aff.title,
        "department": aff.department,
        "start_date": aff.start_date.isoformat() if aff.start_date else None,
        "end_date": aff.end_date.isoformat() if aff.end_date else None,
        "is_primary": aff.is_primary,
    }


def _save_affiliation(actor: User, aff: Affiliation, action: str, before: dict[str, Any]) -> None:
    if aff.start_date and aff.end_date and aff.end_date < aff.start_date:
        raise ValidationError({"end_date": _("The end comes before the start.")})
    if aff.is_primary:
        Affiliation.objects.filter(contact_id=aff.contact_id, is_primary=True).exclude(
            pk=aff.pk
        ).update(is_primary=False)
    try:
        with transaction.atomic():
            aff.save()
    except IntegrityError:
        raise ValidationError({"__all__": _("This affiliation conflicts with another.")}) from None
    contact_organization_refresh(contact_id=aff.contact_id)
    contact = _bump_contact(aff.contact_id)
    search.index(contact)
    dedup.index_contact(contact)
    history_record(
        actor=actor,
        instance=contact,
        action=action,
        changes={
            f"affiliation.{aff.pk}": {"before": before or None, "after": _affiliation_snapshot(aff)}
        },
        version=contact.version,
    )


def _bump_contact(contact_id: int) -> Contact:
    """An affiliation is part of its person: the person's version and updated time move on, so
    ETags and edit forms taken before the change are refused afterwards. The caller holds the
    person's row lock (lock_and_check_version)."""
    Contact.all_objects.filter(pk=contact_id).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    return Contact.all_objects.get(pk=contact_id)


def contact_organization_refresh(*, contact_id: int) -> None:
    """Rewrite the person's list copy of their organization (ADR 0002): the primary current
    affiliation, else the latest current one. No permission check: a step of a service that has
    checked (the affiliation services here, a merge moving affiliations), in its transaction."""
    current = (
        Affiliation.objects.filter(contact_id=contact_id, end_date__isnull=True)
        .order_by("-is_primary", "-start_date", "-id")
        .values_list("organization_id", flat=True)
        .first()
    )
    Contact.all_objects.filter(pk=contact_id).update(organization_id=current)


#: A door's check of an affiliation it read earlier, run by the service on the row it has just
#: locked, before anything changes; it raises to refuse. Affiliations have no version, so the
#: API compares the content tag the client sent in If-Match (``PreconditionFailed``, 412).
AffiliationPrecondition = Callable[[Affiliation], None]


def _begin_affiliation_change(
    actor: User, affiliation: Affiliation, precondition: AffiliationPrecondition | None
) -> Affiliation:
    """Permission to change the person and their row lock (an affiliation is part of its
    person), then the affiliation re-read under its own lock and the door's precondition."""
    begin_update(actor, affiliation.contact, None)
    current = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
    if precondition is not None:
        precondition(current)
    return current


@transaction.atomic
def affiliation_create(
    *,
    actor: User,
    contact: Contact,
    organization: Organization,
    data: AffiliationInput,
) -> Affiliation:
    """Link ``contact`` to ``organization`` with the role, dates and flags in ``data``."""
    begin_update(actor, contact, None)  # may change the person, locks its row, not in Trash
    if not Organization.objects.restrict(actor, Action.VIEW).filter(pk=organization.pk).exists():
        raise PermissionDenied(_("You may not link to this organization."))
    errors: Errors = {}
    values = _clean_affiliation(data, errors)
    raise_if(errors)
    aff = Affiliation(contact=contact, organization=organization, **values)
    _save_affiliation(actor, aff, HistoryAction.UPDATE, {})
    return aff


@transaction.atomic
def affiliation_update(
    *,
    actor: User,
    affiliation: Affiliation,
    data: AffiliationInput,
    precondition: AffiliationPrecondition | None = None,
) -> Affiliation:
    """Change the fields named in ``data`` of the affiliation as it is now (re-read under a
    lock); ``precondition`` may refuse first."""
    current = _begin_affiliation_change(actor, affiliation, precondition)
    errors: Errors = {}
    values = _clean_affiliation(data, errors)
    raise_if(errors)
    before = _affiliation_snapshot(current)
    for name, value in values.items():
        setattr(current, name, value)
    _save_affiliation(actor, current, HistoryAction.UPDATE, before)
    return current


@transaction.atomic
def affiliation_delete(
    *,
    actor: User,
    affiliation: Affiliation,
    precondition: AffiliationPrecondition | None = None,
) -> None:
    """Remove the link; the person's history keeps what it was. ``precondition`` may refuse
    first."""
    current = _begin_affiliation_change(actor, affiliation, precondition)
    contact_id = current.contact_id
    before = _affiliation_snapshot(current)
    pk = current.pk
    audit.record(
        actor,
        AuditAction.RECORD_DESTROY,
        current,
        {"person": contact_id, "organization": current.organization_id},
    )
    current.delete()
    contact_organization_refresh(contact_id=contact_id)
    contact = _bump_contact(contact_id)
    search.index(contact)
    dedup.index_contact(contact)
    history_record(
        actor=actor,
        instance=contact,
        action=HistoryAction.UPDATE,
        changes={f"affiliation.{pk}": {"before": before, "after": None}},
        version=contact.version,
    )
