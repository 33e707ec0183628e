"""Reads shared by the doors: likely duplicates of a person being entered, and the candidate pairs
a user may see. Everything starts from the people ``user`` may view (``restrict(user, "view")``
of the registered records, see ``rubrica.dedup.registry``): a pair is shown only when both people
are visible, and a warning never names a record its reader cannot see."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from rubrica.accounts.models import User
from rubrica.core.models import Action
from rubrica.dedup import registry
from rubrica.dedup.index import identities
from rubrica.dedup.keys import Identity, blocking_keys
from rubrica.dedup.linkage import LIKELY, SURE, Model, compare, score_pattern
from rubrica.dedup.models import DuplicateKey, DuplicatePair, PairStatus, bucket_of
from rubrica.dedup.scoring import reason_labels, visible_reasons

#: People sharing a key with the one being entered that are scored at most.
MAX_CANDIDATES = 500


@dataclass(frozen=True)
class Candidate:
    """A visible person who looks like the one being entered."""

    pk: int
    display_name: str
    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return reason_labels(self.reasons)

    @property
    def url(self) -> str:
        return registry.records().url(self.pk)


def _candidate_ids(keys: set[tuple[str, str]], visible: QuerySet[Any]) -> list[int]:
    if not keys:
        return []
    where = Q()
    for kind, key in keys:
        where |= Q(kind=kind, bucket=bucket_of(kind, key), key=key)  # the index's order
    ids = (
        DuplicateKey.objects.filter(where)
        .filter(contact_id__in=visible.values("pk"))
        .values_list("contact_id", flat=True)
        .distinct()[:MAX_CANDIDATES]
    )
    return list(ids)


def _warns(model: Model, one: Identity, other: Identity) -> tuple[bool, float, list[str]]:
    """Whether ``other`` is worth a warning about ``one`` (a sure or likely match under the
    latest scan's model), with its probability and reasons."""
    scored = score_pattern(model, compare(one, other))
    return scored.tier in (SURE, LIKELY), scored.probability, scored.reasons


def find_duplicates(
    *, user: User, data: Mapping[str, Any], exclude_id: int | None = None, limit: int = 5
) -> list[Candidate]:
    """People ``user`` may view who are likely the person ``data`` describes, best first.

    ``data`` is service input (``contact_create`` shape). With ``exclude_id`` (an edit) ``data``
    may be partial: it is laid over the stored person, that person is left out, and so are
    people who already looked like them before this edit and pairs dismissed as "not a
    duplicate", so that saving an unrelated change does not warn again about a known pair."""
    from rubrica.dedup.scan import latest_model

    records = registry.records()
    visible = records.restrict(user, Action.VIEW)
    model = latest_model()
    organization = ""
    known: set[int] = set()
    merged: Mapping[str, Any] = data
    if exclude_id is not None:
        current = records.stored_input(exclude_id)
        if current is not None:
            organization = current.organization
            merged = {**current.data, **data}
            before = records.input_identity(current.data, organization)
            known = set(_candidate_ids(blocking_keys(before), visible))
            found = identities(known - {exclude_id})
            known = {pk for pk, other in found.items() if _warns(model, before, other)[0]}
            dismissed = DuplicatePair.objects.filter(
                Q(contact_a_id=exclude_id) | Q(contact_b_id=exclude_id),
                status=PairStatus.DISMISSED,
            ).values_list("contact_a_id", "contact_b_id")
            known.update(pk for pair in dismissed for pk in pair)
    person = records.input_identity(merged, organization)
    ids = set(_candidate_ids(blocking_keys(person), visible)) - known
    ids.discard(exclude_id)  # type: ignore[arg-type]
    others = identities(ids)
    names = dict(visible.filter(pk__in=list(others)).values_list("pk", records.name_field))
    found_candidates = []
    for pk, other in others.items():
        warns, probability, reasons = _warns(model, person, other)
        if warns and pk in names:
            found_candidates.append(
                Candidate(
                    pk=pk,
                    display_name=names[pk],
                    score=probability,
                    reasons=visible_reasons(user, list(reasons)),
                )
            )
    found_candidates.sort(key=lambda c: (-c.score, c.display_name.casefold(), c.pk))
    return found_candidates[: max(0, limit)]


#: What a list of pairs shows, by name: the review queue (sure and likely pairs, and pairs of
#: the older scoring that no scan has weighed yet), one tier, or everything.
TIER_VIEWS: dict[str, tuple[str, ...]] = {
    "review": ("sure", "likely", ""),
    "sure": ("sure",),
    "likely": ("likely",),
    "possible": ("possible",),
    "all": ("sure", "likely", "possible", ""),
}
DEFAULT_VIEW = "review"


def pairs_visible(
    user: User, status: str = PairStatus.OPEN, tiers: Sequence[str] | None = None
) -> QuerySet[DuplicatePair]:
    """Pairs of ``status`` whose two people ``user`` may both view (people in the Trash are not
    viewable, so their pairs drop out), best score first; only those of ``tiers`` when given
    ("sure", "likely", "possible"; "" is a pair the older scoring found and no scan weighed)."""
    visible = registry.records().restrict(user, Action.VIEW).values("pk")
    pairs = DuplicatePair.objects.filter(
        status=status, contact_a_id__in=visible, contact_b_id__in=visible
    )
    if tiers is not None:
        pairs = pairs.filter(tier__in=list(tiers))
    return pairs.order_by("-score", "id")


def open_pair_count(user: User) -> int:
    """How many open candidate pairs ``user`` can see (for the data-quality page)."""
    return pairs_visible(user).count()


def pair_visible(user: User, pair_id: int) -> DuplicatePair | None:
    """One pair of any status if ``user`` may view both people, else None (answer 404)."""
    visible = registry.records().restrict(user, Action.VIEW).values("pk")
    return (
        DuplicatePair.objects.filter(pk=pair_id, contact_a_id__in=visible, contact_b_id__in=visible)
        .select_related("contact_a", "contact_b")
        .first()
    )
