"""Reads of tasks shared by the pages, the API and the CLI: "My tasks" in the user's local
time, the team view, the tasks of a person or organization."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rubrica.accounts.models import User
from rubrica.core.models import Action
from rubrica.notifications.services import user_timezone
from rubrica.tasks.models import Status, Task
from rubrica.tasks.policies import TaskPolicy

ORDER = ("due_date", "due_at", "id")


@dataclass
class MyTasks:
    """A user's open tasks in three buckets (their local day), each the first ``limit`` in due
    order, with the bucket's full count."""

    today_date: dt.date
    overdue: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    overdue_count: int = 0
    today_count: int = 0
    upcoming_count: int = 0


def day_bounds(
    user: User, now: dt.datetime, tz: dt.tzinfo | None = None
) -> tuple[dt.date, dt.datetime]:
    """The user's local date and the moment their tomorrow starts."""
    tz = tz or user_timezone(user)
    local = now.astimezone(tz)
    tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return local.date(), tomorrow


def bucket_filters(user: User, now: dt.datetime, tz: dt.tzinfo | None = None) -> dict[str, Q]:
    """Overdue, today and upcoming as filters: a timed task by its moment, a day task by its
    day (due all that day, overdue from the next)."""
    today, tomorrow = day_bounds(user, now, tz)
    timed, day_only = Q(due_at__isnull=False), Q(due_at__isnull=True)
    return {
        "overdue": (timed & Q(due_at__lt=now)) | (day_only & Q(due_date__lt=today)),
        "today": (timed & Q(due_at__gte=now, due_at__lt=tomorrow)) | (day_only & Q(due_date=today)),
        "upcoming": (timed & Q(due_at__gte=tomorrow)) | (day_only & Q(due_date__gt=today)),
    }


def open_tasks(user: User, *, assignee: User | None = None) -> QuerySet[Task]:
    """Open tasks ``user`` may see, of ``assignee`` when named (their own: through the
    policy's ``assigned_to``, which needs no visibility filter)."""
    if assignee is not None and assignee.pk == user.pk:
        policy = cast(TaskPolicy, Task.permission_policy)
        rows = policy.assigned_to(user, Task.objects.all())
        return rows.filter(status=Status.OPEN)
    rows = Task.objects.restrict(user, Action.VIEW).filter(status=Status.OPEN)
    if assignee is not None:
        rows = rows.filter(assignee=assignee)
    return rows


def my_tasks(user: User, *, now: dt.datetime | None = None, limit: int = 50) -> MyTasks:
    """The open tasks assigned to ``user``: overdue, today, upcoming (and undated ones are
    listed by ``undated``). Four indexed queries whatever the number of tasks: one counts the
    three buckets in one pass over the user's open tasks, one lists each bucket's first rows."""
    moment = now or timezone.now()
    tz = user_timezone(user)
    today, _tomorrow = day_bounds(user, moment, tz)
    mine = open_tasks(user, assignee=user)
    result = MyTasks(today_date=today)
    buckets = bucket_filters(user, moment, tz)
    counts = mine.aggregate(**{name: Count("id", filter=q) for name, q in buckets.items()})
    for name, q in buckets.items():
        setattr(result, name, list(mine.filter(q).order_by(*ORDER)[:limit]))
        setattr(result, f"{name}_count", counts[name])
    return result


def undated(user: User, *, limit: int = 50) -> list[Task]:
    return list(
        open_tasks(user, assignee=user).filter(due_date__isnull=True).order_by("id")[:limit]
    )


def team_summary(user: User, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per assignee, the open tasks ``user`` may see: how many, how many overdue. An
    administrator sees every assignee; others the members of their teams and themselves."""
    moment = now or timezone.now()
    rows = open_tasks(user)
    if not user.is_administrator:
        members = User.objects.filter(Q(teams__in=user.teams.all()) | Q(pk=user.pk)).values("pk")
        rows = rows.filter(assignee__in=members)
    overdue = bucket_filters(user, moment)["overdue"]
    summary = (
        rows.values("assignee", "assignee__username")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue))
        .order_by("-overdue", "assignee__username")
    )
    return list(summary)


def tasks_of(user: User, record: Any, *, include_done: bool = False) -> QuerySet[Task]:
    """The tasks linked to a person or an organization that ``user`` may see."""
    rows = Task.objects.restrict(user, Action.VIEW).filter(**{_link_name(record): record})
    if not include_done:
        rows = rows.filter(status=Status.OPEN)
    return rows.select_related("assignee").order_by(*ORDER)


def _link_name(record: Any) -> str:
    from rubrica.contacts.models import Contact

    return "people" if isinstance(record, Contact) else "organizations"
