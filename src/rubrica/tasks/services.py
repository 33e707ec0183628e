"""Writes of tasks: create, update (status, reassignment...), complete (with the next occurrence
of a recurring task), Trash, revert, bulk complete and reassign, and the scheduled work the
notifications engine runs (reminders, the daily digest, birthdays).

Each write checks the actor's right (``TaskPolicy``), locks the row and compares
``expected_version``, and writes its history entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from rubrica import search
from rubrica.accounts.models import Team, User
from rubrica.accounts.selectors import speaking_as
from rubrica.activities.models import Activity
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.contacts.models import Contact
from rubrica.core import formats as local_formats
from rubrica.core import sealing
from rubrica.core.models import Action
from rubrica.core.services import (
    SHARING_FIELDS,
    Errors,
    begin_update,
    clean_choice,
    clean_text,
    clean_visibility,
    ensure_can,
    ensure_can_create,
    ensure_sharing_allowed,
    lock_and_check_version,
    lookup,
    raise_if,
)
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import field_access
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.history.services import diff, history_record, purge_trashed, record_set_deleted
from rubrica.notifications.models import NotificationPreference
from rubrica.notifications.services import notify, user_settings, user_timezone
from rubrica.organizations.models import Organization
from rubrica.tasks import recurrence
from rubrica.tasks.models import Priority, Status, Task
from rubrica.tasks.types import TaskInput

TEXT_FIELDS = {"title": 200, "description": 20_000}
SCALAR_FIELDS = (
    "assignee",
    "due_date",
    "due_at",
    "time_zone",
    "priority",
    "status",
    "remind_minutes_before",
    "recurrence",
)
LINKS = ("people", "organizations")
ALL_FIELDS = (*TEXT_FIELDS, *SCALAR_FIELDS, *LINKS, "activity", *SHARING_FIELDS)
REVERTABLE = frozenset({*TEXT_FIELDS, *SCALAR_FIELDS, *LINKS})

#: A task due on a day (no time) reminds at this local hour, minus its minutes before.
DAY_REMINDER_HOUR = 9
#: A reminder this late (the worker was down for days) is dropped rather than sent.
REMINDER_GRACE = dt.timedelta(days=3)
MAX_REMIND_MINUTES = 60 * 24 * 60
MAX_LINKS = 50
BULK_MAX = 1000


# Cleaning ------------------------------------------------------------------------------------


def _clean_links(
    data: Mapping[str, Any], name: str, source: Any, errors: Errors
) -> list[Any] | None:
    if name not in data:
        return None
    raw = data[name] if data[name] is not None else []
    if isinstance(raw, str | int):
        raw = [raw]
    if not isinstance(raw, list | tuple) or len(raw) > MAX_LINKS:
        errors[name] = _("Enter a list of at most %(n)d ids.") % {"n": MAX_LINKS}
        return None
    ids: list[int] = []
    for item in raw:
        if isinstance(item, bool) or not str(item).strip().isdigit():
            errors[name] = _("Enter ids.")
            return None
        ids.append(int(str(item).strip()))
    found = {row.pk: row for row in source.filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:  # invisible and unknown records look the same
        errors[name] = _("Not found: %(ids)s.") % {"ids": ", ".join(missing)}
        return None
    return list(dict.fromkeys(found[pk] for pk in ids))


def _clean(
    data: Mapping[str, Any], *, current: Task | None, actor: User
) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    for name in sorted(set(data) - set(ALL_FIELDS)):
        errors[name] = _("Unknown field.")
    values: dict[str, Any] = clean_text(data, TEXT_FIELDS, errors, multiline=("description",))
    if ("title" in values or current is None) and not values.get("title"):
        errors.setdefault("title", _("A task needs a title."))
    if "assignee" in data:
        assignee = lookup(User, data["assignee"], "assignee", errors, by="username")
        if assignee is None and "assignee" not in errors:
            errors["assignee"] = _("A task needs an assignee.")
        elif assignee is not None and not assignee.is_active:
            errors["assignee"] = _("This user is not active.")
        values["assignee"] = assignee
    if "time_zone" in data:
        name = str(data["time_zone"] or "").strip()
        if name and str(recurrence.zone(name)) != name:
            errors["time_zone"] = _("Enter a time zone such as Europe/Rome.")
        values["time_zone"] = name
    if "due_date" in data:
        raw = data["due_date"]
        if raw in (None, ""):
            values["due_date"] = None
        elif isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            values["due_date"] = raw
        else:
            parsed = parse_date(str(raw).strip()) if isinstance(raw, str) else None
            if parsed is None:
                errors["due_date"] = _("Enter a date as YYYY-MM-DD.")
            values["due_date"] = parsed
    if "due_at" in data:
        raw = data["due_at"]
        if raw in (None, ""):
            values["due_at"] = None
        else:
            moment = raw if isinstance(raw, dt.datetime) else None
            if isinstance(raw, str):
                try:
                    moment = parse_datetime(raw.strip())
                except ValueError:
                    moment = None
            if moment is None:
                errors["due_at"] = _("Enter a date and time as YYYY-MM-DDTHH:MM.")
            values["due_at"] = moment  # a naive moment is read in the task's time zone below
    priority = data.get("priority")
    if "priority" in data:
        by_name = {p.name.lower(): p.value for p in Priority}
        if isinstance(priority, str) and priority.strip().lower() in by_name:
            values["priority"] = by_name[priority.strip().lower()]
        elif str(priority).strip().isdigit() and int(str(priority)) in Priority.values:
            values["priority"] = int(str(priority))
        else:
            errors["priority"] = _("Choose low, normal, high or urgent.")
    status = clean_choice(data, "status", Status.values, errors)
    if status is not None:
        values["status"] = status
    if "remind_minutes_before" in data:
        raw = data["remind_minutes_before"]
        if raw in (None, ""):
            values["remind_minutes_before"] = None
        elif str(raw).strip().isdigit() and int(str(raw)) <= MAX_REMIND_MINUTES:
            values["remind_minutes_before"] = int(str(raw))
        else:
            errors["remind_minutes_before"] = _("Enter minutes from 0 to %(n)d.") % {
                "n": MAX_REMIND_MINUTES
            }
    if "recurrence" in data:
        try:
            values["recurrence"] = recurrence.clean_rule(str(data["recurrence"] or ""))
        except ValueError as exc:
            errors["recurrence"] = str(exc)
    people = _clean_links(data, "people", Contact.objects.restrict(actor), errors)
    if people is not None:
        values["people"] = people
    organizations = _clean_links(
        data, "organizations", Organization.objects.restrict(actor), errors
    )
    if organizations is not None:
        values["organizations"] = organizations
    if "activity" in data:  # the activity followed up: one the actor may see
        visible_activities = Activity.objects.restrict(actor, Action.VIEW)
        values["activity"] = lookup(
            visible_activities, data["activity"], "activity", errors, by="subject"
        )
    visibility = clean_visibility(data, errors)
    if visibility is not None:
        values["visibility"] = visibility
    if "owner" in data:
        owner = lookup(User, data["owner"], "owner", errors, by="username")
        if owner is not None and not owner.is_active:
            errors["owner"] = _("This user is not active.")
        values["owner"] = owner
    if "team" in data:
        values["team"] = lookup(Team, data["team"], "team", errors, by="name")
    if not errors:
        _settle_due(values, current, actor, errors)
    return values, errors


def _settle_due(values: dict[str, Any], current: Task | None, actor: User, errors: Errors) -> None:
    """Keep the due fields consistent: a time zone, an aware ``due_at`` whose local day is
    ``due_date``, a recurrence only with a due day."""
    zone_name = values.get("time_zone", current.time_zone if current else "")
    if not zone_name:
        zone_name = str(user_timezone(actor))
        values["time_zone"] = zone_name
    tz = recurrence.zone(zone_name)
    due_at = values.get("due_at", current.due_at if current else None)
    if "due_at" in values and due_at is not None:
        if timezone.is_naive(due_at):
            due_at = due_at.replace(tzinfo=tz)
        values["due_at"] = due_at
        values["due_date"] = due_at.astimezone(tz).date()
    elif "due_date" in values and values["due_date"] is not None and "due_at" not in values:
        values["due_at"] = None  # a new day without a time: due all day
    due_date = values.get("due_date", current.due_date if current else None)
    rule = values.get("recurrence", current.recurrence if current else "")
    if rule and due_date is None:
        errors["recurrence"] = _("A repeating task needs a due date.")


def _derive(task: Task) -> None:
    """Recompute what follows from the stored fields: the reminder moment, the completion time
    and the series start of a recurring task."""
    remind_at = None
    if task.remind_minutes_before is not None and task.due_date is not None:
        tz = recurrence.zone(task.time_zone)
        base = task.due_at or dt.datetime.combine(
            task.due_date, dt.time(DAY_REMINDER_HOUR), tzinfo=tz
        )
        remind_at = base - dt.timedelta(minutes=task.remind_minutes_before)
    if remind_at != task.remind_at:
        task.remind_at = remind_at
        task.reminder_sent_at = None
    if task.status == Status.DONE and task.completed_at is None:
        task.completed_at = timezone.now()
    elif task.status != Status.DONE:
        task.completed_at = None
    if task.recurrence and task.due_date is not None and task.recurrence_start is None:
        tz = recurrence.zone(task.time_zone)
        task.recurrence_start = task.due_at or dt.datetime.combine(
            task.due_date, dt.time(0), tzinfo=tz
        )
    elif not task.recurrence:
        task.recurrence_start = None


# Snapshots and history -----------------------------------------------------------------------


def snapshot(task: Task) -> dict[str, Any]:
    """The task as the services take it (ids for links and people), for history and revert."""
    data: dict[str, Any] = {name: getattr(task, name) for name in TEXT_FIELDS}
    data.update(
        assignee=task.assignee_id,
        due_date=task.due_date.isoformat() if task.due_date else None,
        due_at=task.due_at.isoformat() if task.due_at else None,
        time_zone=task.time_zone,
        priority=task.priority,
        status=task.status,
        remind_minutes_before=task.remind_minutes_before,
        recurrence=task.recurrence,
        activity=task.activity_id,
        owner=task.owner_id,
        team=task.team_id,
        visibility=task.visibility,
    )
    if task.pk:
        data["people"] = sorted(task.people.values_list("pk", flat=True))
        data["organizations"] = sorted(task.organizations.values_list("pk", flat=True))
    return data


def _apply(task: Task, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if name not in LINKS:
            setattr(task, name, value)
    _derive(task)
    task.save()
    for name in LINKS:
        if name in values:
            getattr(task, name).set(values[name])


def _record(actor: User | None, task: Task, action: str, before: dict[str, Any]) -> bool:
    changes = diff(before, snapshot(task))
    if not changes:
        return False
    if action != HistoryAction.CREATE:
        task.version += 1
        task.save(update_fields=["version", "updated_at"])
    history_record(actor=actor, instance=task, action=action, changes=changes, version=task.version)
    return True


def _notify_assignee(actor: User, task: Task) -> None:
    if task.assignee_id == actor.pk:
        return
    notify(
        recipient=task.assignee,
        kind="tasks.assigned",
        title=_("%(actor)s assigned you a task: %(title)s") % {"actor": actor, "title": task.title},
        url=task.get_absolute_url(),
        body=task.description[:1000],
        key=f"tasks.assigned:{task.pk}:{task.version}",
    )


# Services ------------------------------------------------------------------------------------


def follow_up_data(*, actor: User, activity: Activity) -> dict[str, Any]:
    """What a follow-up task of ``activity`` starts with: its title, the people and
    organizations of the activity that the actor may see, due tomorrow (the actor's day)."""
    tomorrow = timezone.now().astimezone(user_timezone(actor)).date() + dt.timedelta(days=1)
    return {
        "title": (_("Follow up: %(activity)s") % {"activity": activity})[: TEXT_FIELDS["title"]],
        "activity": activity.pk,
        "due_date": tomorrow,
        "people": list(
            Contact.objects.restrict(actor)
            .filter(pk__in=activity.people.values("pk"))
            .values_list("pk", flat=True)
        ),
        "organizations": list(
            Organization.objects.restrict(actor)
            .filter(pk__in=activity.organizations.values("pk"))
            .values_list("pk", flat=True)
        ),
    }


@transaction.atomic
def task_create(*, actor: User, data: TaskInput) -> Task:
    """Create a task; the assignee defaults to the actor, the owner too (only administrators
    create one owned by someone else), the time zone to the actor's."""
    ensure_can_create(actor, Task)
    values, errors = _clean(data, current=None, actor=actor)
    raise_if(errors)
    values.setdefault("assignee", actor)
    if values.get("owner") is None:
        values["owner"] = actor
    if values["owner"].pk != actor.pk and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can create records for someone else."))
    task = Task()
    _apply(task, values)
    _record(actor, task, HistoryAction.CREATE, {})
    _notify_assignee(actor, task)
    search.index(task)
    return task


@transaction.atomic
def task_update(
    *,
    actor: User,
    task: Task,
    data: TaskInput,
    expected_version: int | None = None,
    action: str = HistoryAction.UPDATE,
) -> Task:
    """Change the fields named in ``data``; a stale ``expected_version`` raises ConflictError.
    Setting the status to done completes the task (and plans the next occurrence of a recurring
    one, as ``task_complete``)."""
    current: Task = begin_update(actor, task, expected_version)
    values, errors = _clean(data, current=current, actor=actor)
    raise_if(errors)
    ensure_sharing_allowed(actor, current, values)
    before = snapshot(current)
    was_open = current.status == Status.OPEN
    old_assignee = current.assignee_id
    _apply(current, values)
    _record(actor, current, action, before)
    if was_open and current.status == Status.DONE:
        _plan_next(actor, current)
    if current.assignee_id != old_assignee:
        _notify_assignee(actor, current)
    current.refresh_from_db()
    search.index(current)
    return current


def _plan_next(actor: User, done: Task) -> Task | None:
    """The next occurrence of a recurring task just completed (once: a task reopened and done
    again does not plan a second one)."""
    if not done.recurrence or done.due_date is None or done.recurrence_start is None:
        return None
    if Task.all_objects.filter(previous=done).exists():
        return None
    following = recurrence.next_due(
        rule=done.recurrence,
        start=done.recurrence_start,
        due_date=done.due_date,
        due_at=done.due_at,
        time_zone=done.time_zone,
    )
    if following is None:
        return None
    nxt = Task(
        title=done.title,
        description=done.description,
        assignee_id=done.assignee_id,
        due_date=following[0],
        due_at=following[1],
        time_zone=done.time_zone,
        priority=done.priority,
        remind_minutes_before=done.remind_minutes_before,
        recurrence=done.recurrence,
        recurrence_start=done.recurrence_start,
        previous=done,
        owner_id=done.owner_id,
        team_id=done.team_id,
        visibility=done.visibility,
    )
    _derive(nxt)
    nxt.save()
    nxt.people.set(done.people.all())
    nxt.organizations.set(done.organizations.all())
    _record(actor, nxt, HistoryAction.CREATE, {})
    search.index(nxt)
    return nxt


@transaction.atomic
def task_complete(
    *, actor: User, task: Task, expected_version: int | None = None
) -> tuple[Task, Task | None]:
    """Mark done; returns the task and, for a recurring one, its next occurrence (None when the
    series ended). Completing a done task changes nothing."""
    current = task_update(
        actor=actor, task=task, data={"status": Status.DONE}, expected_version=expected_version
    )
    return current, Task.objects.filter(previous=current).first()


def _check_version(actor: User, task: Task, expected_version: int | None) -> None:
    if expected_version is not None:
        ensure_can(actor, task, Action.DELETE)
        lock_and_check_version(Task, task.pk, expected_version)


@transaction.atomic
def task_delete(*, actor: User, task: Task, expected_version: int | None = None) -> Task:
    """Move to the Trash; a stale ``expected_version`` raises ConflictError."""
    _check_version(actor, task, expected_version)
    result: Task = record_set_deleted(actor, task, deleted=True)
    search.remove(result)
    return result


@transaction.atomic
def task_restore(*, actor: User, task: Task, expected_version: int | None = None) -> Task:
    """Take out of the Trash; a stale ``expected_version`` raises ConflictError."""
    _check_version(actor, task, expected_version)
    result: Task = record_set_deleted(actor, task, deleted=False)
    search.index(result)
    return result


def task_trash_purge(*, cutoff: dt.datetime) -> int:
    """Delete for good the tasks moved to the Trash before ``cutoff`` (system task)."""
    return purge_trashed(Task, cutoff=cutoff)


def task_revert(*, actor: User, task: Task, entry: HistoryEntry, field: str) -> Task:
    """Put back one field's value from a history entry."""
    if entry.action not in (HistoryAction.UPDATE, HistoryAction.REVERT):
        raise ValidationError({"field": _("Only values from changes can be restored.")})
    if entry.object_id != task.pk or field not in entry.changes or field not in REVERTABLE:
        raise ValidationError({"field": _("This change does not concern that field.")})
    before = entry.changes[field]["before"]
    if before is None and field in LINKS:
        before = []
    data = cast(TaskInput, {field: before})  # ``field`` is one of the fields, checked above
    return task_update(actor=actor, task=task, data=data, action=HistoryAction.REVERT)


# Bulk ----------------------------------------------------------------------------------------


@dataclass
class BulkResult:
    """What a bulk action did: the ids it changed and, per id it skipped, why."""

    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def _bulk_ids(ids: Iterable[Any]) -> list[int]:
    out: list[int] = []
    for raw in ids:
        text = str(raw).strip()
        if not text.isdigit():
            raise ValidationError({"ids": _("Enter task ids.")})
        out.append(int(text))
    if len(out) > BULK_MAX:
        raise ValidationError({"ids": _("At most %(n)d tasks at once.") % {"n": BULK_MAX}})
    return list(dict.fromkeys(out))


def _bulk(actor: User, ids: Iterable[Any], data: TaskInput) -> BulkResult:
    """Apply ``data`` to each task the actor may change among ``ids`` (read through
    ``restrict``: an id one may not change, or that does not exist, is skipped as "not found"
    and nothing happens to it). Each task is its own transaction."""
    wanted = _bulk_ids(ids)
    result = BulkResult()
    allowed = {
        task.pk: task for task in Task.objects.restrict(actor, Action.CHANGE).filter(pk__in=wanted)
    }
    for pk in wanted:
        task = allowed.get(pk)
        if task is None:
            result.skipped[pk] = _("Not found.")
            continue
        try:
            with transaction.atomic():
                task_update(actor=actor, task=task, data=data)
                audit.record(actor, AuditAction.BULK_EDIT, task, {"fields": sorted(data)})
        except (ValidationError, PermissionDenied) as exc:
            result.skipped[pk] = " ".join(getattr(exc, "messages", [str(exc)]))
            continue
        result.changed.append(pk)
    return result


def tasks_bulk_complete(*, actor: User, ids: Iterable[Any]) -> BulkResult:
    """Complete several tasks (recurring ones plan their next occurrence)."""
    return _bulk(actor, ids, {"status": Status.DONE})


def tasks_bulk_reassign(*, actor: User, ids: Iterable[Any], assignee: Any) -> BulkResult:
    """Give several tasks to ``assignee`` (a user, an id or a username); an unknown or inactive
    assignee is refused before any task changes."""
    errors: Errors = {}
    user = assignee if isinstance(assignee, User) else None
    if user is None:
        user = lookup(User, assignee, "assignee", errors, by="username")
    if user is None or not user.is_active:
        errors.setdefault("assignee", _("Choose an active user."))
    raise_if(errors)
    assert user is not None
    return _bulk(actor, ids, {"assignee": user.pk})


# Scheduled work (registered with the notifications engine in apps.py) ------------------------


def _local(moment: dt.datetime, user: User) -> dt.datetime:
    return moment.astimezone(user_timezone(user))


def due_text(task: Task, user: User) -> str:
    """When a task is due, in ``user``'s time zone and the active language and date style (the
    senders below write inside ``speaking_as(user)``, ADR 0021)."""
    if task.due_at is not None:
        return local_formats.format_datetime(task.due_at, tz=user_timezone(user))
    if task.due_date is not None:
        return local_formats.format_date(task.due_date)
    return ""


def task_reminders_send(now: dt.datetime) -> int:
    """Notify the assignee of each open task whose reminder fell due (at most ``REMINDER_GRACE``
    ago). Once per task and reminder moment: the notification's key names both, and the task
    remembers it was reminded (a changed due date clears that, see ``_derive``)."""
    sent = 0
    due = (
        Task.objects.filter(
            status=Status.OPEN,
            reminder_sent_at__isnull=True,
            remind_at__lte=now,
            remind_at__gt=now - REMINDER_GRACE,
        )
        .select_related("assignee")
        .order_by("remind_at", "id")[:1000]
    )
    for task in due:
        assert task.remind_at is not None
        with speaking_as(task.assignee):
            when = due_text(task, task.assignee)
            title = _("Reminder: %(title)s") % {"title": task.title}
            body = _("Due %(when)s.") % {"when": when} if when else ""
        notification = notify(
            recipient=task.assignee,
            kind="tasks.reminder",
            title=title,
            url=task.get_absolute_url(),
            body=body,
            key=f"tasks.reminder:{task.pk}:{task.remind_at.isoformat()}",
        )
        Task.objects.filter(pk=task.pk, remind_at=task.remind_at).update(reminder_sent_at=now)
        sent += notification is not None
    return sent


def local_day_started(user: User, now: dt.datetime) -> dt.date | None:
    """The user's local date when their digest hour has passed today, else None."""
    local = _local(now, user)
    if local.hour < user_settings(user).digest_hour:
        return None
    return local.date()


def tasks_digest_send(now: dt.datetime) -> int:
    """Once a day, at the user's digest hour (local time), tell each assignee with open tasks
    due today or overdue how many there are (by e-mail by default: ``tasks.digest``)."""
    from rubrica.tasks.selectors import my_tasks

    sent = 0
    horizon = (now + dt.timedelta(days=1)).date()
    assignees = User.objects.filter(
        is_active=True,
        pk__in=Task.objects.filter(status=Status.OPEN, due_date__lte=horizon).values("assignee_id"),
    )
    for user in assignees:
        day = local_day_started(user, now)
        if day is None:
            continue
        buckets = my_tasks(user, now=now, limit=10)
        if not buckets.overdue_count and not buckets.today_count:
            continue
        with speaking_as(user):
            lines = [f"- {task.title} ({due_text(task, user)})" for task in buckets.overdue]
            lines += [f"- {task.title} ({due_text(task, user)})" for task in buckets.today]
            title = _("Your tasks: %(overdue)d overdue, %(today)d due today") % {
                "overdue": buckets.overdue_count,
                "today": buckets.today_count,
            }
        notification = notify(
            recipient=user,
            kind="tasks.digest",
            title=title,
            url="/tasks/",
            body="\n".join(lines),
            key=f"tasks.digest:{day.isoformat()}",
        )
        sent += notification is not None
    return sent


def birthdays_send(now: dt.datetime) -> int:
    """For the users who opted in (``tasks.birthday``), at their digest hour: the birthdays and
    anniversaries today (their local date) of the people they own."""
    sent = 0
    opted = NotificationPreference.objects.filter(kind="tasks.birthday").filter(
        Q(in_app=True) | Q(email=True)
    )
    for user in User.objects.filter(is_active=True, pk__in=opted.values("user_id")):
        day = local_day_started(user, now)
        if day is None:
            continue
        suffix = f"-{day:%m-%d}"
        access = field_access(user, Entity.CONTACT)  # a protected birthday is not told (ADR 0027)
        people = Contact.objects.restrict(user).filter(owner=user)
        # A sealed date (ADR 0051) is ciphertext to SQL: those are read and opened here.
        sealed = Q(birthday__startswith=sealing.TEXT_PREFIX) | Q(
            anniversary__startswith=sealing.TEXT_PREFIX
        )
        for contact in people.filter(
            Q(birthday__endswith=suffix) | Q(anniversary__endswith=suffix) | sealed
        ):
            for name, label in (
                ("birthday", _("Birthday: %(name)s")),
                ("anniversary", _("Anniversary: %(name)s")),
            ):
                if not getattr(contact, name).endswith(suffix) or not access.can_read(name):
                    continue
                notification = notify(
                    recipient=user,
                    kind="tasks.birthday",
                    title=label % {"name": contact},
                    url=contact.get_absolute_url(),
                    key=f"tasks.{name}:{contact.pk}:{day.isoformat()}",
                )
                sent += notification is not None
    return sent
