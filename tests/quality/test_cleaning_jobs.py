"""Cleaning through the services: the preview changes nothing, the job writes history as its
owner and only on people the owner may change, and its undo puts back exactly what it changed.

Untrimmed text and unformatted phones that services would not store are put in place with
``queryset.update`` to stand for data loaded from outside."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.contacts.models import Contact, ContactAddress, ContactPhone
from rubrica.contacts.services import contact_update, snapshot
from rubrica.history.models import HistoryEntry
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_create, job_run
from rubrica.quality.models import CleaningChange
from rubrica.quality.services import (
    cleaning_start,
    cleaning_undo_start,
    preview_cleaning,
)
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _state(contact: Contact) -> tuple[dict, int]:
    fresh = Contact.objects.get(pk=contact.pk)
    return snapshot(fresh), fresh.version


def _run(actor, action: str) -> Job:
    job = cleaning_start(actor=actor, action=action, enqueue=False)
    return job_run(job.pk)


def test_preview_lists_changes_and_changes_nothing(member):
    mario = make_contact(member, given_name="MARIO", family_name="ROSSI")
    make_contact(member, given_name="Ada", family_name="Lovelace")
    before = _state(mario)
    history = HistoryEntry.objects.count()

    preview = preview_cleaning(member, "capitalize")

    assert preview.people == 1
    assert preview.exact is True
    assert [(c.contact_id, c.field, c.before, c.after) for c in preview.changes] == [
        (mario.pk, "given_name", "MARIO", "Mario"),
        (mario.pk, "family_name", "ROSSI", "Rossi"),
        (mario.pk, "display_name", "MARIO ROSSI", "Mario Rossi"),
    ]
    assert _state(mario) == before
    assert HistoryEntry.objects.count() == history
    assert Job.objects.count() == 0


def test_unknown_action_is_refused(member):
    with pytest.raises(ValidationError):
        preview_cleaning(member, "explode")
    with pytest.raises(ValidationError):
        cleaning_start(actor=member, action="explode", enqueue=False)
    assert Job.objects.count() == 0


def test_applying_writes_history_as_the_job_owner(member):
    mario = make_contact(member, given_name="MARIO", family_name="de luca")
    version = mario.version

    job = _run(member, "capitalize")

    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {
        "action": "capitalize",
        "changed": 1,
        "fields": 3,
        "unchanged": 0,
        "failed": 0,
        "errors": [],
    }
    mario.refresh_from_db()
    assert (mario.given_name, mario.family_name, mario.display_name) == (
        "Mario",
        "De Luca",
        "Mario De Luca",
    )
    assert mario.version == version + 1
    entry = HistoryEntry.objects.filter(object_id=mario.pk).order_by("-id").first()
    assert entry.actor == member
    assert entry.changes["given_name"] == {"before": "MARIO", "after": "Mario"}
    change = CleaningChange.objects.get(job=job)
    assert change.before == {"given_name": "MARIO", "family_name": "de luca"}
    assert change.after == {"given_name": "Mario", "family_name": "De Luca"}
    assert change.version == mario.version


def test_only_people_the_owner_may_change_are_cleaned(member, other_member):
    mine = make_contact(member, given_name="MARIO", family_name="ROSSI")
    theirs = make_contact(other_member, given_name="LUIGI", family_name="VERDI")
    theirs_private = make_contact(
        other_member, given_name="ANNA", family_name="BIANCHI", visibility="private"
    )
    # other_member's "everyone" record is visible to member, and by default changeable too;
    # a private one is neither
    job = _run(member, "capitalize")

    assert Contact.objects.get(pk=mine.pk).given_name == "Mario"
    assert Contact.objects.get(pk=theirs.pk).given_name == "Luigi"
    assert Contact.objects.get(pk=theirs_private.pk).given_name == "ANNA"
    assert job.result["changed"] == 2


def test_a_viewer_cannot_start_a_cleaning(viewer, member):
    mario = make_contact(member, given_name="MARIO", family_name="ROSSI")
    before = _state(mario)

    with pytest.raises(PermissionDenied):
        cleaning_start(actor=viewer, action="capitalize", enqueue=False)

    assert Job.objects.count() == 0
    assert _state(mario) == before
    assert preview_cleaning(viewer, "capitalize").people == 0


def test_trim_cleans_untrimmed_legacy_text(member):
    ada = make_contact(member, given_name="Ada", family_name="Lovelace", title="Countess")
    Contact.objects.filter(pk=ada.pk).update(given_name="  Ada ", title="Count  ess ")

    preview = preview_cleaning(member, "trim")
    job = _run(member, "trim")

    assert {(c.field, c.before, c.after) for c in preview.changes} == {
        ("given_name", "  Ada ", "Ada"),
        ("title", "Count  ess ", "Count ess"),
    }
    ada.refresh_from_db()
    assert (ada.given_name, ada.title) == ("Ada", "Count ess")
    assert job.result["changed"] == 1


def test_phone_formats_are_normalised_with_the_default_region(member, settings):
    settings.RUBRICA_DEFAULT_PHONE_REGION = "IT"
    ada = make_contact(member, phones=[{"value": "02 1234 5678"}, {"value": "+39 333 123 4567"}])
    odd = make_contact(member, given_name="Odd", phones=[{"value": "02 7654 3210"}])
    ContactPhone.objects.filter(contact=odd).update(raw="call the office", e164="")

    job = _run(member, "phones")

    assert [(p.raw, p.e164) for p in ContactPhone.objects.filter(contact=ada)] == [
        ("+39 02 1234 5678", "+390212345678"),
        ("+39 333 123 4567", "+393331234567"),
    ]
    assert [p.raw for p in ContactPhone.objects.filter(contact=odd)] == ["call the office"]
    assert job.result["changed"] == 1
    assert job.result["unchanged"] == 1


def test_undo_puts_back_exactly_what_the_cleaning_changed(member):
    mario = make_contact(member, given_name="MARIO", family_name="ROSSI", title="CEO")
    job = _run(member, "capitalize")

    undo = job_run(cleaning_undo_start(actor=member, job=job, enqueue=False).pk)

    assert undo.status == JobStatus.SUCCEEDED
    assert undo.result["restored"] == 1
    assert undo.result["changed_since"] == 0
    mario.refresh_from_db()
    assert (mario.given_name, mario.family_name, mario.display_name, mario.title) == (
        "MARIO",
        "ROSSI",
        "MARIO ROSSI",
        "CEO",
    )
    entry = HistoryEntry.objects.filter(object_id=mario.pk).order_by("-id").first()
    assert entry.changes["given_name"] == {"before": "Mario", "after": "MARIO"}


def test_undo_skips_and_names_people_changed_since(member):
    mario = make_contact(member, given_name="MARIO", family_name="ROSSI")
    anna = make_contact(member, given_name="ANNA", family_name="BIANCHI")
    job = _run(member, "capitalize")
    contact_update(actor=member, contact=Contact.objects.get(pk=anna.pk), data={"title": "CFO"})

    undo = job_run(cleaning_undo_start(actor=member, job=job, enqueue=False).pk)

    assert undo.result["restored"] == 1
    assert undo.result["changed_since"] == 1
    assert undo.result["skipped"] == [{"id": anna.pk, "name": "Anna Bianchi"}]
    assert Contact.objects.get(pk=mario.pk).given_name == "MARIO"
    assert Contact.objects.get(pk=anna.pk).given_name == "Anna"


def test_a_cleaning_is_undone_once_and_only_by_who_may_change_its_job(member, other_member):
    make_contact(member, given_name="MARIO", family_name="ROSSI")
    job = _run(member, "capitalize")

    with pytest.raises(PermissionDenied):
        cleaning_undo_start(actor=other_member, job=job, enqueue=False)
    cleaning_undo_start(actor=member, job=job, enqueue=False)
    with pytest.raises(ValidationError):
        cleaning_undo_start(actor=member, job=job, enqueue=False)
    assert Job.objects.filter(params__undo_of=job.pk).count() == 1


def test_a_resumed_cleaning_continues_after_its_checkpoint(member):
    people = [make_contact(member, given_name=f"NAME{i}", family_name="ROSSI") for i in range(5)]
    job = job_create(
        actor=member,
        kind="quality_clean",
        title="clean",
        params={"action": "capitalize", "batch_size": 2},
        enqueue=False,
    )
    # a first run committed the first batch, then its process died
    Job.objects.filter(pk=job.pk).update(
        checkpoint={"last_pk": people[1].pk, "done": 2, "total": 5, "changed": 2, "fields": 6,
                    "unchanged": 0, "failed": 0, "errors": []}
    )  # fmt: skip

    finished = job_run(job.pk)

    assert finished.result["changed"] == 5
    assert finished.done == 5
    assert Contact.objects.get(pk=people[0].pk).given_name == "NAME0"
    assert Contact.objects.get(pk=people[4].pk).given_name == "Name4"


def test_trim_finds_untidy_addresses_phones_and_notes(member):
    ada = make_contact(
        member,
        addresses=[{"street": "Via Roma 1", "city": "Milano"}],
        phones=[{"value": "+39 02 1234 5678"}],
        notes="Met at the fair",
    )
    bob = make_contact(member, given_name="Bob", notes="Tidy")
    ContactAddress.objects.filter(contact=ada).update(street=" Via Roma  1", city="Milano\t")
    ContactPhone.objects.filter(contact=ada).update(raw="+39 02 1234 5678 ")
    Contact.objects.filter(pk=bob.pk).update(notes="Tidy\n\n")

    preview = preview_cleaning(member, "trim")
    job = _run(member, "trim")

    assert {(c.contact_id, c.field, c.before, c.after) for c in preview.changes} == {
        (ada.pk, "addresses.1.street", " Via Roma  1", "Via Roma 1"),
        (ada.pk, "addresses.1.city", "Milano\t", "Milano"),
        (ada.pk, "phones.1", "+39 02 1234 5678 ", "+39 02 1234 5678"),
        (bob.pk, "notes", "Tidy\n\n", "Tidy"),
    }
    assert job.result["changed"] == 2
    address = ContactAddress.objects.get(contact=ada)
    assert (address.street, address.city) == ("Via Roma 1", "Milano")
    assert ContactPhone.objects.get(contact=ada).raw == "+39 02 1234 5678"
    assert Contact.objects.get(pk=bob.pk).notes == "Tidy"


def test_nothing_to_clean_gives_an_empty_preview_and_an_empty_job(member):
    make_contact(member, given_name="Ada", family_name="Lovelace")

    for action in ("trim", "capitalize", "phones"):
        preview = preview_cleaning(member, action)
        assert (preview.people, preview.changes) == (0, [])
    job = _run(member, "trim")
    assert (job.result["changed"], job.total) == (0, 0)


def test_undoing_a_trim_reports_that_white_space_cannot_be_put_back(member):
    ada = make_contact(member, given_name="Ada", family_name="Lovelace")
    Contact.objects.filter(pk=ada.pk).update(given_name="  Ada ")
    job = _run(member, "trim")

    undo = job_run(cleaning_undo_start(actor=member, job=job, enqueue=False).pk)

    assert (undo.result["restored"], undo.result["not_restorable"]) == (0, 1)
    assert Contact.objects.get(pk=ada.pk).given_name == "Ada"


def test_a_cleaning_leaves_people_shared_read_only_or_in_the_trash_untouched(member, other_member):
    from rubrica.contacts.services import contact_delete
    from rubrica.sharing.services import share_add

    seen_only = make_contact(
        other_member, given_name="ANNA", family_name="BIANCHI", visibility="private"
    )
    share_add(actor=other_member, record=seen_only, data={"user": member.pk, "level": "read"})
    shared_write = make_contact(
        other_member, given_name="LUCA", family_name="NERI", visibility="private"
    )
    share_add(actor=other_member, record=shared_write, data={"user": member.pk, "level": "write"})
    trashed = make_contact(member, given_name="PIA", family_name="GIALLI")
    contact_delete(actor=member, contact=trashed)
    assert Contact.objects.restrict(member).filter(pk=seen_only.pk).exists()  # it is seen
    before_seen = _state(seen_only)
    before_trashed = Contact.all_objects.get(pk=trashed.pk)

    job = _run(member, "capitalize")

    assert _state(seen_only) == before_seen
    after_trashed = Contact.all_objects.get(pk=trashed.pk)
    assert (after_trashed.given_name, after_trashed.version) == ("PIA", before_trashed.version)
    assert Contact.objects.get(pk=shared_write.pk).given_name == "Luca"
    assert job.result["changed"] == 1
    assert not CleaningChange.objects.filter(contact_id__in=[seen_only.pk, trashed.pk]).exists()
