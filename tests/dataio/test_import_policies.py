"""Duplicate policies and match keys, revert, idempotent re-import, resume after a crash."""

from __future__ import annotations

from typing import Any

import pytest

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_update, snapshot
from rubrica.dataio.imports.report import counts
from rubrica.dataio.imports.services import import_revert
from rubrica.dataio.models import ImportRow
from rubrica.history.models import HistoryEntry
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_resume, job_run
from tests.dataio.import_helpers import card, outcomes, run_import
from tests.factories import make_contact


@pytest.fixture(autouse=True)
def _private_root(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def _existing(member: Any) -> Contact:
    contact = make_contact(
        member,
        given_name="Ada",
        family_name="Lovelace",
        emails=[{"label": "work", "value": "ada@example.com"}],
        phones=[{"label": "mobile", "value": "+39 347 123 4567"}],
    )
    Contact.all_objects.filter(pk=contact.pk).update(uid="urn:uuid:ada")
    return Contact.objects.get(pk=contact.pk)


KEYS = {
    "uid": "UID:urn:uuid:ada",
    "external_id": "UID:urn:uuid:ada",
    "email": "EMAIL:ADA@example.com",
    "phone": "TEL:+393471234567",
}


def _incoming(key: str) -> str:
    lines = ["BEGIN:VCARD", "VERSION:3.0", "N:Lovelace;Augusta Ada;;;", KEYS[key]]
    if key != "phone":
        lines.append("TEL;TYPE=cell:+39 347 123 4567")
    if key != "email":
        lines.append("EMAIL;TYPE=work:ada@example.com")
    return "\r\n".join([*lines, "END:VCARD", ""])


@pytest.mark.parametrize("key", sorted(KEYS))
def test_policy_update_changes_the_matching_person(member: Any, key: str) -> None:
    ada = _existing(member)
    before = snapshot(ada)
    job = run_import(member, _incoming(key), on_duplicate="update", match=key)
    assert outcomes(job) == [(1, "updated")]
    ada.refresh_from_db()
    assert ada.given_name == "Augusta Ada"
    assert Contact.objects.count() == 1
    row = ImportRow.objects.get(job=job)
    assert (row.contact_id, row.before, row.version) == (ada.pk, before, ada.version)


@pytest.mark.parametrize("key", sorted(KEYS))
def test_policy_skip_leaves_the_matching_person_alone(member: Any, key: str) -> None:
    ada = _existing(member)
    job = run_import(member, _incoming(key), on_duplicate="skip", match=key)
    assert outcomes(job) == [(1, "skipped")]
    assert ImportRow.objects.get(job=job).contact_id == ada.pk
    assert Contact.objects.get().given_name == "Ada"


@pytest.mark.parametrize("key", sorted(KEYS))
def test_policy_create_adds_a_new_person_even_when_one_matches(member: Any, key: str) -> None:
    ada = _existing(member)
    job = run_import(member, _incoming(key), on_duplicate="create", match=key)
    assert outcomes(job) == [(1, "created")]
    new = Contact.objects.exclude(pk=ada.pk).get()
    assert new.given_name == "Augusta Ada"
    assert new.uid != "urn:uuid:ada"


def test_a_match_on_a_record_the_importer_cannot_see_creates_a_new_person(
    member: Any, other_member: Any
) -> None:
    hidden = make_contact(
        other_member,
        given_name="Ada",
        visibility="private",
        emails=[{"label": "", "value": "ada@example.com"}],
    )
    job = run_import(member, _incoming("email"), on_duplicate="update", match="email")
    assert outcomes(job) == [(1, "created")]
    hidden.refresh_from_db()
    assert (hidden.given_name, hidden.version) == ("Ada", 1)


def test_the_same_person_twice_in_one_file_is_created_once_and_then_updated(member: Any) -> None:
    text = card("urn:uuid:t", "Tom", "Twice", "tom@example.com") + card(
        "urn:uuid:t2", "Thomas", "Twice", "tom@example.com"
    )
    job = run_import(member, text, on_duplicate="update", match="email")
    assert outcomes(job) == [(1, "created"), (8, "updated")]
    assert Contact.objects.get().given_name == "Thomas"


def test_reimporting_the_same_file_with_update_changes_nothing(member: Any) -> None:
    text = card("urn:uuid:1", "Ada", "Lovelace", "ada@example.com", "ORG:Engines") + card(
        "urn:uuid:2",
        "Grace",
        "Hopper",
        "grace@example.com",
        "TEL;TYPE=cell:+1 202 555 0101\r\nTEL;TYPE=home:+1 202 555 0102\r\nCATEGORIES:b,a",
    )
    first = run_import(member, text, on_duplicate="update", match="uid")
    assert outcomes(first) == [(1, "created"), (9, "created")]
    versions = dict(Contact.objects.values_list("pk", "version"))
    updated = dict(Contact.objects.values_list("pk", "updated_at"))
    entries = HistoryEntry.objects.count()
    again = run_import(member, text, on_duplicate="update", match="uid")
    assert outcomes(again) == [(1, "unchanged"), (9, "unchanged")]
    assert dict(Contact.objects.values_list("pk", "version")) == versions
    assert dict(Contact.objects.values_list("pk", "updated_at")) == updated
    assert HistoryEntry.objects.count() == entries


def test_revert_trashes_created_people_and_restores_updated_ones_exactly(member: Any) -> None:
    ada = _existing(member)
    before = snapshot(ada)
    text = _incoming("uid") + card(
        "urn:uuid:new", "Newt", "Person", "newt@example.com", "ORG:Newco"
    )
    job = run_import(member, text, on_duplicate="update", match="uid")
    assert outcomes(job) == [(1, "updated"), (8, "created")]
    revert = job_run(import_revert(actor=member, job=job, enqueue=False).pk)
    assert revert.status == JobStatus.SUCCEEDED, revert.error
    assert revert.result["trashed"] == 1
    assert revert.result["restored"] == 1
    assert revert.result["organizations_trashed"] == 1
    assert snapshot(Contact.objects.get(pk=ada.pk)) == before
    newt = Contact.trash.get(uid="urn:uuid:new")
    assert newt.deleted_by == member
    from rubrica.organizations.models import Organization

    assert list(Organization.trash.values_list("name", flat=True)) == ["Newco"]


def test_revert_leaves_a_person_changed_since_the_import_and_says_so(member: Any) -> None:
    ada = _existing(member)
    job = run_import(member, _incoming("uid"), on_duplicate="update", match="uid")
    changed = contact_update(
        actor=member, contact=Contact.objects.get(pk=ada.pk), data={"title": "Countess"}
    )
    revert = job_run(import_revert(actor=member, job=job, enqueue=False).pk)
    assert revert.result["restored"] == 0
    assert revert.result["kept"] == 1
    assert revert.result["kept_rows"] == [
        {
            "line": 1,
            "contact": ada.pk,
            "reason": "Changed since the import (version 3, the import left 2).",
        }
    ]
    after = Contact.objects.get(pk=ada.pk)
    assert (after.version, after.title, after.given_name) == (
        changed.version,
        "Countess",
        "Augusta Ada",
    )


def test_an_import_is_reverted_only_once_and_only_by_its_owner(
    member: Any, other_member: Any
) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    job = run_import(member, card("urn:uuid:x", "X", "Y"))
    with pytest.raises(PermissionDenied):
        import_revert(actor=other_member, job=job, enqueue=False)
    import_revert(actor=member, job=job, enqueue=False)
    with pytest.raises(ValidationError):
        import_revert(actor=member, job=job, enqueue=False)
    assert Job.objects.filter(kind="import_revert").count() == 1


class Crash(Exception):
    """Stands for the process dying: raised from inside a batch's transaction."""


def test_a_crashed_import_resumes_after_the_last_committed_batch(member: Any) -> None:
    text = "".join(card(f"urn:uuid:{i}", f"P{i}", "Crash") for i in range(7))
    from tests.dataio.import_helpers import start_import

    job = start_import(member, text, batch_size=2)

    crashes = []

    def die_on_third_batch(current: Job) -> None:
        if current.checkpoint.get("line") == 31 and not crashes:
            crashes.append(current.checkpoint)
            raise Crash

    crashed = job_run(job.pk, listener=die_on_third_batch)
    assert crashed.status == JobStatus.FAILED
    assert Job.objects.get(pk=job.pk).checkpoint == {"line": 19}
    assert Contact.objects.count() == 4
    assert ImportRow.objects.filter(job=job).count() == 4
    job_resume(actor=member, job=crashed, enqueue=False)
    finished = job_run(job.pk)
    assert finished.status == JobStatus.SUCCEEDED
    assert sorted(Contact.objects.values_list("given_name", flat=True)) == [
        f"P{i}" for i in range(7)
    ]
    assert [line for line, _o in outcomes(finished)] == [1, 7, 13, 19, 25, 31, 37]
    assert finished.result["counts"]["created"] == 7
    # Tallied across the two runs, as the report rows count them.
    assert finished.result["counts"] == counts(finished)


def test_revert_trashes_created_people_in_batches_with_the_same_guarantees(
    member: Any, django_assert_max_num_queries: Any
) -> None:
    """The people an import created go to the Trash a batch at a time (a few statements, not a
    dozen per person), each with its DELETE history entry and out of the search index and the
    duplicate keys; one changed since the import is left alone and reported."""
    from rubrica.dedup.models import DuplicateKey
    from rubrica.search.models import SearchDocument

    text = "".join(card(f"urn:uuid:{n}", f"P{n}", "Batch", f"p{n}@example.com") for n in range(60))
    job = run_import(member, text, on_duplicate="create")
    changed = Contact.objects.get(uid="urn:uuid:7")
    contact_update(actor=member, contact=changed, data={"title": "Edited"})
    revert = import_revert(actor=member, job=job, enqueue=False)
    with django_assert_max_num_queries(60):
        revert = job_run(revert.pk)
    assert revert.status == JobStatus.SUCCEEDED, revert.error
    assert (revert.result["trashed"], revert.result["kept"]) == (59, 1)
    assert revert.result["kept_rows"][0]["contact"] == changed.pk
    assert "Changed since the import" in revert.result["kept_rows"][0]["reason"]
    assert list(Contact.objects.values_list("pk", flat=True)) == [changed.pk]
    trashed = list(Contact.trash.values_list("pk", flat=True))
    assert len(trashed) == 59 and all(c.version == 2 for c in Contact.trash.all())
    entries = HistoryEntry.objects.filter(object_id__in=trashed, action="delete")
    assert sorted(entries.values_list("object_id", "version", "actor")) == sorted(
        (pk, 2, member.pk) for pk in trashed
    )
    assert not SearchDocument.objects.filter(record_id__in=trashed, kind="contact").exists()
    assert not DuplicateKey.objects.filter(contact_id__in=trashed).exists()
    assert revert.done == revert.total == 60
