"""Writes on activities and keep-in-touch cadences (the same protocol as contacts.services).

Every write checks the permission (``ensure_can``, the model's ``ActivityPolicy``), the version
(``expected_version``), writes its history entry in the same transaction, and keeps what other
records copy from activities: the link rows' ``occurred_at``, each person's
``last_interaction_at`` (``refresh_last_interaction``) and their keep-in-touch dates. Validation
errors are keyed by field and nothing is written when there is one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, DateTimeField, Max, Q, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from rubrica import search
from rubrica.accounts.models import User
from rubrica.activities.markdown import mentioned_names
from rubrica.activities.models import (
    Activity,
    ActivityOrganization,
    ActivityPerson,
    Direction,
    KeepInTouch,
    Kind,
    Outcome,
    TagCadence,
)
from rubrica.activities.search import KIND, activity_fields
from rubrica.activities.types import ActivityInput
from rubrica.contacts.models import NEVER, Contact
from rubrica.core.models import Action
from rubrica.core.services import (
    Errors,
    begin_update,
    clean_choice,
    clean_text,
    ensure_can,
    ensure_can_create,
    lock_and_check_version,
    raise_if,
)
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.history.services import diff, history_record, purge_trashed, record_set_deleted
from rubrica.jobs.models import Job
from rubrica.jobs.running import Progress
from rubrica.jobs.services import job_create
from rubrica.organizations.models import Organization
from rubrica.search.engine import index_new_documents
from rubrica.taxonomy.models import Tag
from rubrica.taxonomy.services import choice_delete, choice_move, choice_save
from rubrica.taxonomy.types import ChoiceInput

TEXT_FIELDS = {"subject": 300, "body": 100_000}
ALL_FIELDS = (
    "kind",
    "direction",
    "occurred_at",
    "duration_minutes",
    "outcome",
    "subject",
    "body",
    "private",
    "people",
    "organizations",
    "users",
)
MAX_LINKS = 100
MAX_DURATION = 60 * 24 * 31

#: The kinds that do not count as an interaction (a note is written about someone, not with
#: them); a deployment may name others with the RUBRICA_ACTIVITY_KINDS_NOT_COUNTING setting.
NOT_COUNTING_DEFAULT = (Kind.NOTE.value,)

#: Called inside the write's transaction with (activity, users newly mentioned who may see it);
#: the notifications engine plugs in here (activities.apps). Nothing is sent when nobody did.
MentionHook = Callable[[Activity, list[User]], None]
_MENTION_HOOKS: list[MentionHook] = []


def register_mention_hook(hook: MentionHook) -> None:
    if hook not in _MENTION_HOOKS:
        _MENTION_HOOKS.append(hook)


def not_counting_kinds() -> tuple[str, ...]:
    return tuple(getattr(settings, "RUBRICA_ACTIVITY_KINDS_NOT_COUNTING", NOT_COUNTING_DEFAULT))


# Cleaning -----------------------------------------------------------------------------------


def _clean_datetime(raw: Any, field: str, errors: Errors) -> dt.datetime | None:
    if isinstance(raw, dt.datetime):
        value: dt.datetime | None = raw
    elif isinstance(raw, str) and raw.strip():
        try:
            value = parse_datetime(raw.strip())
        except ValueError:
            value = None
        if value is None:
            errors[field] = _("Enter a date and time as YYYY-MM-DDTHH:MM.")
            return None
    else:
        errors[field] = _("Enter a date and time.")
        return None
    assert value is not None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if (
        not dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
        <= value
        <= dt.datetime(9000, 1, 1, tzinfo=dt.UTC)
    ):
        errors[field] = _("Enter a date between 1900 and 9000.")
        return None
    return value


def _clean_ids(data: Mapping[str, Any], name: str, errors: Errors) -> list[Any] | None:
    if name not in data:
        return None
    raw = data[name]
    if raw in (None, ""):
        return []
    if isinstance(raw, str | int):
        raw = [part for part in str(raw).split(",") if part.strip()]
    if not isinstance(raw, list | tuple):
        errors[name] = _("Enter a list.")
        return None
    if len(raw) > MAX_LINKS:
        errors[name] = _("At most %(n)d entries.") % {"n": MAX_LINKS}
        return None
    return list(dict.fromkeys(raw))


def _resolve(
    source: Any, items: list[Any], name: str, errors: Errors, *, by: str | None = None
) -> list[Any]:
    """Records of ``source`` (a restricted queryset) named by id (or by ``by``); an unknown or
    invisible one is a field error naming its position."""
    found = []
    for index, item in enumerate(items):
        text = str(item).strip()
        try:
            if text.isascii() and text.isdigit() and int(text) < 2**63:
                found.append(source.get(pk=int(text)))
            elif by is not None:
                found.append(source.get(**{f"{by}__iexact": text}))
            else:
                raise source.model.DoesNotExist
        except source.model.DoesNotExist:
            errors[f"{name}.{index}"] = _("There is no such %(what)s.") % {
                "what": source.model._meta.verbose_name
            }
    return found


def _clean(
    data: Mapping[str, Any],
    *,
    current: Activity | None,
    actor: User,
    sources: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], Errors]:
    """``sources`` (``activity_create_many``) replaces the querysets people and users are
    looked up in by the records already read for the whole batch."""
    sources = sources or {}
    errors: Errors = {}
    for name in sorted(set(data) - set(ALL_FIELDS)):
        errors[name] = _("Unknown field.")
    values: dict[str, Any] = clean_text(data, TEXT_FIELDS, errors, multiline=("body",))
    kind = clean_choice(data, "kind", Kind.values, errors)
    if kind is not None:
        values["kind"] = kind
    direction = clean_choice(data, "direction", Direction.values, errors)
    if direction is not None:
        values["direction"] = direction
    if "occurred_at" in data:
        when = _clean_datetime(data["occurred_at"], "occurred_at", errors)
        if when is not None:
            values["occurred_at"] = when
    if "duration_minutes" in data:
        raw = data["duration_minutes"]
        if raw in (None, ""):
            values["duration_minutes"] = None
        else:
            try:
                minutes = int(str(raw).strip())
            except (TypeError, ValueError):
                errors["duration_minutes"] = _("Enter a whole number of minutes.")
            else:
                if not 0 <= minutes <= MAX_DURATION:
                    errors["duration_minutes"] = _(
                        "Enter a number of minutes between 0 and %(n)d."
                    ) % {"n": MAX_DURATION}
                else:
                    values["duration_minutes"] = minutes
    if "outcome" in data:
        raw = data["outcome"]
        if raw in (None, ""):
            values["outcome"] = None
        else:
            text = str(raw).strip()
            outcome = None
            if text.isascii() and text.isdigit():
                outcome = Outcome.objects.filter(pk=int(text)).first()
            if outcome is None:  # a shipped outcome by its key, whatever it is called now
                outcome = Outcome.objects.filter(key=text).exclude(key="").first()
            if outcome is None:  # by name; "no-answer" finds "No answer"
                wanted = text.replace("-", " ").replace("_", " ").casefold()
                outcome = next(
                    (o for o in Outcome.objects.all() if o.name.casefold() == wanted), None
                )
            if outcome is None:
                errors["outcome"] = _("There is no such outcome.")
            elif outcome.retired and (current is None or current.outcome_id != outcome.pk):
                errors["outcome"] = _("This outcome is retired.")
            values["outcome"] = outcome
    if "private" in data:
        values["private"] = bool(data["private"]) and data["private"] not in ("0", "false", "off")
    people = _clean_ids(data, "people", errors)
    if people is not None:
        visible = sources.get("people") or Contact.objects.restrict(actor, Action.VIEW)
        values["people"] = _resolve(visible, people, "people", errors)
    organizations = _clean_ids(data, "organizations", errors)
    if organizations is not None:
        visible_orgs = Organization.objects.restrict(actor, Action.VIEW)
        values["organizations"] = _resolve(
            visible_orgs, organizations, "organizations", errors, by="name"
        )
    users = _clean_ids(data, "users", errors)
    if users is not None:
        active = sources.get("users") or User.objects.filter(is_active=True)
        values["users"] = _resolve(active, users, "users", errors, by="username")
    if current is None:
        values.setdefault("kind", Kind.NOTE.value)
        values.setdefault("occurred_at", None)
        if values["occurred_at"] is None and "occurred_at" not in errors:
            values["occurred_at"] = timezone.now()
        linked = values.get("people") or values.get("organizations")
        if not linked and not any(k.split(".")[0] in errors for k in ("people", "organizations")):
            errors["people"] = _("Name at least one person or organization.")
    else:
        people_after = values.get("people")
        orgs_after = values.get("organizations")
        if people_after is not None or orgs_after is not None:
            has_people = (
                bool(people_after) if people_after is not None else current.person_links.exists()
            )
            has_orgs = (
                bool(orgs_after) if orgs_after is not None else current.organization_links.exists()
            )
            if not has_people and not has_orgs and "people" not in errors:
                errors["people"] = _("Name at least one person or organization.")
    return values, errors


# Snapshots and writing ----------------------------------------------------------------------


def snapshot(activity: Activity) -> dict[str, Any]:
    return {
        "kind": activity.kind,
        "direction": activity.direction,
        "occurred_at": activity.occurred_at.isoformat() if activity.occurred_at else None,
        "duration_minutes": activity.duration_minutes,
        "outcome": activity.outcome.name if activity.outcome else None,
        "subject": activity.subject,
        "body": activity.body,
        "private": activity.private,
        "people": sorted(activity.person_links.values_list("contact_id", flat=True)),
        "organizations": sorted(
            activity.organization_links.values_list("organization_id", flat=True)
        ),
        "users": sorted(activity.users.values_list("username", flat=True)),
    }


def _apply(activity: Activity, values: Mapping[str, Any]) -> list[User]:
    """Write ``values``; returns the users newly mentioned."""
    links = ("people", "organizations", "users")
    for name, value in values.items():
        if name not in links:
            setattr(activity, name, value)
    activity.save()
    when = activity.occurred_at
    if "people" in values:
        ActivityPerson.objects.filter(activity=activity).delete()
        ActivityPerson.objects.bulk_create(
            [
                ActivityPerson(activity=activity, contact=c, occurred_at=when)
                for c in values["people"]
            ]
        )
    if "organizations" in values:
        ActivityOrganization.objects.filter(activity=activity).delete()
        ActivityOrganization.objects.bulk_create(
            [
                ActivityOrganization(activity=activity, organization=o, occurred_at=when)
                for o in values["organizations"]
            ]
        )
    ActivityPerson.objects.filter(activity=activity).exclude(occurred_at=when).update(
        occurred_at=when
    )
    ActivityOrganization.objects.filter(activity=activity).exclude(occurred_at=when).update(
        occurred_at=when
    )
    if "users" in values:
        activity.users.set(values["users"])
    new_mentions: list[User] = []
    if "body" in values:
        names = mentioned_names(activity.body)
        users = [
            u
            for u in User.objects.filter(is_active=True)
            if names and u.username.casefold() in {n.casefold() for n in names}
        ]
        before = set(activity.mentioned_users.values_list("pk", flat=True))
        activity.mentioned_users.set(users)
        new_mentions = [u for u in users if u.pk not in before]
    return new_mentions


def _notify_mentions(activity: Activity, users: list[User]) -> None:
    """Hand the newly mentioned users who may see the activity to the hooks, inside the write's
    transaction (a notification is then undone with the write)."""
    if not users or not _MENTION_HOOKS:
        return
    allowed = [
        u
        for u in users
        if Activity.objects.restrict(u, Action.VIEW).filter(pk=activity.pk).exists()
    ]
    for hook in _MENTION_HOOKS if allowed else ():
        hook(activity, allowed)


def _contact_ids(activity: Activity) -> set[int]:
    return set(
        ActivityPerson.objects.filter(activity=activity).values_list("contact_id", flat=True)
    )


@transaction.atomic
def activity_create(
    *, actor: User, data: ActivityInput, uid: str | None = None, notify: bool = True
) -> Activity:
    """A new activity. ``uid`` (an import's) becomes its UID when no activity has it yet and
    it fits; ``notify=False`` (an import of a past timeline) records mentions without
    notifying anyone."""
    ensure_can_create(actor, Activity)
    values, errors = _clean(data, current=None, actor=actor)
    raise_if(errors)
    activity = Activity(owner=actor)
    if uid and len(uid) <= 255 and not Activity.all_objects.filter(uid=uid).exists():
        activity.uid = uid
    mentions = _apply(activity, values)
    if not notify:
        mentions = []
    after = {k: v for k, v in snapshot(activity).items() if v not in ("", None, [], {}, False)}
    history_record(
        actor=actor,
        instance=activity,
        action=HistoryAction.CREATE,
        changes=diff({}, after),
        version=activity.version,
    )
    refresh_last_interaction(_contact_ids(activity))
    search.index(activity)
    _notify_mentions(activity, mentions)
    return activity


class _Known:
    """Records read once for a batch, looked up as ``_resolve`` looks up a queryset."""

    def __init__(self, model: Any, rows: Iterable[Any], by: str | None = None) -> None:
        self.model = model
        self.by_pk = {row.pk: row for row in rows}
        self.by_name = (
            {str(getattr(r, by)).casefold(): r for r in self.by_pk.values()} if by else {}
        )

    def __bool__(self) -> bool:
        return True

    def get(self, **lookup: Any) -> Any:
        ((name, value),) = lookup.items()
        found = self.by_pk.get(value) if name == "pk" else self.by_name.get(str(value).casefold())
        if found is None:
            raise self.model.DoesNotExist
        return found


def _numbers(items: Iterable[ActivityInput], name: str) -> set[int]:
    found = set()
    for data in items:
        raw = data.get(name) or []
        for item in raw if isinstance(raw, list | tuple) else str(raw).split(","):
            text = str(item).strip()
            if text.isascii() and text.isdigit() and int(text) < 2**63:
                found.add(int(text))
    return found


@transaction.atomic
def activity_create_many(*, actor: User, items: list[ActivityInput]) -> list[Activity]:
    """Create several activities at once (a mail fetch's batch): what ``activity_create`` does
    for each, with the same validation, rows, history entries, last interactions and search
    documents, written with bulk inserts and the people and users read once for the batch.
    Refuses the whole batch on the first invalid item (``ValidationError`` keyed by field)."""
    ensure_can_create(actor, Activity)
    if not items:
        return []
    people = _Known(
        Contact,
        Contact.objects.restrict(actor, Action.VIEW).filter(pk__in=_numbers(items, "people")),
    )
    users = _Known(
        User,
        User.objects.filter(is_active=True).filter(
            Q(pk__in=_numbers(items, "users"))
            | Q(username__in=[str(u) for d in items for u in d.get("users") or []])
        ),
        by="username",
    )
    cleaned = []
    for data in items:
        values, errors = _clean(
            data, current=None, actor=actor, sources={"people": people, "users": users}
        )
        raise_if(errors)
        cleaned.append(values)
    links = ("people", "organizations", "users")
    activities = []
    for values in cleaned:
        activity = Activity(owner=actor)
        for name, value in values.items():
            if name not in links:
                setattr(activity, name, value)
        activities.append(activity)
    Activity.objects.bulk_create(activities)
    person_rows, org_rows, user_rows, mention_rows = [], [], [], []
    user_through = Activity.users.through
    mention_through = Activity.mentioned_users.through
    by_name = {u.username.casefold(): u for u in User.objects.filter(is_active=True)}
    mentions: list[tuple[Activity, list[User]]] = []
    entries = []
    contact_ids: set[int] = set()
    activity_type = ContentType.objects.get_for_model(Activity)
    for activity, values in zip(activities, cleaned, strict=True):
        when = activity.occurred_at
        person_rows += [
            ActivityPerson(activity=activity, contact=c, occurred_at=when)
            for c in values.get("people", [])
        ]
        contact_ids |= {c.pk for c in values.get("people", [])}
        org_rows += [
            ActivityOrganization(activity=activity, organization=o, occurred_at=when)
            for o in values.get("organizations", [])
        ]
        user_rows += [
            user_through(activity_id=activity.pk, user_id=u.pk) for u in values.get("users", [])
        ]
        mentioned: list[User] = []
        if "body" in values:
            names = {n.casefold() for n in mentioned_names(activity.body)}
            mentioned = [by_name[n] for n in sorted(names) if n in by_name]
            mention_rows += [
                mention_through(activity_id=activity.pk, user_id=u.pk) for u in mentioned
            ]
        mentions.append((activity, mentioned))
        after = {
            "kind": activity.kind,
            "direction": activity.direction,
            "occurred_at": when.isoformat() if when else None,
            "duration_minutes": activity.duration_minutes,
            "outcome": activity.outcome.name if activity.outcome else None,
            "subject": activity.subject,
            "body": activity.body,
            "private": activity.private,
            "people": sorted(c.pk for c in values.get("people", [])),
            "organizations": sorted(o.pk for o in values.get("organizations", [])),
            "users": sorted(u.username for u in values.get("users", [])),
        }
        after = {k: v for k, v in after.items() if v not in ("", None, [], {}, False)}
        entries.append(
            HistoryEntry(
                content_type=activity_type,
                object_id=activity.pk,
                action=HistoryAction.CREATE,
                actor=actor if actor.pk else None,
                version=activity.version,
                changes=diff({}, after),
            )
        )
    ActivityPerson.objects.bulk_create(person_rows)
    ActivityOrganization.objects.bulk_create(org_rows)
    user_through.objects.bulk_create(user_rows)
    mention_through.objects.bulk_create(mention_rows)
    HistoryEntry.objects.bulk_create(entries)
    refresh_last_interaction(contact_ids)
    index_new_documents(KIND, [(a.pk, activity_fields(a)) for a in activities])
    for activity, mentioned in mentions:
        _notify_mentions(activity, mentioned)
    return activities


@transaction.atomic
def activity_update(
    *,
    actor: User,
    activity: Activity,
    data: ActivityInput,
    expected_version: int | None = None,
    action: str = HistoryAction.UPDATE,
) -> Activity:
    """Change the fields named in ``data``; a stale ``expected_version`` raises ConflictError."""
    current: Activity = begin_update(actor, activity, expected_version)
    values, errors = _clean(data, current=current, actor=actor)
    raise_if(errors)
    before = snapshot(current)
    people_before = _contact_ids(current)
    mentions = _apply(current, values)
    changes = diff(before, snapshot(current))
    if changes:
        current.version += 1
        current.save(update_fields=["version", "updated_at"])
        history_record(
            actor=actor, instance=current, action=action, changes=changes, version=current.version
        )
    refresh_last_interaction(people_before | _contact_ids(current))
    search.index(current)
    _notify_mentions(current, mentions)
    current.refresh_from_db()
    return current


def _check_version(actor: User, activity: Activity, expected_version: int | None) -> None:
    if expected_version is not None:
        ensure_can(actor, activity, Action.DELETE)
        lock_and_check_version(Activity, activity.pk, expected_version)


@transaction.atomic
def activity_delete(
    *, actor: User, activity: Activity, expected_version: int | None = None
) -> Activity:
    """Move to the Trash; the people's last interaction is recomputed without it."""
    _check_version(actor, activity, expected_version)
    result: Activity = record_set_deleted(actor, activity, deleted=True)
    refresh_last_interaction(_contact_ids(result))
    search.remove(result)
    return result


@transaction.atomic
def activity_restore(
    *, actor: User, activity: Activity, expected_version: int | None = None
) -> Activity:
    _check_version(actor, activity, expected_version)
    result: Activity = record_set_deleted(actor, activity, deleted=False)
    refresh_last_interaction(_contact_ids(result))
    search.index(result)
    return result


def activity_trash_purge(*, cutoff: dt.datetime) -> int:
    """Delete for good the activities moved to the Trash before ``cutoff`` (system task)."""
    return purge_trashed(Activity, cutoff=cutoff)


def activity_revert(
    *, actor: User, activity: Activity, entry: HistoryEntry, field: str
) -> Activity:
    if entry.action not in (HistoryAction.UPDATE, HistoryAction.REVERT):
        raise ValidationError({"field": _("Only values from changes can be restored.")})
    if entry.object_id != activity.pk or field not in entry.changes or field not in ALL_FIELDS:
        raise ValidationError({"field": _("This change does not concern that field.")})
    before = entry.changes[field]["before"]
    if before is None and field in ("people", "organizations", "users"):
        before = []
    data = cast(ActivityInput, {field: before})  # ``field`` is one of the fields, checked above
    return activity_update(actor=actor, activity=activity, data=data, action=HistoryAction.REVERT)


# Last interaction and keep in touch ---------------------------------------------------------


def _counting_links(now: dt.datetime) -> Any:
    """People's links to the activities that count as an interaction by ``now``: not in the
    future, not in the Trash, not of a kind that does not count."""
    return ActivityPerson.objects.filter(
        occurred_at__lte=now, activity__deleted_at__isnull=True
    ).exclude(activity__kind__in=not_counting_kinds())


def latest_interaction(contact_id: int, *, now: dt.datetime | None = None) -> dt.datetime:
    """The time of the person's latest counting activity not in the future (NEVER if none)."""
    latest = (
        _counting_links(now or timezone.now())
        .filter(contact_id=contact_id)
        .order_by("-occurred_at", "-activity_id")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return latest or NEVER


_CASES = 250


def refresh_last_interaction(contact_ids: Iterable[int]) -> None:
    """Recompute the list copy ``Contact.last_interaction_at`` and the keep-in-touch dates of
    these people. Not a change of the person: no version, no history (like the list copy of
    their organization). Call inside the writing transaction. Set-based: three queries a round
    of ``CADENCE_CHUNK`` people (a batch of captured mail touches hundreds), the same dates as
    ``latest_interaction`` of each."""
    now = timezone.now()
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), CADENCE_CHUNK):
        chunk = ids[start : start + CADENCE_CHUNK]
        latest = dict(
            _counting_links(now)
            .filter(contact_id__in=chunk)
            .values("contact_id")
            .annotate(latest=Max("occurred_at"))
            .values_list("contact_id", "latest")
        )
        stored = Contact.all_objects.filter(pk__in=chunk).values_list("pk", "last_interaction_at")
        pairs = [
            (pk, when) for pk, current in stored if current != (when := latest.get(pk) or NEVER)
        ]
        for at in range(0, len(pairs), _CASES):  # a CASE of a few hundred WHENs a statement
            part = pairs[at : at + _CASES]
            Contact.all_objects.filter(pk__in=[pk for pk, _when in part]).update(
                last_interaction_at=Case(
                    *(When(pk=pk, then=Value(when)) for pk, when in part),
                    output_field=DateTimeField(),
                )
            )
    refresh_cadences(ids)


#: People handled per round by ``refresh_cadences`` (a tag on 300,000 people is 300 rounds).
CADENCE_CHUNK = 1000


def _strictest(cadences: Iterable[TagCadence]) -> TagCadence | None:
    """The smallest maximum interval, then the smallest ideal, then the oldest tag."""
    return min(cadences, key=lambda c: (c.max_days, c.ideal_days, c.tag_id), default=None)


def refresh_cadences(contact_ids: Iterable[int], *, ignore_tags: Iterable[int] = ()) -> int:
    """Store the effective cadence of these people (``KeepInTouch``): their own if set, else the
    strictest of their tags' (``TagCadence``), else none; with ``due_at``/``overdue_at`` from
    their ``last_interaction_at``. ``ignore_tags``: tags being deleted (their links still exist).
    Set-based, in rounds of ``CADENCE_CHUNK`` people. Call inside the writing transaction;
    returns how many rows were written or removed."""
    ignored = set(ignore_tags)
    by_tag = {c.tag_id: c for c in TagCadence.objects.all() if c.tag_id not in ignored}
    through = Contact.tags.through
    ids = sorted(set(contact_ids))
    written = 0
    for start in range(0, len(ids), CADENCE_CHUNK):
        chunk = ids[start : start + CADENCE_CHUNK]
        rows = {k.contact_id: k for k in KeepInTouch.objects.filter(contact_id__in=chunk)}
        last = dict(
            Contact.all_objects.filter(pk__in=chunk).values_list("pk", "last_interaction_at")
        )
        tags_of: dict[int, list[TagCadence]] = {}
        if by_tag:
            pairs = through.objects.filter(contact_id__in=chunk, tag_id__in=list(by_tag))
            for contact_id, tag_id in pairs.values_list("contact_id", "tag_id"):
                tags_of.setdefault(contact_id, []).append(by_tag[tag_id])
        changed: list[KeepInTouch] = []
        created: list[KeepInTouch] = []
        removed: list[int] = []
        for contact_id in chunk:
            if contact_id not in last:
                continue
            row = rows.get(contact_id)
            before = (
                (row.ideal_days, row.max_days, row.source_tag_id, row.due_at, row.overdue_at)
                if row
                else None
            )
            if row is None or row.source_tag_id is not None:
                best = _strictest(tags_of.get(contact_id, ()))
                if best is None:
                    if row is not None:
                        removed.append(row.pk)
                    continue
                if row is None:
                    row = KeepInTouch(contact_id=contact_id)
                row.ideal_days, row.max_days, row.source_tag_id = (
                    best.ideal_days,
                    best.max_days,
                    best.tag_id,
                )
            _set_due(row, last[contact_id])
            if row.pk is None:
                created.append(row)
            elif before != (
                row.ideal_days,
                row.max_days,
                row.source_tag_id,
                row.due_at,
                row.overdue_at,
            ):
                changed.append(row)
        if removed:
            KeepInTouch.objects.filter(pk__in=removed).delete()
        if created:
            KeepInTouch.objects.bulk_create(created)
        if changed:
            KeepInTouch.objects.bulk_update(
                changed, ["ideal_days", "max_days", "source_tag", "due_at", "overdue_at"]
            )
        written += len(removed) + len(created) + len(changed)
    return written


def _set_due(cadence: KeepInTouch, latest: dt.datetime) -> None:
    start = latest if latest > NEVER else cadence_start_for_never()
    cadence.due_at = start + dt.timedelta(days=cadence.ideal_days)
    cadence.overdue_at = start + dt.timedelta(days=cadence.max_days)


def cadence_start_for_never() -> dt.datetime:
    """A person never contacted is due at once."""
    return NEVER


@transaction.atomic
def keep_in_touch_set(
    *, actor: User, contact: Contact, ideal_days: Any, max_days: Any
) -> KeepInTouch:
    """Set (or change) the cadence of a person: whoever may change the person may do it."""
    ensure_can(actor, contact, Action.CHANGE)
    errors: Errors = {}
    days: dict[str, int] = {}
    for name, raw in (("ideal_days", ideal_days), ("max_days", max_days)):
        try:
            days[name] = int(str(raw).strip())
        except (TypeError, ValueError):
            errors[name] = _("Enter a whole number of days.")
            continue
        if not 1 <= days[name] <= 3660:
            errors[name] = _("Enter a number of days between 1 and 3660.")
    if not errors and days["ideal_days"] > days["max_days"]:
        errors["max_days"] = _("The maximum interval cannot be shorter than the ideal one.")
    raise_if(errors)
    current = cast(Contact, lock_and_check_version(Contact, contact.pk, None))
    cadence = KeepInTouch.objects.filter(contact=current).first() or KeepInTouch(contact=current)
    own = cadence.pk is not None and cadence.source_tag_id is None
    before = {"ideal_days": cadence.ideal_days, "max_days": cadence.max_days} if own else {}
    if not own:
        cadence.created_by = actor
    cadence.source_tag = None
    cadence.ideal_days, cadence.max_days = days["ideal_days"], days["max_days"]
    _set_due(cadence, current.last_interaction_at)
    cadence.save()
    changes = diff({"keep_in_touch": before or None}, {"keep_in_touch": days})
    if changes:
        history_record(
            actor=actor,
            instance=current,
            action=HistoryAction.UPDATE,
            changes=changes,
            version=current.version,
        )
    return cadence


@transaction.atomic
def keep_in_touch_clear(*, actor: User, contact: Contact) -> None:
    """Remove the person's own cadence; their tags' cadence, if any, applies again."""
    ensure_can(actor, contact, Action.CHANGE)
    cadence = KeepInTouch.objects.filter(contact=contact, source_tag__isnull=True).first()
    if cadence is None:
        return
    before = {"ideal_days": cadence.ideal_days, "max_days": cadence.max_days}
    cadence.delete()
    refresh_cadences([contact.pk])
    history_record(
        actor=actor,
        instance=contact,
        action=HistoryAction.UPDATE,
        changes={"keep_in_touch": {"before": before, "after": None}},
        version=contact.version,
    )


def ensure_may_log(actor: User) -> None:
    """A door's early refusal for a read-only user (the service refuses too)."""
    if actor.is_read_only:
        raise PermissionDenied(_("Read-only users cannot create records."))


# Call outcomes (an editable list) -------------------------------------------------------------


def outcome_save(*, actor: User, outcome: Outcome | None = None, data: ChoiceInput) -> Outcome:
    """Add an outcome or rename/move it (administrators; the names are unique in any case)."""
    return choice_save(Outcome, actor=actor, instance=outcome, data=data)


def outcome_move(*, actor: User, outcome: Outcome, offset: int) -> Outcome:
    return choice_move(Outcome, actor=actor, instance=outcome, offset=offset)


@transaction.atomic
def outcome_set_retired(*, actor: User, outcome: Outcome, retired: bool) -> Outcome:
    """Retire an outcome (no longer offered for new activities; those that have it keep it and
    still show it) or bring it back. Administrators only."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can edit this list."))
    Outcome.objects.filter(pk=outcome.pk).update(retired=retired)
    outcome.retired = retired
    return outcome


def outcome_delete(*, actor: User, outcome: Outcome) -> None:
    """Refused while an activity (also in the Trash) has this outcome: retire it instead."""
    choice_delete(
        outcome,
        actor=actor,
        in_use=_(
            "The outcome %(name)s cannot be deleted: some activities (perhaps in the Trash) "
            "have it. Retire it instead."
        ),
    )


def outcomes_offered(current: Outcome | None = None) -> list[Outcome]:
    """The outcomes a form offers: those not retired, plus the activity's own if retired."""
    keep = Q(pk=current.pk) if current is not None else Q(pk__in=[])
    return list(Outcome.objects.filter(Q(retired=False) | keep))


# Keep-in-touch cadences of tags ---------------------------------------------------------------


def _cadence_days(ideal_days: Any, max_days: Any) -> dict[str, int]:
    errors: Errors = {}
    days: dict[str, int] = {}
    for name, raw in (("ideal_days", ideal_days), ("max_days", max_days)):
        try:
            days[name] = int(str(raw).strip())
        except (TypeError, ValueError):
            errors[name] = _("Enter a whole number of days.")
            continue
        if not 1 <= days[name] <= 3660:
            errors[name] = _("Enter a number of days between 1 and 3660.")
    if not errors and days["ideal_days"] > days["max_days"]:
        errors["max_days"] = _("The maximum interval cannot be shorter than the ideal one.")
    raise_if(errors)
    return days


def _people_with_tag(tag_id: int) -> list[int]:
    return list(
        Contact.tags.through.objects.filter(tag_id=tag_id).values_list("contact_id", flat=True)
    )


#: Above this many people, a tag's new cadence is stored on them by a background job (kind
#: ``CADENCE_JOB``, progress on the jobs page, resumable) instead of in the request.
CADENCE_INLINE_LIMIT = 5000
CADENCE_JOB = "cadence_refresh"


def _refresh_tag_people(actor: User, tag: Tag) -> Job | None:
    """Store the effective cadence of everyone with ``tag``: at once for a few people, else by
    a job queued after commit (returned)."""
    members = Contact.tags.through.objects.filter(tag_id=tag.pk)
    ids = list(members.values_list("contact_id", flat=True)[: CADENCE_INLINE_LIMIT + 1])
    if len(ids) <= CADENCE_INLINE_LIMIT:  # read once: the ids are the people to refresh
        refresh_cadences(ids)
        return None
    title = _("Keep-in-touch cadence of tag %(name)s") % {"name": tag.name}
    return job_create(actor=actor, kind=CADENCE_JOB, title=title, params={"tag": tag.pk})


def run_cadence_refresh(job: Job, progress: Progress) -> dict[str, Any]:
    """The runner of kind ``cadence_refresh``: the tag's people in id order, a batch per
    transaction with its checkpoint, so a killed run resumes where it stopped. Each batch reads
    the cadences as they are then: a later change of the same tag converges too."""
    tag_id = int(job.params["tag"])
    state = dict(job.checkpoint or {})
    after, done, written = (int(state.get(k, 0)) for k in ("after", "done", "written"))
    members = Contact.tags.through.objects.filter(tag_id=tag_id)
    progress.set_total(done + members.filter(contact_id__gt=after).count())
    progress.set_done(done)
    while True:
        progress.raise_if_cancelled()
        ids = list(
            members.filter(contact_id__gt=after)
            .order_by("contact_id")
            .values_list("contact_id", flat=True)[: CADENCE_CHUNK * 5]
        )
        if not ids:
            break
        with transaction.atomic():
            written += refresh_cadences(ids)
            after, done = ids[-1], done + len(ids)
            progress.checkpoint({"after": after, "done": done, "written": written}, done=done)
    return {"people": done, "written": written}


@transaction.atomic
def tag_cadence_set(*, actor: User, tag: Tag, ideal_days: Any, max_days: Any) -> TagCadence:
    """Set the cadence of everyone with ``tag`` who has no cadence of their own (administrators),
    and store the new effective cadence of each of them: at once, or for more than
    ``CADENCE_INLINE_LIMIT`` people by a background job (``cadence.refresh_job``)."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can set the cadence of a tag."))
    days = _cadence_days(ideal_days, max_days)
    Tag.objects.select_for_update().filter(pk=tag.pk).first()
    cadence = TagCadence.objects.filter(tag=tag).first() or TagCadence(tag=tag)
    cadence.ideal_days, cadence.max_days = days["ideal_days"], days["max_days"]
    cadence.save()
    cadence.refresh_job = _refresh_tag_people(actor, tag)
    cadence.save(update_fields=["refresh_job"])
    return cadence


@transaction.atomic
def tag_cadence_clear(*, actor: User, tag: Tag) -> Job | None:
    """Remove a tag's cadence; its people fall back to their other tags' cadences, if any (at
    once, or by the background job returned when they are many)."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can set the cadence of a tag."))
    if TagCadence.objects.filter(tag=tag).delete()[0]:
        return _refresh_tag_people(actor, tag)
    return None


def tags_changed(contact_ids: Iterable[int]) -> None:
    """The people's tags changed (contacts' services and batched imports call this through
    ``contacts.hooks``): store their effective cadence again. Without any tag cadence there is
    nothing a tag can change (no row comes from a tag), so imports pay one query per batch."""
    if TagCadence.objects.exists():
        refresh_cadences(contact_ids)


def tag_deleting(tag: Tag) -> None:
    """A tag is about to be deleted (``taxonomy.hooks``): its people's cadence stops coming
    from it."""
    if TagCadence.objects.filter(tag=tag).exists():
        refresh_cadences(_people_with_tag(tag.pk), ignore_tags=[tag.pk])
