"""Retention rules (ADR 0032, 0035): which people, organizations or timeline entries a rule
would let go (``retention_preview``), the
administrators' writes on rules, and the worker's daily run (``retention_tick`` queues one
``privacy_retention`` job per rule due; the job runs ``retention_run``).

A rule is saved inactive; it can be switched on only after its preview was shown since its
last change, so that nobody starts a deletion they have not seen. Each run acts as the
administrator who wrote the rule, through the same services as a person would (the Trash, or
the erasure), one person per transaction, and is audited with the rule and the ids it touched."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.accounts.selectors import is_administrator
from rubrica.activities.models import Activity, ActivityOrganization
from rubrica.activities.services import activity_delete
from rubrica.audit import services as audit
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_delete
from rubrica.jobs.models import Job
from rubrica.jobs.running import Progress
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.services import organization_delete
from rubrica.privacy.erasure import contact_erase, may_erase
from rubrica.privacy.models import Erasure, RetentionAction, RetentionEntity, RetentionRule
from rubrica.taxonomy.models import LifecycleStage, Tag

#: People one run of one rule handles; the next day's run takes the rest.
RUN_BATCH = 500
#: A rule runs at most once in this period.
RUN_EVERY = dt.timedelta(days=1)
MAX_AGE_DAYS = 36_500
RULE_ACTION = "privacy.retention_rule"
RETENTION_KIND = "privacy_retention"
RUN_ACTION = "privacy.retention_run"

logger = logging.getLogger(__name__)


def ensure_admin(actor: User) -> None:
    if not is_administrator(actor) or not actor.is_active:
        raise PermissionDenied(_("Only administrators can manage retention rules."))


def matching(rule: RetentionRule, *, now: dt.datetime | None = None) -> QuerySet[Any]:
    """The records ``rule`` would let go at ``now``, oldest id first:

    - people: alive, matching its stage and tag, not changed and not interacted with for
      ``age_days``, never erased;
    - organizations: alive, matching its tag, not changed and on no timeline entry for
      ``age_days``, and (``without_people``) with nobody affiliated who is not in the Trash;
    - timeline entries: alive, that happened more than ``age_days`` ago."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=rule.age_days)
    if rule.entity == RetentionEntity.ORGANIZATION:
        orgs = Organization.objects.filter(updated_at__lt=cutoff).exclude(
            pk__in=ActivityOrganization.objects.filter(occurred_at__gte=cutoff).values(
                "organization_id"
            )
        )
        if rule.tag_id is not None:
            orgs = orgs.filter(tags__id=rule.tag_id)
        if rule.without_people:
            orgs = orgs.exclude(
                pk__in=Affiliation.objects.filter(contact__deleted_at__isnull=True).values(
                    "organization_id"
                )
            )
        return orgs.distinct().order_by("id")
    if rule.entity == RetentionEntity.ACTIVITY:
        return Activity.objects.filter(occurred_at__lt=cutoff).order_by("id")
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
    #: The first records (people, organizations or timeline entries).
    records: list[Any]

    @property
    def people(self) -> list[Any]:
        """The records, under the name the first version gave them (people only then)."""
        return self.records


def retention_preview(
    *, actor: User, rule: RetentionRule, limit: int = 100, now: dt.datetime | None = None
) -> Preview:
    """What ``rule`` would let go now: the count and the first ``limit`` records. Showing it
    marks the rule as previewed (it may then be switched on)."""
    ensure_admin(actor)
    qs = matching(rule, now=now)
    preview = Preview(count=qs.count(), records=list(qs[:limit]))
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
    entity = str(data.get("entity") or RetentionEntity.CONTACT)
    if entity not in RetentionEntity.values:
        errors["entity"] = _("There is no such choice.")
    values["entity"] = entity
    action = str(data.get("action") or RetentionAction.TRASH)
    if action not in RetentionAction.values:
        errors["action"] = _("Choose move to the Trash or erase.")
    elif action == RetentionAction.ERASE and entity != RetentionEntity.CONTACT:
        errors["action"] = _("Only people can be erased; choose move to the Trash.")
    values["action"] = action
    values["without_people"] = entity == RetentionEntity.ORGANIZATION and str(
        data.get("without_people") or ""
    ).lower() in ("on", "true", "1", "yes")
    for field, model in (("stage", LifecycleStage), ("tag", Tag)):
        raw = data.get(field)
        applies = entity == RetentionEntity.CONTACT or (
            field == "tag" and entity == RetentionEntity.ORGANIZATION
        )
        if raw in (None, "") or not applies:
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
        "entity": rule.entity,
        "age_days": rule.age_days,
        "action": rule.action,
        "without_people": rule.without_people,
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


def _let_go(rule: RetentionRule, actor: User, pk: int) -> bool:
    """Let one record go through its service (inside the caller's transaction); False when it
    went meanwhile."""
    if rule.entity == RetentionEntity.ORGANIZATION:
        organization = Organization.objects.filter(pk=pk).first()
        if organization is None:
            return False
        organization_delete(actor=actor, organization=organization)
        return True
    if rule.entity == RetentionEntity.ACTIVITY:
        activity = Activity.objects.filter(pk=pk).first()
        if activity is None:
            return False
        activity_delete(actor=actor, activity=activity)
        return True
    contact = Contact.objects.filter(pk=pk).first()
    if contact is None or Erasure.objects.filter(contact_id=pk).exists():
        return False
    if rule.action == RetentionAction.ERASE:
        try:
            contact_erase(actor=actor, contact=contact)
        except ValidationError as exc:  # e.g. sealed numbers whose key is missing: next run
            logger.warning("retention rule %s could not erase person %s: %s", rule.pk, pk, exc)
            return False
    else:
        contact_delete(actor=actor, contact=contact)
    return True


def retention_run(
    rule: RetentionRule,
    *,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Apply ``rule`` once (at most ``RUN_BATCH`` records), acting as its author, one record per
    transaction (a long run never holds the database's write lock for long); returns the ids
    handled. An author who is no longer an administrator runs nothing, nor does an erasing rule
    whose author's roles no longer grant erasure."""
    moment = now or timezone.now()
    actor = rule.created_by
    if not actor.is_active or not is_administrator(actor):
        return []
    if rule.action == RetentionAction.ERASE and not may_erase(actor):
        return []
    ids = list(matching(rule, now=moment).values_list("pk", flat=True)[:RUN_BATCH])
    done: list[int] = []
    for index, pk in enumerate(ids):
        with transaction.atomic():
            if _let_go(rule, actor, pk):
                done.append(pk)
        if progress is not None:
            progress(index + 1, len(ids))
    with transaction.atomic():
        RetentionRule.objects.filter(pk=rule.pk).update(last_run_at=moment)
        audit.record(
            actor,
            RUN_ACTION,
            rule,
            {
                "rule": rule.pk,
                "entity": rule.entity,
                "action": rule.action,
                "count": len(done),
                "ids": done,
            },
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
