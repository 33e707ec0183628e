"""How alike two people are: a score from 0 to 1 and the reasons for it.

The design follows one rule: **an identifier decides, a name confirms**. A shared email address or
phone number is strong evidence, unless the names clearly differ (a family mailbox, an office
switchboard). A name, however exact, is never enough by itself: many different people share a
common name, so a name only counts together with the same birthday. Role mailboxes (info@,
sales@) are not identifiers.
Conflicting birthdays lower the score.

Scores at or above :data:`THRESHOLD` are proposed as duplicates. The levels below were set on
planted duplicates (typos, swapped given and family names, nicknames, reformatted phones, changed
email provider) against different people sharing names, mailboxes and switchboards; see
``tests/dedup/test_scoring.py``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rapidfuzz.distance import OSA, Indel

from rubrica.dedup.keys import Identity, is_role_mailbox, month_day, phonetic

#: Proposed as a duplicate from this score on.
THRESHOLD = 0.8
#: Name similarity from which two names are "similar" (a typo, a nickname, an initial).
SIMILAR = 0.8
#: Below this, names are taken as different people's.
COMPATIBLE = 0.6
#: Share of letters in order (Indel similarity) from which two longer tokens that are more than
#: one edit apart still count as a mistyped name: compatible, not similar. Measured on planted
#: typos (bench/dedup_bench.py): two slips in a name of six letters or more keep about 0.72-0.8,
#: while different given names of one family (Marco/Giulia, John/Jane) stay below 0.6.
TYPO_OVERLAP = 0.72
COMPATIBLE_TYPO = 0.65

#: Reason codes (stored with pairs) and their labels (shown to people, translated when shown).
REASONS: dict[str, Promise] = {
    "email": _("Same email"),
    "phone": _("Same phone"),
    "email_local": _("Same email name at another provider"),
    "phone_nsn": _("Same phone number with another country code"),
    "same_name": _("Same name"),
    "similar_name": _("Similar name"),
    "same_name_org": _("Same name at the same organization"),
    "similar_name_org": _("Similar name at the same organization"),
    "same_birthday": _("Same birthday"),
    "different_names": _("Different names"),
    "different_birthdays": _("Different birthdays"),
    "same_city": _("Same city"),
}


def reason_labels(codes: list[str]) -> list[str]:
    """Translated labels of reason codes, those of the record-linkage model
    (``linkage.REASON_LABELS``) and of this older scoring (unknown codes are shown as they
    are)."""
    from rubrica.dedup.linkage import REASON_LABELS

    return [str(REASON_LABELS.get(code) or REASONS.get(code) or code) for code in codes]


@dataclass(frozen=True)
class Match:
    score: float
    reasons: list[str]

    @property
    def is_duplicate(self) -> bool:
        return self.score >= THRESHOLD


@functools.lru_cache(maxsize=262144)
def token_similarity(a: str, b: str) -> float:
    """How alike two canonical name tokens are, 0..1.

    One edit (OSA: a transposition counts as one) is tolerated in tokens of 4+ letters, two in
    tokens of 8+; an initial matches a token with that first letter; sound-alike tokens of some
    length match. Short different tokens (Ann/Ian) do not."""
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return 0.8 if a[0] == b[0] else 0.0
    shorter = min(len(a), len(b))
    distance = OSA.distance(a, b)
    if distance == 1 and shorter >= 4:
        return 0.85
    if distance == 2 and shorter >= 7:
        return 0.8
    if shorter >= 4 and phonetic(a) == phonetic(b) and len(phonetic(a)) >= 3:
        return 0.8
    overlap = float(Indel.normalized_similarity(a, b))
    if shorter >= 4 and overlap >= TYPO_OVERLAP:
        # Most letters in order, as in a hurried typo ("Caruso" typed "Cyarpso"): not similar
        # enough to count as the same name, but compatible with it, so that a shared
        # identifier still decides (see ``score``).
        return COMPATIBLE_TYPO
    return overlap * 0.7


@functools.lru_cache(maxsize=262144)
def name_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float | None:
    """How alike two names are, 0..1; None when either has no name.

    Tokens are aligned whatever their order (swapped given and family names); every token of the
    shorter name must find a partner, and the weakest partner decides. Extra tokens of the longer
    name (a middle name) are ignored, but a one-word name against a fuller one is only partial
    evidence. Names equal once spaces are removed ("De Luca", "DeLuca") are the same."""
    if not a or not b:
        return None
    if "".join(a) == "".join(b) or "".join(sorted(a)) == "".join(sorted(b)):
        return 1.0
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    candidates = sorted(
        ((token_similarity(x, y), i, j) for i, x in enumerate(short) for j, y in enumerate(long)),
        reverse=True,
    )
    used_short: set[int] = set()
    used_long: set[int] = set()
    matched: list[float] = []
    for similarity, i, j in candidates:
        if i in used_short or j in used_long:
            continue
        used_short.add(i)
        used_long.add(j)
        matched.append(similarity)
    weakest = min(matched)
    if len(short) == 1 and len(long) > 1:
        return weakest * 0.7
    return weakest


def _birthdays(a: Identity, b: Identity) -> str:
    """ "same", "different" or "" (unknown on one side). Year-less birthdays compare by day."""
    if not a.birthday or not b.birthday:
        return ""
    if month_day(a.birthday) != month_day(b.birthday):
        return "different"
    year_a, year_b = a.birthday[:4], b.birthday[:4]
    if year_a.isdigit() and year_b.isdigit() and year_a != year_b:
        return "different"
    return "same"


def score(a: Identity, b: Identity) -> Match:
    """Score two identities (see the module docstring). Symmetric."""
    similarity = name_similarity(a.tokens, b.tokens)
    reasons: list[str] = []
    same_email = any(not is_role_mailbox(e) for e in a.emails & b.emails)
    same_phone = bool(a.phones & b.phones)
    same_local = not same_email and bool(a.email_locals & b.email_locals)
    same_nsn = not same_phone and bool(a.national_numbers & b.national_numbers)
    same_org = bool(a.organization) and a.organization == b.organization
    birthdays = _birthdays(a, b)
    similar = similarity is not None and similarity >= SIMILAR
    exact = similarity == 1.0
    name_reason = "same_name" if exact else "similar_name"

    if same_email:
        reasons.append("email")
    if same_phone:
        reasons.append("phone")
    value = 0.0
    if same_email or same_phone:
        if similarity is None:
            value = 0.88 if same_email else 0.85
        elif similar:
            value = 0.97 if same_email else 0.95
            reasons.append(name_reason)
        elif similarity >= COMPATIBLE:
            value = 0.85 if same_email else 0.82
        else:
            value = 0.45 if same_email else 0.35
            reasons.append("different_names")
        if same_email and same_phone:
            value += 0.03
        if same_org and similar:
            value += 0.02
            reasons.remove(name_reason)
            reasons.append(f"{name_reason}_org")
    elif same_local or same_nsn:
        reasons.append("email_local" if same_local else "phone_nsn")
        if similar:
            value = 0.86
            reasons.append(f"{name_reason}_org" if same_org else name_reason)
            if same_org:
                value += 0.05
        else:
            value = 0.3
            if similarity is not None and similarity < COMPATIBLE:
                reasons.append("different_names")
    elif similar:
        if same_org:
            # Namesakes at one large organization are common: without a shared identifier only
            # the same birthday (below) makes this a duplicate, not even the same city.
            value = 0.7 if exact else 0.65
            reasons.append(f"{name_reason}_org")
            if a.city and a.city == b.city:
                value += 0.05
                reasons.append("same_city")
            if birthdays == "same":
                value += 0.2
        elif birthdays == "same":
            value = 0.86
            reasons.append(name_reason)
        else:
            value = 0.5 if exact else 0.4
            reasons.append(name_reason)
            if a.city and a.city == b.city:
                value += 0.1
                reasons.append("same_city")
    elif similarity is not None:
        value = similarity * 0.3

    if birthdays == "same":
        reasons.append("same_birthday")
        if same_email or same_phone:
            value += 0.02
    elif birthdays == "different":
        reasons.append("different_birthdays")
        value -= 0.35
    return Match(score=round(max(0.0, min(1.0, value)), 3), reasons=reasons)


def _reason_field(code: str) -> str:
    """The protectable field a reason code speaks of ("" for none)."""
    if "birthday" in code:
        return "birthday"
    if code.split("_", 1)[0] in {"street", "postcode", "city", "address"}:
        return "addresses"
    if code.startswith("identifier"):
        return "identifier"
    if code in {"phone", "phone_nsn"}:
        # the reason does not say which phone matched: it may be a personal one (ADR 0034)
        return "personal_phones"
    return ""


def visible_reasons(user: object, codes: list[str]) -> list[str]:
    """``codes`` without those about a protected field ``user`` may not read (ADR 0027): "Same
    birthday" tells a birthday to whoever knows the other one. Identifier reasons go when any
    identifying custom field is hidden from ``user``."""
    from rubrica.customfields.models import Entity
    from rubrica.customfields.protection import custom_name, field_access

    access = field_access(user, Entity.CONTACT)  # type: ignore[arg-type]
    if not access.hidden:
        return list(codes)
    hidden = set(access.hidden)
    if any(
        d.identifying and not access.can_read(custom_name(key))
        for key, d in access.sensitive.items()
    ):
        hidden.add("identifier")
    return [code for code in codes if _reason_field(code) not in hidden]
