"""The record-linkage model (ADR 0014): each comparison level, EM on a synthetic sample, the
careful-person rules, tiers and reasons; blocking recall on typical typos; the scan storing its
model; identifying custom fields; tiers and paging in the CLI and the API."""

from __future__ import annotations

import json
import math
import random

import pytest

from rubrica.customfields.services import definition_save
from rubrica.dedup import keys, linkage
from rubrica.dedup.keys import blocking_keys, identity
from rubrica.dedup.linkage import COMPARISONS, Model, compare, estimate, score_pattern
from rubrica.dedup.models import DuplicatePair, DuplicateScan
from rubrica.dedup.services import scan_start
from rubrica.jobs.services import job_run
from tests.api.conftest import bearer
from tests.factories import make_contact

ORDER = [c.key for c in COMPARISONS]


def level(a, b, field):
    return int(compare(a, b)[ORDER.index(field)])


def person(**kwargs):
    kwargs.setdefault("given_name", "Grace")
    kwargs.setdefault("family_name", "Mason")
    return identity(**kwargs)


# --- comparison levels ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Grace", 1),  # exact
        ("G.", 2),  # an initial
        ("Graec", 3),  # a transposition: one edit
        ("Gracie", 3),  # one insertion
        ("Gracyn", 4),  # Jaro-Winkler band
        ("Helen", 5),  # different
    ],
)
def test_given_name_levels(given, expected):
    assert level(person(), person(given_name=given), "given") == expected


def test_nicknames_are_the_same_given_name():
    assert level(person(given_name="Robert"), person(given_name="Bob"), "given") == 1


def test_family_name_levels_and_a_missing_name():
    assert level(person(), person(family_name="Masonx"), "family") == 3
    assert level(person(), person(family_name="Mazzon"), "family") == 4
    assert level(person(), person(family_name="Smith"), "family") == 5
    assert level(person(), person(family_name=""), "family") == 0


def test_swapped_given_and_family_names_compare_crossed():
    a, b = person(), person(given_name="Mason", family_name="Grace")
    assert compare(a, b)[:3] == "112"  # both exact, order swapped
    # A family name that merely resembles the other's given name is no swap.
    c = person(given_name="Barbara", family_name="Martin")
    d = person(given_name="M", family_name="Barbieri")
    assert compare(c, d)[2] == "1"


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ("1980-05-17", 1),
        ("1980-05-18", 2),  # one digit
        ("1908-05-17", 2),  # one transposition
        ("1971-02-03", 4),
        ("--05-17", 1),  # without a year: the day decides
        ("", 0),
    ],
)
def test_birthday_levels(other, expected):
    assert level(person(birthday="1980-05-17"), person(birthday=other), "birthday") == expected


def test_birthday_with_day_and_month_swapped():
    assert level(person(birthday="1980-05-07"), person(birthday="1980-07-05"), "birthday") == 3


def test_address_levels():
    home = person(street="12 Main St.", postcode="SW1A 1AA", city="London")
    assert (
        compare(home, person(street="12 main street", postcode="sw1a1aa", city="london"))[4:7]
        == "111"
    )
    # similar street (a word more), postcode one character off
    moved = person(street="12 Main Street North", postcode="SW1A 1AB", city="Londn")
    assert compare(home, moved)[4:7] == "221"
    # another house number is another address
    assert level(home, person(street="14 Main St"), "address") == 3


def test_email_phone_and_identifier_levels():
    a = person(
        emails=["ada.lovelace@gmail.com"], phones=["+393331234567"], identifiers={"t": "AB-123"}
    )
    b = person(
        emails=["adalovelace@outlook.com"], phones=["+13331234567"], identifiers={"t": "ab123"}
    )
    assert compare(a, b)[7:10] == "221"  # same local part, same national number, same id
    c = person(emails=["x@y.org"], phones=["+393330000000"], identifiers={"t": "AB124"})
    assert compare(a, c)[7:10] == "332"  # different, different, one character apart
    assert compare(a, person())[7:10] == "000"


# --- the model -----------------------------------------------------------------------------


def synthetic_counts(lam: float, pairs: int, seed: int = 3) -> dict[str, int]:
    """Patterns drawn from the prior model itself with match share ``lam``."""
    rng = random.Random(seed)
    prior = Model.prior()
    counts: dict[str, int] = {}
    for _ in range(pairs):
        matched = rng.random() < lam
        digits = []
        for c in COMPARISONS:
            if c.key in ("email", "phone", "organization"):
                digits.append("0")
                continue
            weights = prior.m[c.key] if matched else prior.u[c.key]
            digits.append(str(rng.choices(range(1, len(weights) + 1), weights)[0]))
        pattern = "".join(digits)
        counts[pattern] = counts.get(pattern, 0) + 1
    return counts


def test_em_converges_and_recovers_the_match_share():
    model = estimate(synthetic_counts(0.1, 20000))
    assert model.converged
    assert 0 < model.iterations < linkage.MAX_ITERATIONS
    assert model.lam == pytest.approx(0.1, abs=0.02)
    # exact levels weigh for a match, "different" levels against it
    assert model.m["birthday"][0] > 10 * model.u["birthday"][0]
    assert model.m["given"][4] < model.u["given"][4]


def test_em_keeps_the_prior_with_too_few_pairs():
    model = estimate({"11111110000": 3})
    assert not model.converged and "too few" in model.note
    assert model.m == Model.prior().m


def test_the_model_round_trips_through_json():
    model = estimate(synthetic_counts(0.2, 5000))
    again = Model.from_json(json.loads(json.dumps(model.as_json())))
    assert (again.m, again.u, again.lam, again.converged) == (
        model.m,
        model.u,
        model.lam,
        model.converged,
    )


def test_a_name_alone_is_never_more_than_possible():
    prior = Model.prior()
    same_name_only = "11100000000"
    assert score_pattern(prior, same_name_only).tier == "possible"
    # with the same birthday it is a likely or sure match
    assert score_pattern(prior, "11110000000").tier in ("sure", "likely")


def test_relatives_are_not_matches():
    """Same family, address and landline, different given names and birthdays."""
    scored = score_pattern(Model.prior(), "51141110100")
    assert scored.tier == "possible"
    assert "given_different" in scored.reasons


def test_tiers_follow_the_thresholds(settings):
    assert linkage.tier_of(0.999) == "sure"
    assert linkage.tier_of(0.7) == "likely"
    assert linkage.tier_of(0.4) == "possible"
    assert linkage.tier_of(0.1) == ""
    settings.RUBRICA_DEDUP_TIERS = {"sure": 0.99, "likely": 0.9, "possible": 0.5}
    assert linkage.tier_of(0.7) == "possible"


def test_reasons_name_the_evidence_strongest_first_then_against():
    scored = score_pattern(Model.prior(), "11111100000")
    assert scored.reasons[0] in ("birthday_exact", "street_exact", "name_exact")
    assert "name_exact" in scored.reasons
    assert linkage.reasons_text(["birthday_exact", "given_similar", "street_exact"]) == (
        "Same birthday + Similar given name + Same street address"
    )
    against = score_pattern(Model.prior(), "11141110000")
    assert against.reasons[-1] == "birthday_different"


# --- blocking recall -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            {"given_name": "Grace", "family_name": "Mason"},
            {"given_name": "Graec", "family_name": "Masonx"},
        ),
        (
            {"given_name": "Grace", "family_name": "Mason"},
            {"given_name": "Mason", "family_name": "Grace"},
        ),
        (
            {"given_name": "Grace", "family_name": "Mason"},
            {"given_name": "Grace", "family_name": "Msaon"},
        ),
        (
            {"given_name": "Anna", "birthday": "1980-05-17"},
            {"given_name": "Hannah", "birthday": "1980-05-17"},
        ),
        (
            {"given_name": "Xu", "postcode": "20121"},
            {"given_name": "Ksu", "family_name": "Mason", "postcode": "20121"},
        ),
        (
            {"given_name": "Ada", "identifiers": {"t": "X-9981"}},
            {"given_name": "Eve", "identifiers": {"t": "x9981"}},
        ),
    ],
)
def test_typical_typos_still_share_a_blocking_key(a, b):
    one, other = person(**a), person(**b)
    shared = {kind for kind, _key in blocking_keys(one) & blocking_keys(other)}
    assert shared - {keys.SORTED_NAME}


# --- the scan ------------------------------------------------------------------------------


def run_scan(user):
    job = job_run(scan_start(actor=user, enqueue=False).pk)
    assert job.status == "succeeded", job.error
    return job


def test_each_scan_estimates_and_stores_its_model(member):
    for given, born in (
        ("Maria", "1980-05-10"),
        ("Giulia", "1971-03-22"),
        ("Chiara", "1990-11-02"),
    ):
        make_contact(member, given_name=given, family_name="Rossi", birthday=born)
    maria = make_contact(member, given_name="Maria", family_name="Rosi", birthday="1980-05-10")
    first = run_scan(member)
    second = run_scan(member)
    scans = list(DuplicateScan.objects.order_by("id"))
    assert [s.job_id for s in scans] == [first.pk, second.pk]
    assert scans[-1].pairs_compared == second.result["pairs_scored"] > 0
    assert set(scans[-1].model) >= {"m", "u", "lambda", "iterations", "converged"}
    [pair] = DuplicatePair.objects.filter(tier__in=("sure", "likely"))
    assert pair.contact_b_id == maria.pk and pair.pattern
    assert "birthday_exact" in pair.reasons


def test_an_identifying_custom_field_finds_a_duplicate_with_another_name(admin_user, member):
    definition_save(
        actor=admin_user,
        data={
            "entity": "contact",
            "key": "member_no",
            "label": "Member number",
            "field_type": "text",
            "identifying": True,
        },
    )
    ada = make_contact(member, birthday="1815-12-10", custom_fields={"member_no": "AB-1234"})
    other = make_contact(
        member,
        given_name="Augusta",
        family_name="King",
        birthday="1815-12-10",
        custom_fields={"member_no": "ab1234"},
    )
    run_scan(member)
    pair = DuplicatePair.objects.get()
    assert (pair.contact_a_id, pair.contact_b_id) == (ada.pk, other.pk)
    assert "identifier_exact" in pair.reasons


def test_a_field_not_marked_identifying_is_not_compared(admin_user, member):
    definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "shoe", "label": "Shoe size", "field_type": "text"},
    )
    make_contact(member, given_name="Ada", family_name="X", custom_fields={"shoe": "42"})
    make_contact(member, given_name="Eve", family_name="Y", custom_fields={"shoe": "42"})
    run_scan(member)
    assert not DuplicatePair.objects.exists()


# --- tiers and paging at the doors ---------------------------------------------------------


@pytest.fixture
def many_pairs(member):
    """Five sure pairs (same email and name) and one possible pair (a bare same name)."""
    for n in range(5):
        for _ in range(2):
            make_contact(
                member,
                given_name=f"Person{n}",
                family_name="Doe",
                emails=[{"value": f"p{n}@x.org"}],
            )
    make_contact(member, given_name="Maria", family_name="Rossi")
    make_contact(member, given_name="Maria", family_name="Rossi")
    run_scan(member)
    assert DuplicatePair.objects.filter(tier="sure").count() == 5
    assert DuplicatePair.objects.filter(tier="possible").count() == 1


def test_cli_list_pages_with_limit_and_offset(rubrica, member, many_pairs):
    code, out, _err = rubrica("dedup", "list", "--as", "member", "--json", "--limit", "2")
    first = json.loads(out)
    code, out, _err = rubrica(
        "dedup", "list", "--as", "member", "--json", "--limit", "2", "--offset", "2"
    )
    second = json.loads(out)
    code, out, _err = rubrica("dedup", "list", "--as", "member", "--json", "--limit", "0")
    every = json.loads(out)
    assert code == 0
    assert len(first) == len(second) == 2 and len(every) == 5
    assert [p["id"] for p in every] == [p["id"] for p in first + second] + [every[4]["id"]]
    assert {p["tier"] for p in every} == {"sure"}  # the review queue: no possible pair


def test_cli_list_filters_by_tier_and_says_how_to_go_on(rubrica, member, many_pairs):
    code, out, _err = rubrica("dedup", "list", "--as", "member", "--json", "--tier", "possible")
    [pair] = json.loads(out)
    assert pair["tier"] == "possible" and pair["a"]["display_name"] == "Maria Rossi"
    code, out, _err = rubrica("dedup", "list", "--as", "member", "--limit", "2")
    assert "More pairs: --offset 2." in out
    code, out, err = rubrica("dedup", "list", "--as", "member", "--limit", "-1")
    assert code == 2 and "limit" in err


def test_api_lists_by_tier(client, member, many_pairs):
    review = client.get("/api/v1/duplicates", **bearer(member)).json()["items"]
    possible = client.get("/api/v1/duplicates?tier=possible", **bearer(member)).json()["items"]
    everything = client.get("/api/v1/duplicates?tier=all&limit=100", **bearer(member)).json()
    assert {p["tier"] for p in review} == {"sure"} and len(review) == 5
    assert [p["tier"] for p in possible] == ["possible"]
    assert len(everything["items"]) == 6


def test_page_shows_possible_pairs_on_request(member_client, many_pairs):
    review = member_client.get("/duplicates/").content.decode()
    possible = member_client.get("/duplicates/?tier=possible").content.decode()
    assert "Maria Rossi" not in review and "Person0 Doe" in review
    assert "Maria Rossi" in possible and "Possible" in possible


# --- u over random pairs, λ over every pair (ADR 0039) ---------------------------------------


def test_rescale_takes_u_from_random_pairs_and_lambda_over_every_pair():
    model = estimate(synthetic_counts(0.1, 20000))
    matches = model.lam * model.pairs
    m_before = {key: list(values) for key, values in model.m.items()}
    # Random pairs: nearly all differ in everything; 1 in 1000 shares the birthday.
    random_counts = {"55143320000": 999, "55113320000": 1}
    rescaled = linkage.rescale(model, random_counts, population=10_000)
    assert rescaled.scale == "random"
    assert rescaled.lam == pytest.approx(matches / (10_000 * 9_999 / 2))
    assert rescaled.lam_compared == pytest.approx(0.1, abs=0.02)
    assert rescaled.random_pairs == 1000
    # u of the birthday now says how often *random* people share one (about 1 in 1000,
    # smoothed towards the prior), m is what EM found among the compared pairs.
    assert rescaled.u["birthday"][0] == pytest.approx(
        (1 + linkage.RANDOM_SMOOTHING * 0.01) / (1000 + linkage.RANDOM_SMOOTHING)
    )
    assert rescaled.m["given"] == m_before["given"]
    again = Model.from_json(rescaled.as_json())
    assert (again.scale, again.lam, again.population) == ("random", rescaled.lam, 10_000)


def test_rescale_keeps_the_compared_scale_with_too_few_random_pairs():
    model = estimate(synthetic_counts(0.1, 5000))
    lam, u = model.lam, {key: list(values) for key, values in model.u.items()}
    rescaled = linkage.rescale(model, {"55143320000": 10}, population=5)
    assert (rescaled.scale, rescaled.lam, rescaled.u) == ("compared", lam, u)


def test_a_whole_name_weighs_what_random_pairs_say_not_the_product_of_its_parts():
    # 10,000 random pairs: 100 share the given name, 100 the family name, and 10 both (the
    # product says 1): whole names agree 10x as often as independent parts would.
    counts = {"15143320000": 90, "51143320000": 90, "11143320000": 10, "55143320000": 9810}
    bits = linkage.name_dependence(counts)
    assert bits == pytest.approx(-math.log2(10))
    model = Model.prior()
    before = score_pattern(model, "11120000000").weight
    model.name_bits = bits
    assert score_pattern(model, "11120000000").weight == pytest.approx(before + bits, abs=0.002)
    # Only pairs whose name parts are both the same or nearly so pay the correction.
    assert (
        score_pattern(model, "15120000000").weight
        == score_pattern(Model.prior(), "15120000000").weight
    )
    # Too few whole-name agreements to tell: no correction.
    assert linkage.name_dependence({"11143320000": 3, "55143320000": 9997}) == 0.0


def test_an_email_name_shared_by_namesakes_weighs_what_compared_pairs_say():
    """ADR 0045: an email name is made of the person's name, so two namesakes share one far more
    often than random people do; when the names agree, "same email name at another provider"
    weighs by EM's ``u`` among the compared pairs, not the random pairs' (which is ~0)."""
    model = estimate(synthetic_counts(0.1, 20000))
    u_compared = model.u["email"][linkage.EMAIL_LOCAL - 1]
    # Random pairs never share an email name: their u is the smoothed prior, far below EM's.
    random_counts = {"55143323000": 9990, "55113323000": 10}
    rescaled = linkage.rescale(model, random_counts, population=10_000)
    assert rescaled.u_local_named == pytest.approx(u_compared)
    assert rescaled.u["email"][linkage.EMAIL_LOCAL - 1] < rescaled.u_local_named
    m_local = rescaled.m["email"][linkage.EMAIL_LOCAL - 1]

    def local_bits(pattern: str) -> float:
        (weight,) = [w for c, level, w in rescaled.weights(pattern) if c.key == "email"]
        return weight

    # Whole name the same: the compared pairs' u.
    assert local_bits("11140002000") == pytest.approx(math.log2(m_local / u_compared))
    # Different given names: the random pairs' u, as before.
    assert local_bits("51140002000") == pytest.approx(
        math.log2(m_local / rescaled.u["email"][linkage.EMAIL_LOCAL - 1])
    )
    # Same email address: never discounted.
    (exact,) = [w for c, level, w in rescaled.weights("11140001000") if c.key == "email"]
    assert exact == pytest.approx(math.log2(rescaled.m["email"][0] / rescaled.u["email"][0]))
    again = Model.from_json(rescaled.as_json())
    assert again.u_local_named == rescaled.u_local_named
    # A model stored before ADR 0045 has none: no discount.
    assert Model.from_json({**rescaled.as_json(), "u_local_named": 0}).weights(
        "11140002000"
    ) == Model.from_json(
        {k: v for k, v in rescaled.as_json().items() if k != "u_local_named"}
    ).weights("11140002000")


def test_a_full_birthday_block_compares_only_names_that_share_a_code():
    """ADR 0046: a shared birthday with unrelated names is not worth a comparison; a typo, a
    transliteration or a swap still is."""

    def worth(first: dict, second: dict) -> bool:
        a = identity(birthday="1980-04-15", **first)
        b = identity(birthday="1980-04-15", **second)
        return linkage.worth_comparing(keys.BIRTHDAY, a, b, keys.name_codes(a), keys.name_codes(b))

    maryam = {"given_name": "Maryam", "family_name": "Ahmadi"}
    assert worth(maryam, {"given_name": "Mariam", "family_name": "Ahmady"})
    assert worth(maryam, {"given_name": "مریم", "family_name": "احمدی"})
    assert worth(maryam, {"given_name": "Ahmadi", "family_name": "Maryam"})
    assert not worth(maryam, {"given_name": "Luca", "family_name": "Bianchi"})


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ("1980-04-15", True),
        ("1981-04-15", True),  # one digit of the year
        ("--04-15", True),  # no year
        ("1980-15-04", True),  # swapped: not in a month-day block, but worth comparing
        ("1957-04-15", False),  # another year: another person, the name rules still reach
    ],
)
def test_a_month_day_block_compares_only_birthdays_a_typo_apart(other, expected):
    a = identity(given_name="Ada", family_name="Rossi", birthday="1980-04-15")
    b = identity(given_name="Ada", family_name="Rossi", birthday=other)
    codes_a, codes_b = keys.name_codes(a), keys.name_codes(b)
    assert linkage.worth_comparing(keys.NAME_BIRTHDAY, a, b, codes_a, codes_b) is expected


def test_other_rules_compare_every_pair_of_a_block():
    a = identity(given_name="Ada", family_name="Rossi", birthday="1980-04-15")
    b = identity(given_name="Bea", family_name="Verdi", birthday="1957-01-02")
    assert linkage.worth_comparing(keys.NAME_SOUND, a, b, frozenset(), frozenset())


def test_a_full_birthday_block_also_compares_people_at_one_address():
    """FEBRL's duplicates include records whose names were replaced: one birthday at one
    postcode or street is worth a comparison whatever the names."""
    born = {"birthday": "1980-04-15"}
    a = identity(given_name="Charlie", family_name="Mantovano", postcode="2119", **born)
    b = identity(given_name="Jenna", family_name="Goode", postcode="2119", **born)
    c = identity(given_name="Jenna", family_name="Goode", postcode="3165", **born)
    assert keys.name_codes(a).isdisjoint(keys.name_codes(b))
    assert linkage.worth_comparing(keys.BIRTHDAY, a, b, keys.name_codes(a), keys.name_codes(b))
    assert not linkage.worth_comparing(keys.BIRTHDAY, a, c, keys.name_codes(a), keys.name_codes(c))
