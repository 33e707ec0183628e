"""Writes on candidate pairs: dismiss ("not a duplicate"), record a merge, start a scan.

Deciding about a pair is a change to people's data quality, so it needs the right to change both
people; it writes a history entry on the pair. Scans run as background jobs
(``rubrica.dedup.scan``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.core.models import Action
from rubrica.dedup import registry
from rubrica.dedup.models import DuplicatePair, PairStatus
from rubrica.history.models import HistoryAction
from rubrica.history.services import history_record

SCAN_KIND = "dedup_scan"


def _ensure_can_change_both(actor: User, pair: DuplicatePair) -> None:
    allowed = (
        registry.records()
        .restrict(actor, Action.CHANGE)
        .filter(pk__in=[pair.contact_a_id, pair.contact_b_id])
        .count()
    )
    if allowed != 2:
        raise PermissionDenied(_("You may not change both of these people."))


def _set_status(actor: User, pair: DuplicatePair, status: str) -> DuplicatePair:
    current = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if current.status == status:
        return current
    before = current.status
    current.status = status
    current.decided_at = timezone.now()
    current.decided_by = actor
    current.save(update_fields=["status", "decided_at", "decided_by"])
    history_record(
        actor=actor,
        instance=current,
        action=HistoryAction.UPDATE,
        changes={"status": {"before": before, "after": status}},
        version=1,
    )
    return current


@transaction.atomic
def pair_dismiss(*, actor: User, pair: DuplicatePair) -> DuplicatePair:
    """Mark a pair "not a duplicate"; later scans keep it dismissed. A merged pair stays merged."""
    _ensure_can_change_both(actor, pair)
    if pair.status == PairStatus.MERGED:
        raise ValidationError({"status": _("These people were already merged.")})
    return _set_status(actor, pair, PairStatus.DISMISSED)


@transaction.atomic
def pair_reopen(*, actor: User, pair: DuplicatePair) -> DuplicatePair:
    """Undo a dismissal: the pair is a candidate again."""
    _ensure_can_change_both(actor, pair)
    if pair.status != PairStatus.DISMISSED:
        raise ValidationError({"status": _("Only a dismissed pair can be reopened.")})
    return _set_status(actor, pair, PairStatus.OPEN)


@transaction.atomic
def pair_record_merged(*, actor: User, contact_ids: tuple[int, int]) -> DuplicatePair | None:
    """For ``rubrica.merges``: the two people were merged, so their pair (if a scan found one)
    is closed as merged. Call it in the merge's transaction."""
    low, high = sorted(contact_ids)
    pair = DuplicatePair.objects.filter(contact_a_id=low, contact_b_id=high).first()
    if pair is None:
        return None
    return _set_status(actor, pair, PairStatus.MERGED)


def scan_start(*, actor: User, enqueue: bool = True) -> Any:
    """Create a duplicate-scan job for ``actor`` (a worker runs it unless ``enqueue`` is False,
    for a foreground run). Read-only users cannot start one: it writes candidate pairs."""
    from rubrica.jobs.services import job_create

    if not actor.is_authenticated or not actor.is_active or actor.is_read_only:
        raise PermissionDenied(_("Read-only users cannot start a duplicate scan."))
    return job_create(
        actor=actor, kind=SCAN_KIND, title=_("Duplicate scan"), params={}, enqueue=enqueue
    )
