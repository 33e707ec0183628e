"""Cleaning people's data: preview, apply as a background job, undo.

Every change goes through ``contacts.services.contact_update`` with the job's owner as the actor,
so permissions, history, versions and the search index behave as for a change made by hand, and
the history page can restore any single value. The job also keeps, per person, the values before
and after (:class:`CleaningChange`), which is what "Undo this cleaning" puts back — on the people
that have not changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_update, snapshot
from rubrica.contacts.types import ContactInput
from rubrica.core.models import Action
from rubrica.core.services import ConflictError
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import (
    PERSONAL_PHONES,
    FieldAccess,
    field_access,
    open_builtins,
    seal_builtins,
    split_phones,
)
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import Progress, job_create
from rubrica.quality import selectors
from rubrica.quality.cleaning import ACTIONS, Change, candidates, plan
from rubrica.quality.models import CleaningChange

if TYPE_CHECKING:
    from rubrica.accounts.models import User

JOB_KIND = "quality_clean"
#: People per transaction: small enough that the SQLite write lock is held briefly.
BATCH_SIZE = 100
#: The preview plans at most this many candidates; below it the number of people the cleaning
#: would change is exact, above it the page says "up to" the number of candidates.
PREVIEW_SCAN = 2_000
MAX_REPORTED_ERRORS = 50


@dataclass(frozen=True)
class Preview:
    """The first ``limit`` changes of a cleaning, and how many people it would change:
    ``people`` exactly when ``exact``, else at most ``people``."""

    action: str
    changes: list[Change]
    people: int
    exact: bool


def _changeable_snapshot(access: FieldAccess, contact: Contact) -> dict[str, Any]:
    """The person's snapshot without the protected fields ``access``'s user may not change: a
    cleaning neither shows nor plans them (ADR 0027), personal phones included (ADR 0034)."""
    data = {key: value for key, value in snapshot(contact).items() if access.can_edit(key)}
    if "phones" in data and not (
        access.can_read(PERSONAL_PHONES) and access.can_edit(PERSONAL_PHONES)
    ):
        data["phones"] = split_phones(data["phones"])[0]
    return data


def _check_action(action: str) -> None:
    if action not in ACTIONS:
        raise ValidationError({"action": _("Choose a cleaning action.")})


def _changeable(user: User) -> QuerySet[Contact]:
    return Contact.objects.restrict(user, Action.CHANGE)


def _with_children(qs: QuerySet[Contact]) -> QuerySet[Contact]:
    return qs.select_related("stage", "owner", "team").prefetch_related(
        "tags", "emails", "phones", "addresses", "urls", "profiles"
    )


def preview_cleaning(user: User, action: str, limit: int = 50) -> Preview:
    """What ``action`` would change, changing nothing. Only people ``user`` may change count:
    the job skips the others too."""
    _check_action(action)
    found = candidates(_changeable(user), action).order_by("pk")
    ids = list(found.values_list("pk", flat=True)[: PREVIEW_SCAN + 1])
    exact = len(ids) <= PREVIEW_SCAN
    ids = ids[:PREVIEW_SCAN]
    changes: list[Change] = []
    people = 0
    access = field_access(user, Entity.CONTACT)
    for start in range(0, len(ids), BATCH_SIZE):
        batch = _with_children(Contact.objects.filter(pk__in=ids[start : start + BATCH_SIZE]))
        for contact in batch.order_by("pk"):
            _data, shown = plan(action, _changeable_snapshot(access, contact))
            if not shown:
                continue
            people += 1
            for field, before, after in shown:
                if len(changes) < limit:
                    changes.append(
                        Change(contact.pk, contact.display_name, field, str(before), str(after))
                    )
    if not exact:
        people = found.count()
    return Preview(action=action, changes=changes, people=people, exact=exact)


def _ensure_can_clean(actor: User) -> None:
    if not actor.is_authenticated or not actor.is_active or actor.is_read_only:
        raise PermissionDenied(_("Read-only users cannot clean data."))


def cleaning_start(*, actor: User, action: str, enqueue: bool = True) -> Job:
    """Queue the job that applies ``action`` to every person ``actor`` may change."""
    _check_action(action)
    _ensure_can_clean(actor)
    title = _("Data cleaning: %(action)s") % {"action": ACTIONS[action]}
    return job_create(
        actor=actor, kind=JOB_KIND, title=title, params={"action": action}, enqueue=enqueue
    )


def undo_job_for(job: Job) -> Job | None:
    """The undo job already started for cleaning ``job`` (one that did not fail or stop)."""
    return (
        Job.objects.filter(kind=JOB_KIND, params__undo_of=job.pk)
        .exclude(status__in=[JobStatus.FAILED, JobStatus.CANCELLED])
        .first()
    )


def can_undo(actor: User, job: Job) -> bool:
    return (
        job.kind == JOB_KIND
        and "action" in job.params
        and job.status == JobStatus.SUCCEEDED
        and actor.is_authenticated
        and not actor.is_read_only
        and Job.objects.restrict(actor, "change").filter(pk=job.pk).exists()
        and undo_job_for(job) is None
        and job.cleaning_changes.exists()
    )


def cleaning_undo_start(*, actor: User, job: Job, enqueue: bool = True) -> Job:
    """Queue the job that puts back what cleaning ``job`` changed, on the people that have not
    changed since. Only who may change the job (its owner, an administrator) may undo it."""
    _ensure_can_clean(actor)
    if not Job.objects.restrict(actor, "change").filter(pk=job.pk).exists():
        raise PermissionDenied(_("You cannot undo this job."))
    if job.kind != JOB_KIND or "action" not in job.params:
        raise ValidationError({"job": _("This job is not a data cleaning.")})
    if job.status != JobStatus.SUCCEEDED:
        raise ValidationError({"job": _("Only a finished cleaning can be undone.")})
    if undo_job_for(job) is not None:
        raise ValidationError({"job": _("This cleaning has already been undone.")})
    title = _("Undo: %(title)s") % {"title": job.title}
    return job_create(
        actor=actor, kind=JOB_KIND, title=title, params={"undo_of": job.pk}, enqueue=enqueue
    )


def _note(errors: list[str], contact: Contact, exc: Exception) -> None:
    if len(errors) >= MAX_REPORTED_ERRORS:
        return
    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    errors.append(f"{contact.display_name} (#{contact.pk}): {text}")


def run_cleaning(job: Job, progress: Progress) -> dict[str, Any]:
    """The job runner of kind ``quality_clean``: apply a cleaning, or undo one."""
    actor = job.owner
    _ensure_can_clean(actor)
    if "undo_of" in job.params:
        return _run_undo(job, progress)
    action = str(job.params.get("action", ""))
    _check_action(action)
    state: dict[str, Any] = {
        "last_pk": 0,
        "done": 0,
        "total": None,
        "changed": 0,
        "fields": 0,
        "unchanged": 0,
        "failed": 0,
        "errors": [],
        **job.checkpoint,
    }
    batch_size = int(job.params.get("batch_size", BATCH_SIZE))
    found = candidates(_changeable(actor), action).order_by("pk")
    if state["total"] is None:
        state["total"] = found.count()
    progress.set_total(int(state["total"]))
    progress.set_done(int(state["done"]))
    access = field_access(actor, Entity.CONTACT)
    while True:
        progress.raise_if_cancelled()
        ids = list(found.filter(pk__gt=state["last_pk"]).values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        with transaction.atomic():
            for contact in _with_children(Contact.objects.filter(pk__in=ids)).order_by("pk"):
                before = snapshot(contact)
                data, shown = plan(action, _changeable_snapshot(access, contact))
                if not data:
                    state["unchanged"] += 1
                    continue
                try:
                    updated = contact_update(
                        actor=actor,
                        contact=contact,
                        data=cast(ContactInput, data),  # a plan changes snapshot() fields
                        expected_version=contact.version,
                    )
                except (ValidationError, PermissionDenied, ConflictError) as exc:
                    state["failed"] += 1
                    _note(state["errors"], contact, exc)
                    continue
                after = snapshot(updated)
                CleaningChange.objects.create(
                    job=job,
                    contact=updated,
                    # no clear copy of what the person's row keeps sealed (ADR 0034)
                    before=seal_builtins(Entity.CONTACT, {key: before.get(key) for key in data}),
                    after=seal_builtins(Entity.CONTACT, {key: after.get(key) for key in data}),
                    version=updated.version,
                )
                state["changed"] += 1
                state["fields"] += len(shown)
            state["last_pk"] = ids[-1]
            state["done"] = min(int(state["total"]), int(state["done"]) + len(ids))
            progress.checkpoint(dict(state), done=int(state["done"]))
    return {
        "action": action,
        "changed": state["changed"],
        "fields": state["fields"],
        "unchanged": state["unchanged"],
        "failed": state["failed"],
        "errors": state["errors"],
    }


def _run_undo(job: Job, progress: Progress) -> dict[str, Any]:
    """Put back the values of each CleaningChange of the original job, person by person, when
    the person is still at the version the cleaning left; anyone else is skipped and named."""
    actor = job.owner
    original = Job.objects.filter(pk=job.params["undo_of"]).first()
    if original is None:
        raise ValidationError({"job": _("The cleaning to undo no longer exists.")})
    state: dict[str, Any] = {
        "last_id": 0,
        "done": 0,
        "restored": 0,
        "not_restorable": 0,
        "changed_since": 0,
        "gone": 0,
        "failed": 0,
        "skipped": [],
        "errors": [],
        **job.checkpoint,
    }
    rows = CleaningChange.objects.filter(job=original).order_by("id")
    progress.set_total(rows.count())
    progress.set_done(int(state["done"]))
    changeable = _changeable(actor)
    while True:
        progress.raise_if_cancelled()
        batch = list(rows.filter(id__gt=state["last_id"])[:BATCH_SIZE])
        if not batch:
            break
        with transaction.atomic():
            people = {c.pk: c for c in changeable.filter(pk__in=[r.contact_id for r in batch])}
            for row in batch:
                contact = people.get(row.contact_id)
                if contact is None:
                    state["gone"] += 1
                elif contact.version != row.version:
                    state["changed_since"] += 1
                    if len(state["skipped"]) < MAX_REPORTED_ERRORS:
                        state["skipped"].append({"id": contact.pk, "name": contact.display_name})
                else:
                    try:
                        updated = contact_update(
                            actor=actor,
                            contact=contact,
                            data=open_builtins(Entity.CONTACT, row.before),
                            expected_version=row.version,
                        )
                    except (ValidationError, PermissionDenied, ConflictError) as exc:
                        state["failed"] += 1
                        _note(state["errors"], contact, exc)
                    else:
                        # the services fold white space on every write, so a trimmed value
                        # cannot be put back untrimmed: nothing changes then
                        key = "restored" if updated.version != row.version else "not_restorable"
                        state[key] += 1
            state["last_id"] = batch[-1].id
            state["done"] = int(state["done"]) + len(batch)
            progress.checkpoint(dict(state), done=int(state["done"]))
    return {
        "undo_of": original.pk,
        **{
            key: state[key]
            for key in (
                "restored",
                "not_restorable",
                "changed_since",
                "gone",
                "failed",
                "skipped",
                "errors",
            )
        },
    }


def _check_months(months: int) -> None:
    if not 1 <= months <= selectors.MAX_STALE_MONTHS:
        raise ValidationError(
            {
                "months": _("Stale after (months): enter a whole number from 1 to %(max)s.")
                % {"max": selectors.MAX_STALE_MONTHS}
            }
        )


def snapshot_start(
    *, actor: User, months: int = selectors.DEFAULT_STALE_MONTHS, enqueue: bool = True
) -> Job:
    """Queue the job that computes ``actor``'s data-quality report with stale records counted
    at ``months``, or return the one already queued or running for them (whatever its months):
    one report job per person at a time. Any person who logs in may, read-only users included:
    the job only reads what they may see, and writes nothing but its own result."""
    _check_months(months)
    active = selectors.active_snapshot_job(actor)
    if active is not None:
        return active
    return job_create(
        actor=actor,
        kind=selectors.SNAPSHOT_KIND,
        title=_("Data-quality report"),
        params={"months": months},
        enqueue=enqueue,
    )


def run_snapshot(job: Job, progress: Progress) -> dict[str, Any]:
    """The job runner of kind ``quality_report``: the report of what the job's owner may see
    (``selectors.quality_report``, the same figures the page computes inline for small
    databases), one step of progress per section. Nothing is written but the result, so a
    resumed run simply starts over."""
    owner = job.owner
    if not owner.is_active:
        raise PermissionDenied(_("The person who started this report can no longer log in."))
    months = int(job.params.get("months", selectors.DEFAULT_STALE_MONTHS))
    _check_months(months)
    progress.set_total(len(selectors.REPORT_SECTIONS))
    progress.set_done(0)

    def section_done(_section: str) -> None:
        progress.advance()
        progress.raise_if_cancelled()

    progress.raise_if_cancelled()
    report = selectors.quality_report(owner, months=months, on_section=section_done)
    return report.as_dict()
