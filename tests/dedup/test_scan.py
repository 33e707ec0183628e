"""The scan job: finds planted duplicates in the database, keeps dismissals, drops pairs that no
longer hold, skips oversized blocks with a count, and resumes from its checkpoint."""

from __future__ import annotations

import pytest

from rubrica import dedup
from rubrica.contacts.services import contact_delete, contact_update
from rubrica.dedup import keys, scan
from rubrica.dedup.models import DuplicateKey, DuplicatePair, PairStatus, ScanCandidate
from rubrica.dedup.services import pair_dismiss, scan_start
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_run
from rubrica.organizations.services import affiliation_create
from tests.dedup.planted import ORGS, f1, population, truth
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def run_scan(user) -> Job:
    job = scan_start(actor=user, enqueue=False)
    job = job_run(job.pk)
    assert job.status == "succeeded", job.error
    return job


def pairs() -> set[tuple[int, int]]:
    return set(DuplicatePair.objects.values_list("contact_a_id", "contact_b_id"))


def test_scan_finds_planted_duplicates(member, settings):
    settings.RUBRICA_DEFAULT_PHONE_REGION = "IT"
    people = population(size=120, seed=5)
    organizations = {name: make_organization(member, name=name) for name in ORGS}
    refs = {}
    for person in people:
        contact = make_contact(member, **person.data())
        if person.organization:
            affiliation_create(
                actor=member,
                contact=contact,
                organization=organizations[person.organization],
                data={"is_primary": True},
            )
        refs[contact.pk] = person.ref
    # The affiliation services do not refresh the match keys yet (they only refresh search), so
    # the organization keys come from a rebuild here.
    dedup.reindex()

    job = run_scan(member)

    found = {tuple(sorted((refs[a], refs[b]))) for a, b in pairs()}
    precision, recall, f_score = f1(found, truth(people))
    assert f_score >= 0.97, (precision, recall)
    assert job.result["pairs_found"] == len(found)
    assert job.result["open_pairs"] == len(found)
    assert job.done == job.total


def test_scan_stores_each_pair_once_in_id_order_with_reasons(member):
    ada = make_contact(
        member, emails=[{"value": "ada@example.org"}], phones=[{"value": "+39 333 1234567"}]
    )
    twin = make_contact(
        member, emails=[{"value": "ada@example.org"}], phones=[{"value": "+39 333 1234567"}]
    )

    run_scan(member)

    pair = DuplicatePair.objects.get()
    assert (pair.contact_a_id, pair.contact_b_id) == (ada.pk, twin.pk)
    # A probability (no longer a fixed 1.0) and the reasons, strongest first.
    assert pair.score >= 0.995 and pair.tier == "sure" and pair.status == "open"
    assert pair.reasons == ["email_exact", "phone_exact", "name_exact"]


def test_a_dismissed_pair_stays_dismissed_after_later_scans(member):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    make_contact(member, emails=[{"value": "ada@example.org"}])
    run_scan(member)
    pair_dismiss(actor=member, pair=DuplicatePair.objects.get())

    run_scan(member)
    run_scan(member)

    pair = DuplicatePair.objects.get()
    assert pair.status == PairStatus.DISMISSED


def test_open_pairs_that_no_longer_hold_are_removed(member):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    twin = make_contact(member, emails=[{"value": "ada@example.org"}])
    run_scan(member)
    assert len(pairs()) == 1

    # Another person now (a bare same name would still be a "possible" pair: a name alone is
    # never more, but it is shown on request).
    contact_update(
        actor=member,
        contact=twin,
        data={"given_name": "Grace", "family_name": "Hopper", "emails": [{"value": "o@x.org"}]},
    )
    job = run_scan(member)

    assert pairs() == set()
    assert job.result["stale_removed"] == 1


def test_people_in_the_trash_are_not_compared(member):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    twin = make_contact(member, emails=[{"value": "ada@example.org"}])
    contact_delete(actor=member, contact=twin)

    run_scan(member)

    assert pairs() == set()


def test_oversized_blocks_are_skipped_and_counted(member, monkeypatch):
    monkeypatch.setattr(scan, "MAX_BLOCK", 2)
    for given in ("Ada", "Bea", "Cleo"):
        make_contact(member, given_name=given, emails=[{"value": "ada@example.org"}])

    job = run_scan(member)

    # The email block (and the blocks of the shared family name) are too large: skipped and
    # counted. ("ada" is too short to be a local-part key.)
    assert job.result["skipped_blocks"] >= 1
    assert job.result["skipped_members"] >= 3
    assert not DuplicateKey.objects.filter(kind="email").exclude(key="ada@example.org").exists()
    # The sorted neighbourhood still compares the three (bounded: each with its next few), so
    # an oversized block never hides a pair; different given names are never "sure".
    assert job.result["pairs_scored"] == 3
    assert "sure" not in set(DuplicatePair.objects.values_list("tier", flat=True))


def test_weak_rules_have_smaller_blocks(member, monkeypatch):
    """A block of the name's sound or of the family name within one deletion is capped at
    WEAK_BLOCK members (ADR 0039): four Rossis with four given names sharing an initial are
    skipped there, and the sorted neighbourhood still compares them with their neighbours."""
    monkeypatch.setattr(scan, "WEAK_BLOCK", 3)
    for given in ("Marco", "Maria", "Mario", "Marta"):
        make_contact(member, given_name=given, family_name="Rossi")

    job = run_scan(member)

    assert scan.block_cap(keys.NAME_DELETE) == 3
    assert scan.block_cap(keys.BIRTHDAY) == scan.MAX_BLOCK
    assert "rossi|m" in job.checkpoint["oversized"][keys.NAME_DELETE]
    assert job.result["skipped_members"] >= 4
    # Each compared with the next WINDOW_SIZE - 1 in name order: all 6 pairs of 4 people.
    assert job.result["pairs_scored_by_rule"].get(keys.NAME_DELETE, 0) == 0
    assert job.result["pairs_scored"] == 6


def test_a_resumed_scan_continues_after_its_checkpoint(member):
    """A checkpoint past the email kinds: the pair sharing only an email is not looked at
    again, the pair sharing a phone is."""
    make_contact(member, given_name="Ada", emails=[{"value": "ada@example.org"}])
    make_contact(member, given_name="Ada", emails=[{"value": "ada@example.org"}])
    grace = make_contact(
        member, given_name="Grace", family_name="Hopper", phones=[{"value": "+1 415 555 0100"}]
    )
    twin = make_contact(
        member, given_name="Grace", family_name="Hopper", phones=[{"value": "+1 415 555 0100"}]
    )
    job = scan_start(actor=member, enqueue=False)
    Job.objects.filter(pk=job.pk).update(
        checkpoint={"kind": keys.KINDS.index(keys.PHONE), "bucket": 0}
    )

    job = job_run(job.pk)

    assert job.status == "succeeded"
    assert pairs() == {(grace.pk, twin.pk)}
    assert job.checkpoint["kind"] == len(keys.KINDS)


def test_small_windows_cover_every_bucket(member, monkeypatch):
    monkeypatch.setattr(scan, "WINDOW", 1)
    for n in range(3):
        make_contact(
            member,
            given_name=f"P{n}",
            family_name="X",
            emails=[{"value": f"person{n}@example.org"}],
            phones=[{"value": f"+39 333 000000{n}"}],
        )
        email = {"value": f"person{n}@example.org"}
        make_contact(member, given_name=f"P{n}", family_name="X", emails=[email])

    job = run_scan(member)

    assert len(pairs()) == 3
    # The six share the key "x|p" (family name X, a given name starting with p): each of the 15
    # pairs is compared once, whatever other rules share it.
    assert job.result["pairs_scored"] == 15
    assert job.done == job.total == len(keys.KINDS) * 1024


def test_a_pair_the_birthday_rule_declines_is_compared_under_a_later_rule(member):
    """ADR 0046: two people with one birthday and names that share no code are not compared in
    the birthday block; when they also share an e-mail's local part (at two providers), that
    later rule compares them: a declined pair is left to the later rules, not lost."""
    make_contact(member, given_name="Ada", family_name="Rossi", birthday="1980-04-15")
    make_contact(member, given_name="Zeno", family_name="Bianchi", birthday="1980-04-15")
    make_contact(
        member,
        given_name="Luca",
        family_name="Verdi",
        birthday="1971-02-03",
        emails=[{"value": "studio.lv@gmail.com"}],
    )
    make_contact(
        member,
        given_name="Piero",
        family_name="Neri",
        birthday="1971-02-03",
        emails=[{"value": "studio.lv@outlook.com"}],
    )

    job = run_scan(member)

    by_rule = job.result["pairs_scored_by_rule"]
    assert by_rule.get(keys.BIRTHDAY, 0) == 0
    assert by_rule.get(keys.EMAIL_LOCAL, 0) == 1
    assert job.result["pairs_scored"] == 1 + by_rule.get(keys.SORTED_NAME, 0)


def test_declined_pairs_are_sampled_for_the_estimate_and_never_kept_for_it(member, monkeypatch):
    """ADR 0046: a pair a filter declines and no blocking rule takes is compared for the EM
    only (counted DECLINED_SAMPLE times), and it is not kept by that comparison."""
    monkeypatch.setattr(scan, "DECLINED_SAMPLE", 1)
    monkeypatch.setattr(scan, "WINDOW_SIZE", 1)  # no neighbourhood: nothing else compares them
    make_contact(member, given_name="Ada", family_name="Rossi", birthday="1980-04-15")
    make_contact(member, given_name="Ada", family_name="Verdi", birthday="1957-04-15")

    job = run_scan(member)

    assert job.result["pairs_sampled"] == 1
    assert job.result["pairs_scored"] == 1
    assert sum(job.result["pairs_scored_by_rule"].values()) == 0
    assert not DuplicatePair.objects.exists()


def test_staged_pairs_become_pairs_and_a_dead_scans_are_forgotten(member):
    """ADR 0046: pairs wait in ScanCandidate until the model is estimated; a scan leaves none
    of its own behind, and removes those of a scan that died (nothing else reads them). A staged
    pair of a person purged meanwhile is not turned into a pair."""
    dead = Job.objects.create(
        kind="dedup_scan", title="Duplicate scan", status="failed", owner=member
    )
    ScanCandidate.objects.create(job_id=dead.pk, contact_a_id=1, contact_b_id=2, pattern="1" * 12)
    ada = make_contact(member, given_name="Ada", family_name="Lovelace", birthday="1815-12-10")
    twin = make_contact(member, given_name="Ada", family_name="Lovelace", birthday="1815-12-10")

    run_scan(member)

    assert not ScanCandidate.objects.exists()
    assert pairs() == {(ada.pk, twin.pk)}
    assert DuplicatePair.objects.get().tier == "sure"


def test_a_staged_pair_of_a_purged_person_is_dropped(member):
    from django.utils import timezone

    from rubrica.dedup import linkage
    from rubrica.dedup.keys import identity

    ada = make_contact(member, given_name="Ada", family_name="Lovelace")
    twin = make_contact(member, given_name="Ada", family_name="Lovelace")
    same = identity(given_name="Ada", family_name="Lovelace", birthday="1815-12-10")
    pattern = linkage.compare(same, same)
    scored = linkage.score_pattern(linkage.Model.prior(), pattern, linkage.tier_thresholds())
    assert scored.tier == "sure"
    job = Job.objects.create(
        kind="dedup_scan", title="Duplicate scan", status="running", owner=member
    )
    for a, b in ((ada.pk, twin.pk), (ada.pk, twin.pk + 1000)):
        ScanCandidate.objects.create(job_id=job.pk, contact_a_id=a, contact_b_id=b, pattern=pattern)

    scan._apply_scores({pattern: scored}, job, timezone.now())

    assert pairs() == {(ada.pk, twin.pk)}
    assert not ScanCandidate.objects.filter(job_id=job.pk).exists()
