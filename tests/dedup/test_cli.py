"""`rubrica dedup`: scan (foreground and --background), list (table and JSON), dismiss, reindex."""

from __future__ import annotations

import json

import pytest

from rubrica import dedup
from rubrica.dedup import keys
from rubrica.dedup.models import DuplicateKey, DuplicatePair, PairStatus
from rubrica.jobs.models import Job
from tests.factories import make_contact

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def twins(member):
    ada = make_contact(member, emails=[{"value": "ada@example.org"}])
    twin = make_contact(member, emails=[{"value": "ada@example.org"}])
    return ada, twin


def test_scan_runs_in_the_foreground_and_reports(rubrica, member, twins):
    code, out, err = rubrica("dedup", "scan", "--as", "member")

    assert code == 0, err
    job = Job.objects.get()
    assert (job.kind, job.status, job.owner) == ("dedup_scan", "succeeded", member)
    # More blocking rules (each a kind of key, 1,024 buckets each) and a line for the model.
    # The twins share an email, their name and its sound: one pair, compared once.
    total = len(keys.KINDS) * 1024
    lines = out.splitlines()
    assert lines[0] == f"#{job.pk} Duplicate scan: Finished · {total} of {total}"
    assert lines[1].startswith("1 candidate pair(s) from ")
    assert lines[1].endswith("; 1 open in all; 0 oversized block(s) skipped.")
    assert lines[2].startswith("1 sure, 0 likely, 0 possible; 1 pair(s) compared, ")
    assert DuplicatePair.objects.count() == 1


def test_scan_background_only_enqueues(rubrica, member, twins):
    code, out, err = rubrica("dedup", "scan", "--background", "--as", "member", "--json")

    assert code == 0, err
    job = Job.objects.get()
    assert json.loads(out)["id"] == job.pk
    assert job.status == "queued"
    assert DuplicatePair.objects.count() == 0


def test_list_as_table_and_json(rubrica, member, twins):
    ada, twin = twins
    rubrica("dedup", "scan", "--as", "member")
    pair = DuplicatePair.objects.get()

    code, out, _err = rubrica("dedup", "list", "--as", "member")
    assert code == 0
    assert f"Ada Lovelace (#{ada.pk})" in out
    assert "Same email + Same name" in out
    assert "Sure" in out

    code, out, _err = rubrica("dedup", "list", "--as", "member", "--json")
    assert code == 0
    assert json.loads(out) == [
        {
            "id": pair.pk,
            "a": {"id": ada.pk, "display_name": "Ada Lovelace"},
            "b": {"id": twin.pk, "display_name": "Ada Lovelace"},
            "score": pair.score,
            "tier": "sure",
            "reasons": ["Same email", "Same name"],
            "reason_codes": ["email_exact", "name_exact"],
            "status": "open",
        }
    ]


def test_list_hides_pairs_the_acting_user_cannot_see(rubrica, member, other_member):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    make_contact(other_member, visibility="private", emails=[{"value": "ada@example.org"}])
    rubrica("dedup", "scan", "--as", "member")
    assert DuplicatePair.objects.count() == 1

    code, out, _err = rubrica("dedup", "list", "--as", "member")

    assert (code, out.strip()) == (0, "No candidate pairs.")


def test_dismiss(rubrica, member, twins):
    rubrica("dedup", "scan", "--as", "member")
    pair = DuplicatePair.objects.get()

    code, out, _err = rubrica("dedup", "dismiss", str(pair.pk), "--as", "member")

    assert code == 0
    assert out.strip() == f"Pair {pair.pk} dismissed: not a duplicate."
    pair.refresh_from_db()
    assert pair.status == PairStatus.DISMISSED


def test_dismiss_unknown_pair_exits_1(rubrica, member):
    code, _out, err = rubrica("dedup", "dismiss", "999", "--as", "member")

    assert code == 1
    assert err.strip() == "error: no pair 999"


def test_dismiss_as_viewer_exits_3_and_changes_nothing(rubrica, member, viewer, twins):
    rubrica("dedup", "scan", "--as", "member")
    pair = DuplicatePair.objects.get()

    code, _out, err = rubrica("dedup", "dismiss", str(pair.pk), "--as", "viewer")

    assert code == 3
    assert err.strip() == "error: You may not change both of these people."
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN


def test_scan_as_viewer_exits_3(rubrica, viewer):
    code, _out, err = rubrica("dedup", "scan", "--as", "viewer")

    assert code == 3
    assert err.strip() == "error: Read-only users cannot start a duplicate scan."
    assert Job.objects.count() == 0


def test_reindex(rubrica, member, twins):
    ada, _twin = twins
    DuplicateKey.objects.all().delete()

    code, out, _err = rubrica("dedup", "reindex")

    assert code == 0
    assert "Indexed 2 people." in out
    # Each twin: the email, and the keys of the name-based blocking rules (same for both).
    twin_keys = keys.blocking_keys(dedup.index.identities([ada.pk])[ada.pk])
    assert DuplicateKey.objects.count() == 2 * len(twin_keys)


def test_help_lists_dedup(rubrica):
    code, out, _err = rubrica("--help")
    assert code == 0
    assert "dedup" in out


def test_merge_and_undo_are_wired_into_dedup(rubrica, member, twins):
    from rubrica.contacts.models import Contact

    ada, twin = twins
    rubrica("dedup", "scan", "--as", "member")

    code, _out, err = rubrica("dedup", "merge", str(ada.pk), str(twin.pk), "--as", "member")

    assert code == 0, err
    assert not Contact.objects.filter(pk=twin.pk).exists()
    assert DuplicatePair.objects.get().status == PairStatus.MERGED

    code, _out, err = rubrica("dedup", "undo", "--as", "member")

    assert code == 0, err
    assert Contact.objects.filter(pk=twin.pk).exists()
