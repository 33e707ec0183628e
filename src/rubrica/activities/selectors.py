"""Reads of activities shared by the pages, the API and the CLI: a record's timeline (keyset
pages, filters, the record's own changes folded in) and the people to contact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.activities.models import (
    Activity,
    ActivityOrganization,
    ActivityPerson,
    KeepInTouch,
    Kind,
)
from rubrica.contacts.models import Contact
from rubrica.core.filters import Params, param_ids, param_values
from rubrica.core.models import Action
from rubrica.core.pagination import Page, keyset_page
from rubrica.customfields.protection import FieldAccess, present_changes
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.organizations.models import Affiliation, Organization

ORDER = ("-occurred_at", "-id")
#: History entries folded into one page of a timeline, at most.
MAX_FOLDED = 200


@dataclass
class TimelineFilter:
    """Narrows a timeline: kinds, a user (who logged it or took part), a period (dates)."""

    kinds: list[str] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def parse(cls, params: Params) -> tuple[TimelineFilter, dict[str, str]]:
        errors: dict[str, str] = {}
        kinds = []
        for value in param_values(params, "kind"):
            for part in value.split(","):
                part = part.strip()
                if part and part not in Kind.values:
                    errors["kind"] = _("Choose a valid option.")
                elif part:
                    kinds.append(part)
        users = param_ids(params, "user", errors)
        dates: dict[str, dt.date | None] = {}
        for name in ("since", "until"):
            values = param_values(params, name)
            dates[name] = None
            if values:
                try:
                    dates[name] = dt.date.fromisoformat(values[0])
                except ValueError:
                    errors[name] = _("Enter a date as YYYY-MM-DD.")
        return cls(kinds=kinds, users=users, since=dates["since"], until=dates["until"]), errors

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.users or self.since or self.until)

    def apply(self, qs: QuerySet[Activity]) -> QuerySet[Activity]:
        if self.kinds:
            qs = qs.filter(kind__in=self.kinds)
        if self.users:
            taking_part = Activity.users.through.objects.filter(
                activity_id=OuterRef("pk"), user_id__in=self.users
            )
            qs = qs.filter(Q(owner_id__in=self.users) | Exists(taking_part))
        tz = timezone.get_current_timezone()
        if self.since:
            start = dt.datetime.combine(self.since, dt.time.min, tzinfo=tz)
            qs = qs.filter(occurred_at__gte=start)
        if self.until:
            end = dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            qs = qs.filter(occurred_at__lt=end)
        return qs


def visible_activities(user: User | Any, action: str = Action.VIEW) -> QuerySet[Activity]:
    return Activity.objects.restrict(user, action)


def record_activities(user: User | Any, record: Contact | Organization) -> QuerySet[Activity]:
    """The activities on ``record``'s timeline that ``user`` may see: for a person, those they
    take part in; for an organization, those linked to it and those of the people who work
    there now (current affiliations)."""
    qs = visible_activities(user)
    if isinstance(record, Contact):
        return qs.filter(
            Exists(ActivityPerson.objects.filter(activity_id=OuterRef("pk"), contact=record))
        )
    people = Affiliation.objects.filter(organization=record, end_date__isnull=True).values(
        "contact_id"
    )
    return qs.filter(
        Exists(ActivityOrganization.objects.filter(activity_id=OuterRef("pk"), organization=record))
        | Exists(ActivityPerson.objects.filter(activity_id=OuterRef("pk"), contact_id__in=people))
    )


def timeline_page(
    *,
    user: User | Any,
    record: Contact | Organization,
    flt: TimelineFilter,
    cursor: str | None,
    size: int = 20,
) -> Page[Activity]:
    qs = flt.apply(record_activities(user, record)).select_related("owner", "outcome")
    page = keyset_page(qs, order=ORDER, cursor=cursor, size=size)
    ids = [a.pk for a in page.items]
    if ids:
        people: dict[int, list[Contact]] = {}
        links = ActivityPerson.objects.filter(activity_id__in=ids).select_related("contact")
        visible = set(
            Contact.objects.restrict(user, Action.VIEW)
            .filter(pk__in={link.contact_id for link in links})
            .values_list("pk", flat=True)
        )
        for link in links:
            if link.contact_id in visible:
                people.setdefault(link.activity_id, []).append(link.contact)
        for activity in page.items:
            activity.visible_people = people.get(activity.pk, [])  # type: ignore[attr-defined]
    return page


@dataclass
class FoldedChanges:
    """The record's own changes between two activities, shown collapsed."""

    entries: list[HistoryEntry]

    @property
    def at(self) -> dt.datetime:
        return self.entries[0].at


def folded_history(
    record: Contact | Organization,
    *,
    newer_than: dt.datetime | None,
    older_than: dt.datetime | None,
) -> list[HistoryEntry]:
    """The record's changes (not its creation, not Trash moves) in ``(newer_than, older_than]``,
    newest first, at most MAX_FOLDED."""
    content_type = ContentType.objects.get_for_model(type(record))
    qs = HistoryEntry.objects.filter(
        content_type=content_type,
        object_id=record.pk,
        action__in=[HistoryAction.UPDATE, HistoryAction.REVERT],
    ).select_related("actor")
    if newer_than is not None:
        qs = qs.filter(at__gt=newer_than)
    if older_than is not None:
        qs = qs.filter(at__lte=older_than)
    return list(qs.order_by("-at", "-id")[:MAX_FOLDED])


def interleave(activities: list[Activity], entries: list[HistoryEntry]) -> list[Any]:
    """Activities and runs of history entries in one newest-first list; consecutive entries are
    grouped into one FoldedChanges."""
    out: list[Any] = []
    pending = list(entries)
    for activity in activities:
        run = []
        while pending and pending[0].at > activity.occurred_at:
            run.append(pending.pop(0))
        if run:
            out.append(FoldedChanges(run))
        out.append(activity)
    if pending:
        out.append(FoldedChanges(pending))
    return out


def change_lines(entry: HistoryEntry, access: FieldAccess) -> list[str]:
    """ "stage: Lead → Customer" for each field of a history entry, as ``access``'s user may
    see it (fields they may not read masked, sealed values opened for those who may, personal
    phones left out: what the history page shows)."""
    lines = []
    for name, change in sorted(present_changes(access, entry.changes).items()):
        if not isinstance(change, dict):
            continue
        before, after = change.get("before"), change.get("after")
        lines.append(f"{name}: {_short(before)} → {_short(after)}")
    return lines


def _short(value: Any) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, list):
        text = ", ".join(_short(item) if isinstance(item, dict) else str(item) for item in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={v}" for k, v in value.items() if v not in (None, "", False))
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def people_to_contact(*, user: User | Any, cursor: str | None, size: int = 50) -> Page[KeepInTouch]:
    """The people with a cadence the user may see, the most overdue first."""
    visible = Contact.objects.restrict(user, Action.VIEW).filter(pk=OuterRef("contact_id"))
    qs = KeepInTouch.objects.filter(Exists(visible)).select_related("contact", "source_tag")
    return keyset_page(qs, order=("overdue_at", "id"), cursor=cursor, size=size)
