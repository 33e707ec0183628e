"""The record-linkage model (Fellegi–Sunter, as Splink does it; ADR 0014): comparison levels per
field, match weights estimated from the data by expectation-maximisation, calibrated match
probabilities, the reasons shown with them, and three tiers.

Comparing two identities gives a **pattern**: one level per :data:`COMPARISONS` entry, written as
a string of digits ("0" when either side lacks the field: no evidence either way). Everything
else depends on the pattern only: the weight of a pair is the sum of ``log2(m/u)`` of its levels
(``m``: how often matches show that level, ``u``: how often non-matches do), its probability
``λ·Πm / (λ·Πm + (1-λ)·Πu)`` among the compared pairs, its reasons and its tier. So a scan counts
patterns while it compares (a few thousand distinct ones among millions of pairs), estimates
``m`` and the number of matches from those counts by EM (no labels), takes ``u`` from random pairs
and ``λ`` over every pair of the population (:func:`rescale`, ADR 0039), then scores each
distinct pattern once.

Two rules stand beside the sum, because the fields of one household are not independent (same
family name, street, postcode and landline; conditional independence would count them four times):
the household fields are capped together (:data:`HOUSEHOLD_CAP` bits); and (``_vetoed``) a name
alone is never more than "possible", nor are two *different* given names with no shared
birthday, identifier or personal email.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rapidfuzz.distance import OSA, JaroWinkler

from rubrica.dedup import keys as _keys
from rubrica.dedup.keys import (
    Identity,
    is_role_mailbox,
    month_day,
    phonetic,
)


@dataclass(frozen=True)
class Level:
    """One level of a comparison: its reason code and label, and the prior ``m`` and ``u`` EM
    starts from (and falls back to when the data cannot tell)."""

    code: str
    label: Promise
    m: float
    u: float


@dataclass(frozen=True)
class Comparison:
    key: str
    label: Promise
    #: Levels 1..n (level 0, "missing on one side", is implicit and weighs nothing).
    levels: tuple[Level, ...]
    #: Household evidence: shared by people who live together (capped together).
    household: bool = False


def _levels(*rows: tuple[str, Promise, float, float]) -> tuple[Level, ...]:
    return tuple(Level(code, label, m, u) for code, label, m, u in rows)


GIVEN = Comparison(
    "given",
    _("given name"),
    _levels(
        ("given_exact", _("Same given name"), 0.80, 0.02),
        ("given_initial", _("Given name matches an initial"), 0.03, 0.005),
        ("given_close", _("Nearly the same given name"), 0.10, 0.005),
        ("given_similar", _("Similar given name"), 0.05, 0.03),
        ("given_different", _("Different given names"), 0.02, 0.94),
    ),
)
FAMILY = Comparison(
    "family",
    _("family name"),
    _levels(
        ("family_exact", _("Same family name"), 0.82, 0.05),
        ("family_initial", _("Family name matches an initial"), 0.01, 0.003),
        ("family_close", _("Nearly the same family name"), 0.10, 0.005),
        ("family_similar", _("Similar family name"), 0.05, 0.03),
        ("family_different", _("Different family names"), 0.02, 0.91),
    ),
    household=True,
)
ORDER = Comparison(
    "order",
    _("name order"),
    _levels(
        ("order_same", _("Names in the same order"), 0.95, 0.97),
        ("order_swapped", _("Given and family names swapped"), 0.05, 0.03),
    ),
)
BIRTHDAY = Comparison(
    "birthday",
    _("birthday"),
    _levels(
        ("birthday_exact", _("Same birthday"), 0.85, 0.01),
        ("birthday_edit", _("Birthday one digit apart"), 0.08, 0.02),
        ("birthday_swapped", _("Birthday with day and month swapped"), 0.02, 0.001),
        ("birthday_different", _("Different birthdays"), 0.05, 0.969),
    ),
)
ADDRESS = Comparison(
    "address",
    _("address"),
    _levels(
        ("street_exact", _("Same street address"), 0.70, 0.01),
        ("street_similar", _("Similar street address"), 0.15, 0.01),
        ("street_different", _("Different street addresses"), 0.15, 0.98),
    ),
    household=True,
)
POSTCODE = Comparison(
    "postcode",
    _("postcode"),
    _levels(
        ("postcode_exact", _("Same postcode"), 0.85, 0.02),
        ("postcode_edit", _("Postcode one character apart"), 0.08, 0.05),
        ("postcode_different", _("Different postcodes"), 0.07, 0.93),
    ),
    household=True,
)
CITY = Comparison(
    "city",
    _("city"),
    _levels(
        ("city_same", _("Same city"), 0.9, 0.05),
        ("city_different", _("Different cities"), 0.1, 0.95),
    ),
    household=True,
)
EMAIL = Comparison(
    "email",
    _("email"),
    _levels(
        ("email_exact", _("Same email"), 0.75, 0.002),
        ("email_local", _("Same email name at another provider"), 0.10, 0.002),
        ("email_different", _("Different emails"), 0.15, 0.996),
    ),
)
PHONE = Comparison(
    "phone",
    _("phone"),
    _levels(
        ("phone_exact", _("Same phone"), 0.75, 0.005),
        ("phone_nsn", _("Same phone number with another country code"), 0.05, 0.001),
        ("phone_different", _("Different phones"), 0.20, 0.994),
    ),
    household=True,
)
IDENTIFIER = Comparison(
    "identifier",
    _("identifier"),
    _levels(
        ("identifier_exact", _("Same identifier"), 0.85, 0.001),
        ("identifier_edit", _("Identifier one character apart"), 0.07, 0.002),
        ("identifier_different", _("Different identifiers"), 0.08, 0.997),
    ),
)
ORGANIZATION = Comparison(
    "organization",
    _("organization"),
    _levels(
        ("organization_same", _("Same organization"), 0.6, 0.05),
        ("organization_different", _("Different organizations"), 0.4, 0.95),
    ),
    household=True,
)

#: The level of EMAIL that is the same email name at another provider.
EMAIL_LOCAL = 2

#: The comparisons, in pattern order (a pattern has one digit per comparison).
COMPARISONS: tuple[Comparison, ...] = (
    GIVEN,
    FAMILY,
    ORDER,
    BIRTHDAY,
    ADDRESS,
    POSTCODE,
    CITY,
    EMAIL,
    PHONE,
    IDENTIFIER,
    ORGANIZATION,
)
_INDEX = {c.key: i for i, c in enumerate(COMPARISONS)}
#: Most bits the household comparisons add together (a family at one address with one landline
#: is not that much more alike than a family at one address). 14 when ``u`` was measured among
#: compared pairs; 18 since it is measured on random pairs (ADR 0039), where the same street,
#: postcode and city alone weigh ~30 bits: a whole name at one address with no birthday known
#: (223 true pairs, no false one on the generator's 100k people) was 0.70, now 0.87.
HOUSEHOLD_CAP = 18.0
#: The comparisons of one address, and the most bits they weigh against together.
_ADDRESS = (ADDRESS, POSTCODE, CITY)
ADDRESS_FLOOR = -4.0
#: The prior share of matches among compared pairs.
PRIOR_LAMBDA = 0.05


# --- comparing -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=262144)
def _token_level(a: str, b: str) -> int:
    """Level (1-5, as GIVEN/FAMILY) of two name tokens."""
    if a == b:
        return 1
    if len(a) == 1 or len(b) == 1:
        return 2 if a[0] == b[0] else 5
    jw = JaroWinkler.similarity(a, b)
    shorter = min(len(a), len(b))
    distance = OSA.distance(a, b, score_cutoff=3)
    if (distance <= 1 and shorter >= 3) or jw >= 0.94:
        return 3
    if (
        jw >= 0.88
        or (distance <= 2 and shorter >= 7)
        or (shorter >= 3 and phonetic(a) == phonetic(b) and len(phonetic(a)) >= 2)
    ):
        return 4
    return 5


def _part_level(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Level of two name parts (token lists): 0 when either is empty; equal once spaces are
    removed is exact; otherwise the best level of any two tokens (a middle name typed or not)."""
    if not a or not b:
        return 0
    if a == b or "".join(a) == "".join(b):
        return 1
    best = min(_token_level(x, y) for x in a for y in b)
    if best == 1 and (len(a) > 1 or len(b) > 1):
        # One token of several is the same ("Anna Maria" / "Anna"): close, not exact.
        return 3
    return best


def _names(a: Identity, b: Identity) -> tuple[int, int, int]:
    """(given, family, order) levels; swapped given and family names compare crossed."""
    given = _part_level(a.given, b.given)
    family = _part_level(a.family, b.family)
    if not (a.given and a.family and b.given and b.family):
        return given, family, 0
    if given + family <= 2:
        return given, family, 1
    crossed_given = _part_level(a.given, b.family)
    crossed_family = _part_level(a.family, b.given)
    # Crossed only when both parts then agree at least closely (or as an initial): a family
    # name that merely resembles another's given name is no swap.
    if crossed_given + crossed_family < given + family and max(crossed_given, crossed_family) <= 3:
        return crossed_given, crossed_family, 2
    return given, family, 1


def _digits(birthday: str) -> str:
    return birthday.replace("-", "")


def _birthday(a: str, b: str) -> int:
    if not a or not b:
        return 0
    if a == b:
        return 1
    if len(a) != 10 or len(b) != 10 or not a[:4].isdigit() or not b[:4].isdigit():
        # One or both without a year: compare the month and day.
        day_a, day_b = month_day(a), month_day(b)
        if not day_a or not day_b:
            return 0
        if day_a == day_b:
            return 1
        if day_a == f"{day_b[3:]}-{day_b[:2]}":
            return 3
        return 2 if OSA.distance(day_a, day_b) <= 1 else 4
    if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return 3
    return 2 if OSA.distance(_digits(a), _digits(b), score_cutoff=2) <= 1 else 4


@functools.lru_cache(maxsize=65536)
def _street(a: str, b: str) -> int:
    if not a or not b:
        return 0
    if a == b:
        return 1
    words_a, words_b = set(a.split()), set(b.split())
    numbers_a = {w for w in words_a if w[0].isdigit()}
    numbers_b = {w for w in words_b if w[0].isdigit()}
    if numbers_a and numbers_b and not numbers_a & numbers_b:
        return 3  # another house number: another address, however alike the street
    overlap = len(words_a & words_b) / len(words_a | words_b)
    if overlap >= 0.5 or JaroWinkler.similarity(a, b) >= 0.9:
        return 2
    return 3


def _postcode(a: str, b: str) -> int:
    if not a or not b:
        return 0
    if a == b:
        return 1
    return 2 if OSA.distance(a, b, score_cutoff=2) <= 1 else 3


def _city(a: str, b: str) -> int:
    if not a or not b:
        return 0
    return 1 if a == b or JaroWinkler.similarity(a, b) >= 0.93 else 2


def _email(a: Identity, b: Identity) -> int:
    if not a.emails or not b.emails:
        return 0
    if any(not is_role_mailbox(e) for e in a.emails & b.emails):
        return 1
    if a.email_locals & b.email_locals:
        return 2
    return 3


def _phone(a: Identity, b: Identity) -> int:
    if not a.phones or not b.phones:
        return 0
    if a.phones & b.phones:
        return 1
    if a.national_numbers & b.national_numbers:
        return 2
    return 3


def _identifier(a: frozenset[str], b: frozenset[str]) -> int:
    if not a or not b:
        return 0
    if a & b:
        return 1
    keys_a = {v.split("=", 1)[0]: v for v in a}
    level = 0
    for value in b:
        other = keys_a.get(value.split("=", 1)[0])
        if other is None:
            continue
        if OSA.distance(other, value, score_cutoff=2) <= 1:
            return 2
        level = 3
    return level


#: The blocking rules whose pairs ``worth_comparing`` filters (every other rule compares all).
FILTERED_KINDS = frozenset({_keys.BIRTHDAY, _keys.NAME_BIRTHDAY})


def worth_comparing(
    kind: str, a: Identity, b: Identity, codes_a: frozenset[str], codes_b: frozenset[str]
) -> bool:
    """Whether a pair a birthday rule brings together is worth a comparison (ADR 0046). The
    birthday blocks grow with the square of the population (a date is shared by ~40 people in
    a million): in a full-birthday block only names that share a code (``keys.name_codes``: a
    sound, letter classes, two first letters, the initials) or one postcode or street are
    compared; in a block of month-day and a name's
    sound, only birthdays that are the same, one digit apart or swapped (a different year
    says "another person", and the name rules still reach the pair). Other rules compare all."""
    if kind == _keys.BIRTHDAY:
        return (
            not codes_a.isdisjoint(codes_b)
            or bool(a.postcode and a.postcode == b.postcode)
            or bool(a.street and a.street == b.street)
        )
    if kind == _keys.NAME_BIRTHDAY:
        return _birthday(a.birthday, b.birthday) in (1, 2, 3)
    return True


def compare(a: Identity, b: Identity) -> str:
    """The pattern of two identities: one digit per comparison (see the module docstring)."""
    given, family, order = _names(a, b)
    organization = 0
    if a.organization and b.organization:
        organization = 1 if a.organization == b.organization else 2
    return "".join(
        map(
            str,
            (
                given,
                family,
                order,
                _birthday(a.birthday, b.birthday),
                _street(a.street, b.street),
                _postcode(a.postcode, b.postcode),
                _city(a.city, b.city),
                _email(a, b),
                _phone(a, b),
                _identifier(a.identifiers, b.identifiers),
                organization,
            ),
        )
    )


# --- the model -------------------------------------------------------------------------------


@dataclass
class Model:
    """``m`` and ``u`` per comparison and level (lists indexed by level - 1) and ``lam``, the
    share of matches among compared pairs, or over every pair once :func:`rescale` ran (``scale``
    "random"). Stored with each scan (``DuplicateScan.model``)."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    lam: float = PRIOR_LAMBDA
    iterations: int = 0
    converged: bool = False
    pairs: int = 0
    note: str = ""
    history: list[float] = field(default_factory=list)
    #: How ``u`` and ``lam`` were set: "compared" (EM among the compared pairs, as before ADR
    #: 0039) or "random" (``u`` from random pairs, ``lam`` over every pair: :func:`rescale`).
    scale: str = "compared"
    #: The share of matches EM found among the compared pairs, and the people and random pairs
    #: ``rescale`` used (0 when it did not run).
    lam_compared: float = 0.0
    population: int = 0
    random_pairs: int = 0
    #: Bits added (≤ 0) when given *and* family name agree exactly or closely: they are not
    #: independent (names come in cultures: an Italian given name goes with an Italian family
    #: name), so the product of their ``u`` understates how often random people share a whole
    #: name. Measured on the random pairs (:func:`name_dependence`); 0 on the "compared" scale.
    name_bits: float = 0.0
    #: ``u`` of "same email name at another provider" among the compared pairs (EM's, kept by
    #: :func:`rescale`), used when the names agree: an email name is made of the person's name,
    #: so namesakes share one far more often than random people do (ADR 0045); 0: not set.
    u_local_named: float = 0.0

    @classmethod
    def prior(cls) -> Model:
        return cls(
            m={c.key: [level.m for level in c.levels] for c in COMPARISONS},
            u={c.key: [level.u for level in c.levels] for c in COMPARISONS},
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "m": self.m,
            "u": self.u,
            "lambda": self.lam,
            "iterations": self.iterations,
            "converged": self.converged,
            "pairs": self.pairs,
            "note": self.note,
            "scale": self.scale,
            "lambda_compared": self.lam_compared,
            "population": self.population,
            "random_pairs": self.random_pairs,
            "name_bits": self.name_bits,
            "u_local_named": self.u_local_named,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Model:
        prior = cls.prior()
        m, u = dict(prior.m), dict(prior.u)
        for c in COMPARISONS:
            size = len(c.levels)
            if len(data.get("m", {}).get(c.key, [])) == size:
                m[c.key] = [float(x) for x in data["m"][c.key]]
            if len(data.get("u", {}).get(c.key, [])) == size:
                u[c.key] = [float(x) for x in data["u"][c.key]]
        return cls(
            m=m,
            u=u,
            lam=float(data.get("lambda", PRIOR_LAMBDA)),
            iterations=int(data.get("iterations", 0)),
            converged=bool(data.get("converged", False)),
            pairs=int(data.get("pairs", 0)),
            note=str(data.get("note", "")),
            scale=str(data.get("scale", "compared")),
            lam_compared=float(data.get("lambda_compared", 0.0)),
            population=int(data.get("population", 0)),
            random_pairs=int(data.get("random_pairs", 0)),
            name_bits=float(data.get("name_bits", 0.0)),
            u_local_named=float(data.get("u_local_named", 0.0)),
        )

    def weights(self, pattern: str) -> list[tuple[Comparison, int, float]]:
        """(comparison, level, log2 m/u) of each compared field of ``pattern``."""
        found = []
        named = bool(self.u_local_named) and _names_alike(pattern)
        for comparison, digit in zip(COMPARISONS, pattern, strict=False):
            level = int(digit)
            if level == 0:
                continue
            m = self.m[comparison.key][level - 1]
            u = self.u[comparison.key][level - 1]
            if named and comparison is EMAIL and level == EMAIL_LOCAL:
                u = max(u, self.u_local_named)
            found.append((comparison, level, math.log2(m / u)))
        return found

    def score(self, pattern: str) -> Scored:
        return score_pattern(self, pattern)


@dataclass(frozen=True)
class Scored:
    probability: float
    weight: float
    reasons: list[str]
    tier: str


def _capped(model: Model, pattern: str) -> tuple[float, list[tuple[Comparison, int, float]]]:
    parts = model.weights(pattern)
    address = sum(w for c, _level, w in parts if c in _ADDRESS)
    household = sum(w for c, _level, w in parts if c.household and c not in _ADDRESS)
    # Street, postcode and city that differ are one fact (the person moved, or it is someone
    # else): counted once, at most ADDRESS_FLOOR bits against.
    household += max(address, ADDRESS_FLOOR)
    personal = sum(w for c, _level, w in parts if not c.household)
    if model.name_bits and _names_agree(pattern):
        personal += model.name_bits
    return personal + min(household, HOUSEHOLD_CAP), parts


def _names_agree(pattern: str) -> bool:
    """Given and family name both the same or nearly (levels 1 and 3): the pairs whose name
    weighs as much as ``name_bits`` overstates."""
    return pattern[_INDEX["given"]] in "13" and pattern[_INDEX["family"]] in "13"


def _names_alike(pattern: str) -> bool:
    """Given and family name alike at any level short of "different" (the same, an initial,
    nearly or similar, in either order): the pairs whose email names, made of their names,
    say little beyond them (``Model.u_local_named``)."""
    return pattern[_INDEX["given"]] in "1234" and pattern[_INDEX["family"]] in "1234"


#: Levels that are evidence beyond the name: a birthday, an address, a contact point or an
#: identifier that agrees.
_BEYOND_NAME = {
    "birthday": "123",
    "address": "12",
    "postcode": "1",
    "email": "12",
    "phone": "12",
    "identifier": "12",
}


def _vetoed(pattern: str) -> bool:
    """A careful person's two rules, which conditional independence cannot express: a name
    alone is never enough (namesakes are common), and different given names with nothing
    personal shared (birthday, identifier, personal email) are relatives, not one person."""
    if not any(pattern[_INDEX[key]] in levels for key, levels in _BEYOND_NAME.items()):
        return True
    if pattern[_INDEX["given"]] != "5":
        return False
    return (
        pattern[_INDEX["birthday"]] not in "123"
        and pattern[_INDEX["identifier"]] not in "12"
        and pattern[_INDEX["email"]] != "1"
    )


def tier_thresholds() -> dict[str, float]:
    """Probability from which a pair is sure, likely, possible (setting ``RUBRICA_DEDUP_TIERS``)."""
    configured = getattr(settings, "RUBRICA_DEDUP_TIERS", {})
    return {**DEFAULT_TIERS, **configured}


SURE, LIKELY, POSSIBLE = "sure", "likely", "possible"
TIERS = (SURE, LIKELY, POSSIBLE)
TIER_LABELS: dict[str, Promise] = {
    SURE: _("Sure"),
    LIKELY: _("Likely"),
    POSSIBLE: _("Possible"),
}
DEFAULT_TIERS = {SURE: 0.995, LIKELY: 0.6, POSSIBLE: 0.3}


def tier_of(probability: float, thresholds: Mapping[str, float] | None = None) -> str:
    """ "sure", "likely", "possible" or "" (below every tier: not kept)."""
    limits = thresholds or tier_thresholds()
    for tier in TIERS:
        if probability >= limits[tier]:
            return tier
    return ""


def score_pattern(
    model: Model, pattern: str, thresholds: Mapping[str, float] | None = None
) -> Scored:
    """Probability, weight, reasons and tier of a pattern under ``model``."""
    limits = thresholds or tier_thresholds()
    weight, parts = _capped(model, pattern)
    prior = math.log2(model.lam / (1 - model.lam))
    total = max(-60.0, min(60.0, weight + prior))
    probability = 1 / (1 + 2 ** (-total))
    if _vetoed(pattern):
        probability = min(probability, (limits[POSSIBLE] + limits[LIKELY]) / 2)
    # Reasons: the evidence for, strongest first, then against (at most 5).
    positive = sorted((p for p in parts if p[2] > 0.5), key=lambda p: -p[2])
    negative = sorted((p for p in parts if p[2] < -0.5), key=lambda p: p[2])
    codes = [c.levels[level - 1].code for c, level, _w in positive]
    if "given_exact" in codes and "family_exact" in codes:
        # One reason for the whole name, where the name was
        at = min(codes.index("given_exact"), codes.index("family_exact"))
        codes = [c for c in codes if c not in ("given_exact", "family_exact", "order_same")]
        swapped = "order_swapped" in codes
        codes = [c for c in codes if c != "order_swapped"]
        codes.insert(at, "name_swapped" if swapped else "name_exact")
    reasons = codes[:4] + [c.levels[level - 1].code for c, level, _w in negative[:2]]
    probability = round(probability, 6)
    return Scored(
        probability=probability,
        weight=round(weight, 3),
        reasons=reasons,
        tier=tier_of(probability, limits),
    )


REASON_LABELS: dict[str, Promise] = {
    "name_exact": _("Same name"),
    "name_swapped": _("Same name with given and family names swapped"),
    **{level.code: level.label for c in COMPARISONS for level in c.levels},
}


def reasons_text(codes: list[str]) -> str:
    """The reasons of a pair as one line ("same birthday + similar given name + same street")."""
    return " + ".join(str(REASON_LABELS.get(code, code)) for code in codes)


# --- expectation-maximisation ----------------------------------------------------------------

#: Pseudo-counts pulling each estimate towards its prior (the data decides once it has a few
#: hundred pairs of a level; a level no pair shows keeps its prior).
SMOOTHING = 2.0
MAX_ITERATIONS = 200
TOLERANCE = 1e-6


def estimate(counts: Mapping[str, int], start: Model | None = None) -> Model:
    """``m``, ``u`` and ``λ`` from pattern counts by EM (no labels).

    E-step: each pattern's posterior of being a match under the current parameters. M-step: ``m``
    of a level is the expected share of matches showing it among matches where the field is
    known (``u`` likewise for non-matches), ``λ`` the expected share of matches. Stops when no
    parameter moves by more than :data:`TOLERANCE`. A level whose estimate turns against its
    meaning (an "exact" level weighing against, a "different" level weighing for) keeps the
    prior: EM on blocked pairs can split off a cluster that is not "the same person" (a family),
    and these bounds keep it on the question asked."""
    model = start or Model.prior()
    prior = Model.prior()
    patterns = [(p, n) for p, n in counts.items() if n > 0 and len(p) == len(COMPARISONS)]
    total = sum(n for _p, n in patterns)
    model.pairs = total
    if total < 50:
        model.note = "too few pairs to estimate: prior weights"
        return model
    decoded = [([int(d) for d in p], n, _vetoed(p)) for p, n in patterns]
    for iteration in range(1, MAX_ITERATIONS + 1):
        log_m = {c.key: [math.log(x) for x in model.m[c.key]] for c in COMPARISONS}
        log_u = {c.key: [math.log(x) for x in model.u[c.key]] for c in COMPARISONS}
        log_lam, log_not = math.log(model.lam), math.log(1 - model.lam)
        m_acc = {c.key: [SMOOTHING * x for x in prior.m[c.key]] for c in COMPARISONS}
        u_acc = {c.key: [SMOOTHING * x for x in prior.u[c.key]] for c in COMPARISONS}
        matched = 0.0
        for levels, n, vetoed in decoded:
            a, b = log_lam, log_not
            for c, level in zip(COMPARISONS, levels, strict=True):
                if level:
                    a += log_m[c.key][level - 1]
                    b += log_u[c.key][level - 1]
            diff = max(-50.0, min(50.0, b - a))
            # A pair the careful-person rules rule out (``_vetoed``) trains as a non-match: else
            # EM is free to call "match" the larger cluster of households (same family name,
            # address and landline), not the same person.
            w = 0.0 if vetoed else 1 / (1 + math.exp(diff))
            matched += n * w
            for c, level in zip(COMPARISONS, levels, strict=True):
                if level:
                    m_acc[c.key][level - 1] += n * w
                    u_acc[c.key][level - 1] += n * (1 - w)
        change = 0.0
        for c in COMPARISONS:
            m_sum, u_sum = sum(m_acc[c.key]), sum(u_acc[c.key])
            new_m = [max(1e-6, x / m_sum) for x in m_acc[c.key]]
            new_u = [max(1e-6, x / u_sum) for x in u_acc[c.key]]
            change = max(change, *(abs(x - y) for x, y in zip(new_m, model.m[c.key], strict=True)))
            change = max(change, *(abs(x - y) for x, y in zip(new_u, model.u[c.key], strict=True)))
            model.m[c.key], model.u[c.key] = new_m, new_u
        lam = min(0.99, max(1e-6, matched / total))
        change = max(change, abs(lam - model.lam))
        model.lam = lam
        model.history.append(lam)
        model.iterations = iteration
        if change < TOLERANCE:
            model.converged = True
            break
    _bound(model, prior)
    return model


def _bound(model: Model, prior: Model) -> None:
    """Keep each level's direction (see ``estimate``)."""
    for c in COMPARISONS:
        for index, level in enumerate(c.levels):
            m, u = model.m[c.key][index], model.u[c.key][index]
            prior_sign = prior.m[c.key][index] >= prior.u[c.key][index]
            if (m >= u) != prior_sign:
                model.m[c.key][index] = prior.m[c.key][index]
                model.u[c.key][index] = prior.u[c.key][index]
                model.note = (model.note + f" {level.code}: prior kept;").strip()


# --- u over random pairs, λ over every pair (ADR 0039) -----------------------------------------

#: Pseudo-pairs pulling each ``u`` from random pairs towards its prior (a level no random pair
#: shows gets about ``prior · RANDOM_SMOOTHING / pairs``, never 0).
RANDOM_SMOOTHING = 20.0
#: Fewer random pairs than this with a field known: that field keeps the ``u`` EM found.
MIN_RANDOM_PAIRS = 200


def u_from_random(counts: Mapping[str, int], fallback: Model) -> tuple[dict[str, list[float]], int]:
    """``u`` per comparison and level from the patterns of random pairs (nearly all of them
    non-matches: at 100k people one pair in ~500,000 is a match), smoothed towards the prior.
    Returns the ``u`` and the number of random pairs."""
    prior = Model.prior()
    seen = {c.key: [0.0] * len(c.levels) for c in COMPARISONS}
    total = 0
    for pattern, n in counts.items():
        if len(pattern) != len(COMPARISONS) or n <= 0:
            continue
        total += n
        for c, digit in zip(COMPARISONS, pattern, strict=True):
            if digit != "0":
                seen[c.key][int(digit) - 1] += n
    u: dict[str, list[float]] = {}
    for c in COMPARISONS:
        known = sum(seen[c.key])
        if known < MIN_RANDOM_PAIRS:
            u[c.key] = list(fallback.u[c.key])
            continue
        values = [
            (count + RANDOM_SMOOTHING * p) / (known + RANDOM_SMOOTHING)
            for count, p in zip(seen[c.key], prior.u[c.key], strict=True)
        ]
        u[c.key] = [max(1e-9, x) for x in values]
    return u, total


#: Fewer random pairs than this with the same whole name: no name correction.
MIN_NAME_AGREEMENTS = 10


def name_dependence(counts: Mapping[str, int]) -> float:
    """log2 of (random pairs with the same given *and* family name) / (as many as independent
    parts would give), at most 0: the correction ``Model.name_bits``. On the generator's 100k
    people whole names agree 5.4× as often as the product of the two ``u`` says (2.4 bits too
    many for every same-name pair: 124 namesakes with a birthday one digit apart and nothing
    else known were "likely")."""
    given_at, family_at = _INDEX["given"], _INDEX["family"]
    known = both = given = family = 0
    for pattern, n in counts.items():
        if len(pattern) != len(COMPARISONS) or "0" in (pattern[given_at], pattern[family_at]):
            continue
        known += n
        g, f = pattern[given_at] == "1", pattern[family_at] == "1"
        given += n * g
        family += n * f
        both += n * (g and f)
    if both < MIN_NAME_AGREEMENTS:
        return 0.0
    return min(0.0, -math.log2(both * known / (given * family)))


def rescale(model: Model, random_counts: Mapping[str, int], population: int) -> Model:
    """Splink's scale (ADR 0039): keep the ``m`` EM estimated among the compared pairs, take
    ``u`` from random pairs and ``λ`` over *every* pair of the population (the matches EM
    expects among the compared pairs, nearly all the matches there are, over n(n-1)/2).

    Among compared pairs λ fell as the weak blocking rules brought in more pairs (quadratic in
    a name's frequency) and every pair's probability with it; over every pair it does not depend
    on the blocking rules at all, and ``u`` from random pairs says how rare an agreement is in
    the population, not among people already alike."""
    all_pairs = population * (population - 1) / 2
    if all_pairs <= 0 or model.pairs <= 0:
        return model
    u, pairs = u_from_random(random_counts, model)
    if pairs < MIN_RANDOM_PAIRS:
        model.note = (model.note + " too few random pairs: u and λ among compared pairs;").strip()
        return model
    matches = model.lam * model.pairs
    model.name_bits = name_dependence(random_counts)
    model.u_local_named = model.u[EMAIL.key][EMAIL_LOCAL - 1]
    model.lam_compared = model.lam
    model.lam = min(0.5, max(1e-12, matches / all_pairs))
    model.u = u
    model.scale = "random"
    model.population = population
    model.random_pairs = pairs
    _bound(model, Model.prior())
    return model
