"""Retention rules (ADR 0032): which people a rule would let go (``retention_preview``), the
administrators' writes on rules, and the worker's daily run (``retention_tick`` queues one
``privacy_retention`` job per rule due; the job runs ``retention_run``).

A rule is saved inactive; it can be switched on only after its preview was shown since its
last change, so that nobody starts a deletion they have not seen. Each run acts as the
administrator who wrote the rule, through the same services as a person would (the Trash, or
the erasure), one person per transaction, and is audited with the rule and the ids it touched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_delete
from rubrica.jobs.models import Job
from rubrica.jobs.running import Progress
from rubrica.privacy.erasure import contact_erase, may_erase
from rubrica.privacy.models import Erasure, RetentionAction, RetentionRule
from rubrica.taxonomy.models import LifecycleStage, Tag

#: People one run of one rule handles; the next day's run takes the rest.
RUN_BATCH = 500
#: A rule runs at most once in this period.
RUN_EVERY = dt.timedelta(days=1)
MAX_AGE_DAYS = 36_500
RULE_ACTION = "privacy.retention_rule"
RETENTION_KIND = "privacy_retention"
RUN_ACTION = "privacy.retention_run"


def ensure_admin(actor: User) -> None:
    if not may_erase(actor):
        raise PermissionDenied(_("Only administrators can manage retention rules."))


def matching(rule: RetentionRule, *, now: dt.datetime | None = None) -> QuerySet[Contact]:
    """The people ``rule`` would let go at ``now``: alive, matching its stage and tag, not
    changed and not interacted with for ``age_days``, never erased."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=rule.age_days)
    qs = Contact.objects.filter(updated_at__lt=cutoff, last_interaction_at__lt=cutoff)
    if rule.stage_id is not None:
        qs = qs.filter(stage_id=rule.stage_id)
    if rule.tag_id is not None:
        qs = qs.filter(tags__id=rule.tag_id)
    qs = qs.exclude(pk__in=Erasure.objects.values("contact_id"))
    return qs.distinct().order_by("id")


@dataclass(frozen=True)
class Preview:
    count: int
    people: list[Contact]


def retention_preview(
    *, actor: User, rule: RetentionRule, limit: int = 100, now: dt.datetime | None = None
) -> Preview:
    """What ``rule`` would let go now: the count and the first ``limit`` people. Showing it
    marks the rule as previewed (it may then be switched on)."""
    ensure_admin(actor)
    qs = matching(rule, now=now)
    preview = Preview(count=qs.count(), people=list(qs[:limit]))
    RetentionRule.objects.filter(pk=rule.pk).update(previewed_at=timezone.now())
    return preview


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = _("This field is required.")
    elif len(name) > 100:
        errors["name"] = _("At most %(n)d characters.") % {"n": 100}
    values["name"] = name
    try:
        age = int(str(data.get("age_days") or "").strip())
    except ValueError:
        age = 0
    if not 1 <= age <= MAX_AGE_DAYS:
        errors["age_days"] = _("Enter a number of days from 1 to %(n)d.") % {"n": MAX_AGE_DAYS}
    values["age_days"] = age
    action = str(data.get("action") or RetentionAction.TRASH)
    if action not in RetentionAction.values:
        errors["action"] = _("Choose move to the Trash or erase.")
    values["action"] = action
    for field, model in (("stage", LifecycleStage), ("tag", Tag)):
        raw = data.get(field)
        if raw in (None, ""):
            values[field] = None
            continue
        found = model.objects.filter(pk=int(str(raw))).first() if str(raw).isdigit() else None
        if found is None:
            errors[field] = _("There is no such choice.")
        values[field] = found
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def retention_rule_save(
    *, actor: User, data: dict[str, Any], rule: RetentionRule | None = None
) -> RetentionRule:
    """Create or change a rule (administrators). A changed rule is switched off until it is
    previewed again."""
    ensure_admin(actor)
    values = _clean(data)
    if rule is None:
        rule = RetentionRule(created_by=actor, **values)
    else:
        rule = RetentionRule.objects.select_for_update().get(pk=rule.pk)
        for name, value in values.items():
            setattr(rule, name, value)
        rule.created_by = actor
    rule.active = False
    rule.previewed_at = None
    rule.save()
    audit.record(actor, RULE_ACTION, rule, {"rule": rule.pk, "change": "save", **_described(rule)})
    return rule


def _described(rule: RetentionRule) -> dict[str, Any]:
    return {
        "age_days": rule.age_days,
        "action": rule.action,
        "stage": rule.stage_id,
        "tag": rule.tag_id,
    }


@transaction.atomic
def retention_rule_activate(*, actor: User, rule: RetentionRule, active: bool) -> RetentionRule:
    """Switch a rule on (only once previewed since its last change) or off."""
    ensure_admin(actor)
    rule = RetentionRule.objects.select_for_update().get(pk=rule.pk)
    if active and (rule.previewed_at is None or rule.previewed_at < rule.updated_at):
        raise ValidationError({"active": _("Preview the rule before switching it on.")})
    rule.active = active
    rule.save(update_fields=["active"])
    audit.record(actor, RULE_ACTION, rule, {"rule": rule.pk, "change": "on" if active else "off"})
    return rule


@transaction.atomic
def retention_rule_delete(*, actor: User, rule: RetentionRule) -> None:
    ensure_admin(actor)
    audit.record(actor, RULE_ACTION, rule, {"rule": rule.pk, "change": "delete"})
    RetentionRule.objects.filter(pk=rule.pk).delete()


def retention_run(
    rule: RetentionRule,
    *,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Apply ``rule`` once (at most ``RUN_BATCH`` people), acting as its author, one person per
    transaction (a long run never holds the database's write lock for long); returns the ids
    handled. An author who is no longer an administrator runs nothing."""
    moment = now or timezone.now()
    actor = rule.created_by
    if not actor.is_active or not may_erase(actor):
        return []
    ids = list(matching(rule, now=moment).values_list("pk", flat=True)[:RUN_BATCH])
    done: list[int] = []
    for index, pk in enumerate(ids):
        with transaction.atomic():
            contact = Contact.all_objects.filter(pk=pk, deleted_at__isnull=True).first()
            if contact is not None and not Erasure.objects.filter(contact_id=pk).exists():
                if rule.action == RetentionAction.ERASE:
                    contact_erase(actor=actor, contact=contact)
                else:
                    contact_delete(actor=actor, contact=contact)
                done.append(pk)
        if progress is not None:
            progress(index + 1, len(ids))
    with transaction.atomic():
        RetentionRule.objects.filter(pk=rule.pk).update(last_run_at=moment)
        audit.record(
            actor,
            RUN_ACTION,
            rule,
            {"rule": rule.pk, "action": rule.action, "count": len(done), "ids": done},
        )
    return done


def run_retention_job(job: Job, progress: Progress) -> dict[str, Any]:
    """The job the daily tick queues for each rule due: ``retention_run`` with progress."""
    rule = RetentionRule.objects.select_related("created_by").filter(pk=job.params["rule"]).first()
    if rule is None or not rule.active:
        return {"count": 0}
    moment = dt.datetime.fromisoformat(job.params["now"])

    def report(done: int, total: int) -> None:
        progress.set_total(total)
        progress.set_done(done)

    return {"count": len(retention_run(rule, now=moment, progress=report))}


def retention_tick(now: dt.datetime) -> int:
    """The worker's tick: queue one job for each active rule not run in the last day (its
    ``last_run_at`` is set now, so the next tick queues nothing more). Returns 0 (sends no
    notification)."""
    from rubrica.jobs.services import job_create

    for rule in RetentionRule.objects.filter(active=True).select_related("created_by"):
        if rule.last_run_at is not None and rule.last_run_at > now - RUN_EVERY:
            continue
        RetentionRule.objects.filter(pk=rule.pk).update(last_run_at=now)
        if not rule.created_by.is_active:
            continue
        job_create(
            actor=rule.created_by,
            kind=RETENTION_KIND,
            title=_("Retention rule: %(name)s") % {"name": rule.name},
            params={"rule": rule.pk, "now": now.isoformat()},
        )
    return 0
