"""Data-quality figures: completeness per field, invalid values, stale records, duplicates.

Every figure starts from ``restrict(user, "view")``, so a person only ever sees the quality of
what they may read. The completeness and staleness figures of each kind of record are one query
with conditional aggregation (``COUNT(...) FILTER (WHERE ...)``: one pass over the rows) on the
denormalised list columns of the row (``primary_email``, ``primary_phone``, ``city``,
``country``, ``organization``), because joining every child table would not stay interactive at
a million people; only tags, which have no such column, are an ``EXISTS`` on their index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.contacts.models import Contact, ContactEmail, ContactPhone
from rubrica.core import normalize
from rubrica.core.models import Action
from rubrica.jobs.models import ACTIVE, Job, JobStatus
from rubrica.organizations.models import Organization
from rubrica.quality.sql import like

if TYPE_CHECKING:
    from rubrica.accounts.models import User

DEFAULT_STALE_MONTHS = 12
MAX_STALE_MONTHS = 600

#: Emails the database itself flags as possibly malformed; only these are checked in Python with
#: the same validator the services use (``normalize.email``). Services never store an invalid
#: address, so bad ones come from outside (old data, bulk loads) and are nearly always of these
#: shapes. An address that passes this filter but would still fail the validator (an illegal
#: character in an otherwise plausible address) is not counted: the price of not running the
#: validator on every address of a million people at each page view.
SUSPECT_EMAIL_PATTERNS = (
    "@%",  # nothing before the @
    "%@%@%",  # two @
    "%.",  # ends with a dot or a hyphen
    "%-",
    "%@.%",
    "%@-%",
    "%.@%",
    "%..%",
    ".%",
    "%-.%",
    "%.-%",
    "% %",
    "%\t%",
    "%,%",
    "%;%",
    "%:%",
    "%<%",
    "%>%",
    '%"%',
    "%(%",
    "%)%",
    "%[%",
    "%]%",
)


def suspect_email() -> Q:
    condition = ~like("value", "%@%.%")  # no @, or no dot after it
    for pattern in SUSPECT_EMAIL_PATTERNS:
        condition |= like("value", pattern)
    return condition


#: Checking more suspects than this in one page view would make the page slow; the figure is
#: then shown as "at least".
MAX_EMAIL_SUSPECTS = 20_000


@dataclass(frozen=True)
class Completeness:
    """How many records of ``total`` have ``key`` filled in."""

    key: str
    label: str
    count: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.count / self.total) if self.total else 0

    @property
    def missing(self) -> int:
        return self.total - self.count


@dataclass(frozen=True)
class Report:
    """Everything the data-quality page shows. ``duplicates`` is None when duplicate detection
    is not installed; ``invalid_emails_capped`` means the figure is a lower bound."""

    people: int
    organizations: int
    people_completeness: list[Completeness]
    organization_completeness: list[Completeness]
    invalid_phones: int
    invalid_emails: int
    invalid_emails_capped: bool
    stale_months: int
    stale_cutoff: dt.datetime
    stale_people: int
    stale_organizations: int
    duplicates: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for the CLI and the API."""

        def rows(items: list[Completeness]) -> list[dict[str, Any]]:
            return [
                {"field": c.key, "count": c.count, "total": c.total, "percent": c.percent}
                for c in items
            ]

        return {
            "people": self.people,
            "organizations": self.organizations,
            "people_completeness": rows(self.people_completeness),
            "organization_completeness": rows(self.organization_completeness),
            "invalid_phones": self.invalid_phones,
            "invalid_emails": self.invalid_emails,
            "invalid_emails_capped": self.invalid_emails_capped,
            "stale_months": self.stale_months,
            "stale_cutoff": self.stale_cutoff.isoformat(),
            "stale_people": self.stale_people,
            "stale_organizations": self.stale_organizations,
            "duplicates": self.duplicates,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """The inverse of :meth:`as_dict` (a snapshot stored in a job's result). Labels are not
        stored: they come from the field keys in the reader's language. Raises ``KeyError``,
        ``TypeError`` or ``ValueError`` on a dict that is not a report."""
        people_labels = {key: label for key, label, _condition in _people_fields()}
        org_labels = {key: label for key, label, _condition in _organization_fields()}

        def rows(items: list[dict[str, Any]], labels: dict[str, str]) -> list[Completeness]:
            return [
                Completeness(
                    key=str(row["field"]),
                    label=labels.get(str(row["field"]), str(row["field"])),
                    count=int(row["count"]),
                    total=int(row["total"]),
                )
                for row in items
            ]

        cutoff = dt.datetime.fromisoformat(str(data["stale_cutoff"]))
        if cutoff.tzinfo is None:
            raise ValueError("stale_cutoff has no time zone")
        duplicates = data.get("duplicates")
        return cls(
            people=int(data["people"]),
            organizations=int(data["organizations"]),
            people_completeness=rows(data["people_completeness"], people_labels),
            organization_completeness=rows(data["organization_completeness"], org_labels),
            invalid_phones=int(data["invalid_phones"]),
            invalid_emails=int(data["invalid_emails"]),
            invalid_emails_capped=bool(data["invalid_emails_capped"]),
            stale_months=int(data["stale_months"]),
            stale_cutoff=cutoff,
            stale_people=int(data["stale_people"]),
            stale_organizations=int(data["stale_organizations"]),
            duplicates=None if duplicates is None else int(duplicates),
        )


def _people_fields() -> list[tuple[str, str, Q]]:
    """(key, label, condition) of the completeness figures for people."""
    tagged = Contact.tags.through.objects.filter(contact_id=OuterRef("pk"))
    return [
        ("email", _("Email"), ~Q(primary_email="")),
        ("phone", _("Phone"), ~Q(primary_phone="")),
        ("address", _("Address (city or country)"), ~Q(city="") | ~Q(country="")),
        ("organization", _("Organization"), Q(organization__isnull=False)),
        ("title", _("Job title"), ~Q(title="")),
        ("birthday", _("Birthday"), ~Q(birthday="")),
        ("photo", _("Photo"), ~Q(photo="")),
        ("tags", _("Tags"), Q(Exists(tagged))),
        ("stage", _("Lifecycle stage"), Q(stage__isnull=False)),
        ("team", _("Team"), Q(team__isnull=False)),
        ("owner", _("Active owner"), _active_owner()),
    ]


def _active_owner() -> Q:
    """As ``owner_id IN (active users)``: a join to the users table made SQLite's plan for the
    whole completeness query four times slower (7.5 s against 2 s at 1M people)."""
    from rubrica.accounts.models import User

    return Q(owner_id__in=User.objects.filter(is_active=True).values("pk"))


def _organization_fields() -> list[tuple[str, str, Q]]:
    tagged = Organization.tags.through.objects.filter(organization_id=OuterRef("pk"))
    return [
        ("kind", _("Kind"), Q(kind__isnull=False)),
        ("website", _("Website"), ~Q(website="")),
        ("phone", _("Phone"), ~Q(primary_phone="")),
        ("address", _("Address (city or country)"), ~Q(city="") | ~Q(country="")),
        ("industry", _("Industry"), ~Q(industry="")),
        ("tags", _("Tags"), Q(Exists(tagged))),
        ("owner", _("Active owner"), _active_owner()),
    ]


def counts(qs: QuerySet[Any], conditions: dict[str, Q]) -> dict[str, int]:
    """``total`` and one count per condition over ``qs``, in one query (one pass over the
    rows, ``COUNT(*) FILTER (WHERE ...)``)."""
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for key, condition in conditions.items():
        aggregates[f"f_{key}"] = Count("pk", filter=condition)
    row = qs.order_by().aggregate(**aggregates)
    return {"total": int(row["total"]), **{k: int(row[f"f_{k}"]) for k in conditions}}


def completeness(
    qs: QuerySet[Any], fields: list[tuple[str, str, Q]], extra: dict[str, Q] | None = None
) -> tuple[list[Completeness], dict[str, int]]:
    """The completeness figures of ``fields`` over ``qs``, and the counts of the ``extra``
    conditions, all in the same single query."""
    conditions = {f"field_{key}": condition for key, _label, condition in fields}
    conditions.update({f"extra_{key}": condition for key, condition in (extra or {}).items()})
    row = counts(qs, conditions)
    figures = [
        Completeness(key=key, label=label, count=row[f"field_{key}"], total=row["total"])
        for key, label, _condition in fields
    ]
    extras = {key: row[f"extra_{key}"] for key in extra or {}}
    return figures, {"total": row["total"], **extras}


def stale_cutoff(months: int, *, now: dt.datetime | None = None) -> dt.datetime:
    """Midnight (UTC) of the day ``months`` calendar months before ``now``, the day clamped to
    the month's end. Whole days, so that the people list filtered "updated before" that day
    shows exactly the people counted."""
    today = (now or timezone.now()).astimezone(dt.UTC).date()
    month_index = today.year * 12 + (today.month - 1) - months
    year, month0 = divmod(month_index, 12)
    month = month0 + 1
    first_of_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (first_of_next - dt.timedelta(days=1)).day
    day = dt.date(year, month, min(today.day, last_day))
    return dt.datetime.combine(day, dt.time.min, dt.UTC)


def parse_months(raw: Any) -> int:
    """``?months=`` as a whole number of months in 1..600; anything else gives the default."""
    try:
        months = int(str(raw).strip())
    except (TypeError, ValueError):
        return DEFAULT_STALE_MONTHS
    return months if 1 <= months <= MAX_STALE_MONTHS else DEFAULT_STALE_MONTHS


def invalid_phone_people(user: User, visible: QuerySet[Contact] | None = None) -> QuerySet[Contact]:
    """People with a phone that could not be read as a number (no E.164 form stored)."""
    if visible is None:
        visible = Contact.objects.restrict(user, Action.VIEW)
    bad = ContactPhone.objects.filter(contact_id=OuterRef("pk"), e164="")
    return visible.filter(Exists(bad))


def invalid_phone_count(visible: QuerySet[Contact]) -> int:
    """People of ``visible`` with an unreadable phone. Counted from the phones side, where the
    index on ``e164`` finds the few empty ones without reading every person."""
    return (
        ContactPhone.objects.filter(e164="", contact_id__in=visible.values("pk"))
        .values("contact_id")
        .distinct()
        .count()
    )


def suspect_email_rows(
    user: User, visible: QuerySet[Contact] | None = None
) -> QuerySet[ContactEmail]:
    """Email rows of people ``user`` may see that the database flags as possibly malformed."""
    if visible is None:
        visible = Contact.objects.restrict(user, Action.VIEW)
    # suspects are few: testing each one's person (EXISTS) beats listing every visible person
    seen = visible.filter(pk=OuterRef("contact_id"))
    return ContactEmail.objects.filter(suspect_email()).filter(Exists(seen))


def is_valid_email(value: str) -> bool:
    try:
        normalize.email(value)
    except ValueError:
        return False
    return True


def invalid_email_people_ids(
    user: User, limit: int = MAX_EMAIL_SUSPECTS, visible: QuerySet[Contact] | None = None
) -> tuple[list[int], bool]:
    """Ids of people with an invalid email (each once), and whether the check was cut short."""
    ids: list[int] = []
    suspects = suspect_email_rows(user, visible).order_by("contact_id", "id")
    qs = suspects.values_list("contact_id", "value")
    for position, (contact_id, value) in enumerate(qs[: limit + 1].iterator(chunk_size=2000)):
        if position >= limit:
            return ids, True
        if not is_valid_email(value) and (not ids or ids[-1] != contact_id):
            ids.append(contact_id)
    return ids, False


def stale_people(user: User, months: int) -> QuerySet[Contact]:
    return Contact.objects.restrict(user, Action.VIEW).filter(updated_at__lt=stale_cutoff(months))


def duplicate_count(user: User) -> int | None:
    """Open duplicate pairs from the duplicates app, or None while that app has no selector."""
    try:
        from rubrica.dedup import selectors as dedup_selectors
    except ImportError:
        return None
    count = getattr(dedup_selectors, "open_pair_count", None)
    if count is None:
        return None
    return int(count(user))


#: The sections of a report, in the order :func:`quality_report` computes them; a snapshot job
#: advances its progress by one at the end of each.
REPORT_SECTIONS = (
    "people_completeness",
    "organization_completeness",
    "invalid_phones",
    "invalid_emails",
    "stale",
    "duplicates",
)


def quality_report(
    user: User,
    *,
    months: int = DEFAULT_STALE_MONTHS,
    on_section: Callable[[str], None] | None = None,
) -> Report:
    """The data-quality figures for what ``user`` may see: one query for the people (their
    completeness and staleness), one for the organizations, one each for unreadable phones,
    suspect emails and duplicate pairs. ``on_section`` is called with each name of
    ``REPORT_SECTIONS`` once that section is done (a job's progress, its cancellation)."""

    def done(section: str) -> None:
        if on_section is not None:
            on_section(section)

    people_qs = Contact.objects.restrict(user, Action.VIEW)
    org_qs = Organization.objects.restrict(user, Action.VIEW)
    cutoff = stale_cutoff(months)
    stale = {"stale": Q(updated_at__lt=cutoff)}
    people, people_extra = completeness(people_qs, _people_fields(), stale)
    done("people_completeness")
    organizations, org_extra = completeness(org_qs, _organization_fields(), stale)
    done("organization_completeness")
    invalid_phones = invalid_phone_count(people_qs)
    done("invalid_phones")
    invalid_ids, capped = invalid_email_people_ids(user, visible=people_qs)
    done("invalid_emails")
    # the stale figures come with the completeness queries (same pass over the rows)
    done("stale")
    duplicates = duplicate_count(user)
    done("duplicates")
    return Report(
        people=people_extra["total"],
        organizations=org_extra["total"],
        people_completeness=people,
        organization_completeness=organizations,
        invalid_phones=invalid_phones,
        invalid_emails=len(invalid_ids),
        invalid_emails_capped=capped,
        stale_months=months,
        stale_cutoff=cutoff,
        stale_people=people_extra["stale"],
        stale_organizations=org_extra["stale"],
        duplicates=duplicates,
    )


#: Kind of the job that computes a person's report in the background (``services.snapshot_start``).
SNAPSHOT_KIND = "quality_report"

#: Up to this many visible people the page computes the report at each view (well under a
#: second); above it the page shows the latest snapshot computed by a job. At a million people
#: the report took 6-8 s on SQLite.
INLINE_MAX_PEOPLE = 20_000


def report_is_live(user: User, *, cap: int | None = None) -> bool:
    """Whether the page computes ``user``'s report at each view: they see at most ``cap``
    people, counted with a LIMITed subquery (``SELECT COUNT(*) FROM (... LIMIT cap + 1)``) so
    the test stays cheap at a million people."""
    cap = INLINE_MAX_PEOPLE if cap is None else cap
    visible = Contact.objects.restrict(user, Action.VIEW).order_by().values("pk")
    return visible[: cap + 1].count() <= cap


@dataclass(frozen=True)
class Snapshot:
    """A report computed by job ``job`` and finished at ``computed_at``."""

    report: Report
    computed_at: dt.datetime
    job: Job


def snapshot_jobs(user: User) -> QuerySet[Job]:
    """``user``'s own report jobs. Owner only, also for an administrator (whom ``restrict``
    would show everyone's): each report counts what its owner may see."""
    if user is None or not user.is_authenticated:
        return Job.objects.none()
    return Job.objects.restrict(user, Action.VIEW).filter(kind=SNAPSHOT_KIND, owner=user)


def latest_snapshot(user: User, *, months: int | None = None) -> Snapshot | None:
    """``user``'s latest finished report, computed with ``months`` when given. A stored result
    that is not a readable report (written by an older version) is passed over."""
    jobs = snapshot_jobs(user).filter(status=JobStatus.SUCCEEDED, finished_at__isnull=False)
    if months is not None:
        jobs = jobs.filter(params__months=months)
    for job in jobs.order_by("-finished_at", "-id")[:5]:
        try:
            report = Report.from_dict(job.result)
        except (KeyError, TypeError, ValueError):
            continue
        assert job.finished_at is not None
        return Snapshot(report=report, computed_at=job.finished_at, job=job)
    return None


def active_snapshot_job(user: User) -> Job | None:
    """``user``'s report job that is queued or running, if any (the newest)."""
    job: Job | None = snapshot_jobs(user).filter(status__in=ACTIVE).order_by("-created_at").first()
    return job
