"""auto_merge_exact: same email and same name are merged without asking, only when enabled."""

from __future__ import annotations

import pytest

from rubrica.contacts.models import Contact
from rubrica.merges.models import Merge
from rubrica.merges.services import auto_merge_exact, contact_unmerge
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_it_does_nothing_unless_enabled(member):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    make_contact(member, emails=[{"value": "ada@example.org"}])
    assert auto_merge_exact(actor=member) == 0
    assert Contact.objects.count() == 2


def test_same_email_and_same_folded_name_are_merged_into_the_oldest(member, settings):
    settings.RUBRICA_AUTO_MERGE_EXACT = True
    oldest = make_contact(member, emails=[{"value": "Ada@example.org"}])
    same = make_contact(
        member, given_name="ADA", family_name="lovelace", emails=[{"value": "ada@EXAMPLE.org"}]
    )
    third = make_contact(member, given_name="Adá", emails=[{"value": "ada@example.org"}])
    other_name = make_contact(member, given_name="Byron", emails=[{"value": "ada@example.org"}])
    other_email = make_contact(member, emails=[{"value": "countess@example.org"}])
    seen: list[tuple[int, int]] = []
    assert auto_merge_exact(actor=member, progress=lambda d, t: seen.append((d, t))) == 2
    assert set(Contact.objects.values_list("pk", flat=True)) == {
        oldest.pk,
        other_name.pk,
        other_email.pk,
    }
    assert set(Merge.objects.values_list("survivor_id", "merged_id")) == {
        (oldest.pk, same.pk),
        (oldest.pk, third.pk),
    }
    assert seen == [(1, 1)]
    for merge in Merge.objects.all():
        contact_unmerge(actor=member, merge=merge)
    assert Contact.objects.count() == 5


def test_people_the_actor_may_not_change_are_left_alone(member, other_member, settings):
    settings.RUBRICA_AUTO_MERGE_EXACT = True
    make_contact(member, visibility="private", emails=[{"value": "ada@example.org"}])
    make_contact(other_member, emails=[{"value": "ada@example.org"}])
    assert auto_merge_exact(actor=other_member) == 0
    assert Contact.objects.count() == 2


@pytest.mark.parametrize("enabled", [False, True])
def test_the_duplicate_scan_merges_exact_duplicates_only_when_enabled(member, settings, enabled):
    from rubrica.dedup.services import scan_start
    from rubrica.jobs.services import job_run

    settings.RUBRICA_AUTO_MERGE_EXACT = enabled
    first = make_contact(member, given_name="Ada", emails=[{"value": "ada@example.org"}])
    second = make_contact(member, given_name="Ada", emails=[{"value": "ada@example.org"}])

    job = job_run(scan_start(actor=member, enqueue=False).pk)

    assert job.status == "succeeded"
    assert job.result["auto_merged"] == (1 if enabled else 0)
    alive = set(Contact.objects.values_list("pk", flat=True))
    assert alive == ({first.pk} if enabled else {first.pk, second.pk})
