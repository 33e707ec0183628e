"""Writes of segments: create, update, delete, and the members of a saved selection.

Every function checks the actor's permission, validates everything before writing anything
(errors name the field: ``name``, ``team``, ``filters.tag``, ``contacts``...), runs in one
transaction and writes a history entry in it. The doors (web, API, CLI) only translate.

A dynamic segment's filters are validated *through the people filter itself*
(``ContactFilter.parse``) and stored in the normalised form read back from the parsed filter, so
what is saved is exactly what the people list understood, and a saved segment can never hold a
filter the list would refuse or read differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rubrica.accounts.models import Team, User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.models import Contact
from rubrica.core import normalize
from rubrica.core.ids import parse_id
from rubrica.core.models import Action, Visibility
from rubrica.core.services import (
    ConflictError,
    Errors,
    clean_choice,
    ensure_can_create,
    lookup,
    raise_if,
)
from rubrica.history.models import HistoryAction
from rubrica.history.services import diff, history_record
from rubrica.organizations.models import Organization
from rubrica.segments.models import Segment, SegmentKind, SegmentMember
from rubrica.segments.types import SegmentInput
from rubrica.taxonomy.models import LifecycleStage, Tag

#: The people-list filter parameters a dynamic segment may hold (plus ``cf_<key>``). Paging and
#: ordering (sort, cursor, size) are not part of a set of people and are not kept.
ID_KEYS = ("tag", "stage", "owner", "team", "organization")
TEXT_KEYS = ("q", "city", "country")
BOOL_KEYS = ("has_email", "has_phone")
DATE_KEYS = ("created_from", "created_to", "updated_from", "updated_to")
#: Whole numbers: "not contacted for N days" (the people's last interaction, kept by activities).
NUMBER_KEYS = ("not_contacted_days",)
FILTER_KEYS = (*TEXT_KEYS, *ID_KEYS, *BOOL_KEYS, *DATE_KEYS, *NUMBER_KEYS)
CUSTOM_PREFIX = "cf_"
#: At most this many values per filter (ids are looked up in one query).
MAX_FILTER_VALUES = 100
#: At most this many people are added or removed in one call (the web bulk action sends 500).
MAX_MEMBERS_PER_CALL = 1000
NAME_MAX = 100
DESCRIPTION_MAX = 2000


def is_filter_key(key: str) -> bool:
    return key in FILTER_KEYS or (key.startswith(CUSTOM_PREFIX) and len(key) > len(CUSTOM_PREFIX))


def filters_of(flt: ContactFilter) -> dict[str, Any]:
    """The stored form of a parsed people filter: only what narrows the list, normalised
    (ids as sorted unique integers, booleans as "true"/"false", dates in ISO form)."""
    out: dict[str, Any] = {}
    if flt.q:
        out["q"] = flt.q
    for key, ids in (
        ("tag", flt.tags),
        ("stage", flt.stages),
        ("owner", flt.owners),
        ("team", flt.teams),
        ("organization", flt.organizations),
    ):
        if ids:
            out[key] = sorted(set(ids))
    if flt.city:
        out["city"] = flt.city
    if flt.country:
        out["country"] = flt.country
    for key in BOOL_KEYS:
        value = getattr(flt, key)
        if value is not None:
            out[key] = "true" if value else "false"
    for key in DATE_KEYS:
        day = getattr(flt, key)
        if day is not None:
            out[key] = day.isoformat()
    if flt.not_contacted_days is not None:
        out["not_contacted_days"] = str(flt.not_contacted_days)
    for name, value in sorted(flt.custom.items()):
        out[f"{CUSTOM_PREFIX}{name}"] = value
    return out


def _raw_values(value: Any) -> list[str] | None:
    """A filter value as the list parser sees it, or None when its shape is wrong."""
    items = value if isinstance(value, list | tuple) else [value]
    out = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, int | str):
            out.append(str(item))
        else:
            return None
    return out


def clean_filters(actor: User, raw: Any, errors: Errors) -> dict[str, Any]:
    """Validate people-list filters for a dynamic segment; errors go to ``filters.<key>``.

    Unknown keys are refused (not dropped) so a typo is an error, and ids must name a tag, stage,
    user or team that exists and an organization the actor may see."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        errors["filters"] = _("Enter the filters as an object of parameter: value.")
        return {}
    params: dict[str, list[str]] = {}
    for key, value in raw.items():
        key = str(key)
        if not is_filter_key(key):
            errors[f"filters.{key}"] = _("This is not a filter of the people list.")
            continue
        values = _raw_values(value)
        if values is None:
            errors[f"filters.{key}"] = _("Enter a value or a list of values.")
            continue
        if len(values) > MAX_FILTER_VALUES:
            errors[f"filters.{key}"] = _("At most %(n)d values.") % {"n": MAX_FILTER_VALUES}
            continue
        params[key] = values
    flt, parse_errors = ContactFilter.parse(params)
    for key, message in parse_errors.items():
        errors[f"filters.{key}"] = message
    references: tuple[tuple[str, list[int], Any], ...] = (
        ("tag", flt.tags, Tag.objects.all()),
        ("stage", flt.stages, LifecycleStage.objects.all()),
        ("owner", flt.owners, User.objects.all()),
        ("team", flt.teams, Team.objects.all()),
        ("organization", flt.organizations, Organization.objects.restrict(actor, Action.VIEW)),
    )
    for key, ids, source in references:
        if not ids or f"filters.{key}" in errors:
            continue
        found = set(source.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [pk for pk in ids if pk not in found]
        if missing:
            errors[f"filters.{key}"] = _("There is no %(what)s with id %(id)s.") % {
                "what": source.model._meta.verbose_name,
                "id": missing[0],
            }
    return filters_of(flt)


def snapshot(segment: Segment) -> dict[str, Any]:
    """The segment in the services' input shape (what history stores)."""
    return {
        "name": segment.name,
        "description": segment.description,
        "kind": segment.kind,
        "filters": dict(segment.filters),
        "owner": segment.owner.username,
        "team": segment.team.name if segment.team else None,
        "visibility": segment.visibility,
    }


def _clean(
    actor: User, data: Mapping[str, Any], *, current: Segment | None
) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    values: dict[str, Any] = {}
    if "name" in data or current is None:
        try:
            name = normalize.single_line(data.get("name") or "", max_length=NAME_MAX)
        except ValueError as exc:
            errors["name"] = str(exc)
        else:
            if not name:
                errors["name"] = _("Enter a name.")
            values["name"] = name
    if "description" in data:
        description = data["description"] or ""
        if not isinstance(description, str):
            errors["description"] = _("Enter text.")
        elif len(description) > DESCRIPTION_MAX:
            errors["description"] = _("Enter at most %(n)d characters.") % {"n": DESCRIPTION_MAX}
        else:
            values["description"] = description.strip().replace("\x00", "")
    if current is None:
        raw_kind = data.get("kind") or SegmentKind.DYNAMIC
        kind = clean_choice({"kind": raw_kind}, "kind", SegmentKind.values, errors)
        if kind is not None:
            values["kind"] = kind
    elif "kind" in data and data["kind"] != current.kind:
        errors["kind"] = _("A segment's kind cannot change; create a new segment instead.")
    kind = values.get("kind") or (current.kind if current else None)
    if "filters" in data:
        if kind == SegmentKind.STATIC:
            if data["filters"]:
                errors["filters"] = _("A saved selection has members, not filters.")
        else:
            values["filters"] = clean_filters(actor, data["filters"], errors)
    if "visibility" in data:
        visibility = clean_choice(data, "visibility", Visibility.values, errors)
        if visibility is not None:
            values["visibility"] = visibility
    if "team" in data:
        values["team"] = lookup(Team, data["team"], "team", errors, by="name")
        team = values["team"]
        unchanged = current is not None and team is not None and team.pk == current.team_id
        if (
            team is not None
            and not unchanged
            and not actor.is_administrator
            and not team.members.filter(pk=actor.pk).exists()
        ):
            errors["team"] = _("You are not a member of this team.")
    visibility = values.get("visibility", current.visibility if current else Visibility.PRIVATE)
    team = values.get("team", current.team if current else None)
    if visibility == Visibility.TEAM and team is None and "team" not in errors:
        errors["team"] = _("Choose the team to share this segment with.")
    return values, errors


def _ensure_unique_name(owner: User, name: str, exclude: int | None, errors: Errors) -> None:
    qs = Segment.objects.filter(owner=owner, name__iexact=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        errors["name"] = _("You already have a segment with this name.")


def _save(segment: Segment) -> None:
    """Save inside a savepoint so a concurrent duplicate name is a field error, not a 500."""
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError:
        raise ValidationError({"name": _("You already have a segment with this name.")}) from None


@transaction.atomic
def segment_create(*, actor: User, data: SegmentInput) -> Segment:
    """Create a segment owned by ``actor`` (private unless ``visibility`` says otherwise)."""
    ensure_can_create(actor, Segment)
    values, errors = _clean(actor, data, current=None)
    if values.get("name"):
        _ensure_unique_name(actor, values["name"], None, errors)
    raise_if(errors)
    values.setdefault("filters", {})
    segment = Segment(owner=actor, **values)
    _save(segment)
    history_record(
        actor=actor,
        instance=segment,
        action=HistoryAction.CREATE,
        changes=diff({}, snapshot(segment)),
        version=segment.version,
    )
    return segment


def _lock(actor: User, segment: Segment, action: str, expected_version: int | None) -> Segment:
    """The segment re-read under a write lock after checking ``actor`` may ``action`` it."""
    if not Segment.permission_policy.user_can(actor, action, segment):
        if action == Action.DELETE:
            raise PermissionDenied(_("Only its owner or an administrator may delete this segment."))
        raise PermissionDenied(_("You may not change this segment."))
    current: Segment = (
        Segment.objects.select_for_update(of=("self",))
        .select_related("owner", "team")
        .get(pk=segment.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current.version)
    return current


@transaction.atomic
def segment_update(
    *,
    actor: User,
    segment: Segment,
    data: SegmentInput,
    expected_version: int | None = None,
) -> Segment:
    """Change the fields named in ``data``. Sharing (visibility, team) is the owner's or an
    administrator's decision; other people it is shared with may change the rest. The row is
    locked for the transaction; a stale ``expected_version`` (what the person or client last
    read) raises ConflictError and changes nothing."""
    current = _lock(actor, segment, Action.CHANGE, expected_version)
    values, errors = _clean(actor, data, current=current)
    sharing_changed = any(
        name in values and values[name] != getattr(current, name) for name in ("visibility", "team")
    )
    if sharing_changed and not (actor.is_administrator or current.owner_id == actor.pk):
        raise PermissionDenied(_("Only the owner or an administrator can change sharing."))
    if values.get("name"):
        _ensure_unique_name(current.owner, values["name"], current.pk, errors)
    raise_if(errors)
    before = snapshot(current)
    for name, value in values.items():
        setattr(current, name, value)
    after = snapshot(current)
    changes = diff(before, after)
    if not changes:
        return current
    current.version += 1
    _save(current)
    history_record(
        actor=actor,
        instance=current,
        action=HistoryAction.UPDATE,
        changes=changes,
        version=current.version,
    )
    return current


@transaction.atomic
def segment_delete(*, actor: User, segment: Segment, expected_version: int | None = None) -> None:
    """Delete the segment for good (owner or administrator). The people are untouched; the
    history entry keeps the definition and the member ids. A stale ``expected_version`` raises
    ConflictError and deletes nothing."""
    current = _lock(actor, segment, Action.DELETE, expected_version)
    before = snapshot(current)
    if current.kind == SegmentKind.STATIC:
        before["members"] = list(
            current.memberships.order_by("contact_id").values_list("contact_id", flat=True)
        )
    history_record(
        actor=actor,
        instance=current,
        action=HistoryAction.DELETE,
        changes=diff(before, {}),
        version=current.version,
    )
    audit.record(actor, AuditAction.RECORD_DESTROY, current, {"kind": current.kind})
    current.delete()


def _member_ids(
    actor: User, segment: Segment, contacts: Iterable[int | Contact], *, alive_only: bool
) -> list[int]:
    """The ids of ``contacts``, all of which ``actor`` must be able to see (else nothing is
    done: an id the actor may not see is reported exactly like one that does not exist)."""
    errors: Errors = {}
    if segment.kind != SegmentKind.STATIC:
        errors["contacts"] = _("Only a saved selection has members; this is a saved search.")
        raise_if(errors)
    ids: list[int] = []
    for item in contacts:
        pk = item.pk if isinstance(item, Contact) else parse_id(item)
        if pk is None:
            raise ValidationError({"contacts": _("Use numeric ids.")})
        if pk not in ids:
            ids.append(pk)
    if not ids:
        errors["contacts"] = _("Choose at least one person.")
    elif len(ids) > MAX_MEMBERS_PER_CALL:
        errors["contacts"] = _("At most %(n)d people at a time.") % {"n": MAX_MEMBERS_PER_CALL}
    raise_if(errors)
    manager = Contact.objects if alive_only else Contact.all_objects
    visible = set(
        manager.restrict(actor, Action.VIEW).filter(pk__in=ids).values_list("pk", flat=True)
    )
    missing = [pk for pk in ids if pk not in visible]
    if missing:
        errors["contacts"] = _("There is no person with id %(id)s.") % {"id": missing[0]}
    raise_if(errors)
    return ids


@transaction.atomic
def segment_add_members(*, actor: User, segment: Segment, contacts: Iterable[int | Contact]) -> int:
    """Put people the actor may see into a static segment; returns how many were not in it
    already (adding someone twice is not an error)."""
    current = _lock(actor, segment, Action.CHANGE, None)
    ids = _member_ids(actor, current, contacts, alive_only=True)
    present = set(
        current.memberships.filter(contact_id__in=ids).values_list("contact_id", flat=True)
    )
    new = [pk for pk in ids if pk not in present]
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=current, contact_id=pk, added_by=actor) for pk in new],
        ignore_conflicts=True,
    )
    if new:
        history_record(
            actor=actor,
            instance=current,
            action=HistoryAction.UPDATE,
            changes={"members_added": {"before": None, "after": sorted(new)}},
            version=current.version,
        )
    return len(new)


@transaction.atomic
def segment_remove_members(
    *, actor: User, segment: Segment, contacts: Iterable[int | Contact]
) -> int:
    """Take people out of a static segment; returns how many were in it."""
    current = _lock(actor, segment, Action.CHANGE, None)
    ids = _member_ids(actor, current, contacts, alive_only=False)
    removed = sorted(
        current.memberships.filter(contact_id__in=ids).values_list("contact_id", flat=True)
    )
    if removed:
        current.memberships.filter(contact_id__in=removed).delete()
        history_record(
            actor=actor,
            instance=current,
            action=HistoryAction.UPDATE,
            changes={"members_removed": {"before": removed, "after": None}},
            version=current.version,
        )
    return len(removed)


# E-mail a segment (ADR 0038 §5; API and CLI: ADR 0041's session) -------------------------------


def segment_recipients(actor: User, segment: Segment) -> Any:
    """Who of the segment's people (those ``actor`` may see) an e-mail may go to now, and who is
    skipped and why (``mail.sending.recipients_check``), in id order."""
    from rubrica.mail.sending import recipients_check
    from rubrica.segments.selectors import segment_contacts

    return recipients_check(actor, segment_contacts(actor, segment).order_by("pk"))


def segment_send(
    *,
    actor: User,
    segment: Segment,
    subject: str = "",
    body: str = "",
    template: Any = None,
    template_id: int | None = None,
) -> tuple[int, Any]:
    """Queue one e-mail (``subject``/``body``, or a template ``actor`` may see, by object or id)
    to each person of ``segment`` who may be written to; the others are skipped, not refused.
    All or nothing: one batch refused (ValidationError, PermissionDenied) queues none. Returns
    the number queued and the ``Recipients`` check (its ``skipped`` with their reasons)."""
    from rubrica.activities.services import ensure_may_log
    from rubrica.mail.models import MailTemplate
    from rubrica.mail.sending import MAX_RECIPIENTS, mail_send

    ensure_may_log(actor)  # refused before anything is counted (read-only: 403, not a 422)
    if template is None and template_id is not None:
        template = MailTemplate.objects.restrict(actor, Action.VIEW).filter(pk=template_id).first()
        if template is None:
            raise ValidationError({"template": _("There is no such template.")})
    check = segment_recipients(actor, segment)
    ids = [contact.pk for contact in check.sendable]
    if not ids:
        raise ValidationError({"people": _("Nobody in this segment can be written to.")})
    with transaction.atomic():
        for start in range(0, len(ids), MAX_RECIPIENTS):
            mail_send(
                actor=actor,
                contact_ids=ids[start : start + MAX_RECIPIENTS],
                subject=subject,
                body=body,
                template=template,
            )
    return len(ids), check
