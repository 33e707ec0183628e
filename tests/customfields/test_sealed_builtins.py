"""Built-in fields sealed at rest while marked sensitive (ADR 0034): a person's and an
organization's notes are stored sealed in their row, their history entries and merge snapshots
(read here with raw SQL), still read and edited by those allowed, sealed and opened by the
re-sealing job when the protection changes, and moved to a new key by a rotation. Runs on
SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_revert, contact_update
from rubrica.core import sealing
from rubrica.customfields.protection import protected_field_save
from rubrica.history.models import HistoryEntry
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run
from rubrica.keys.services import key_usage, reseal_start
from rubrica.organizations.models import Organization
from rubrica.organizations.services import organization_update
from tests.api.conftest import bearer
from tests.conftest import TEST_FIELD_KEYS
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db

NOTE = "allergic to penicillin zebracorn"
NEW_KEY = "t2 " + "B" * 43 + "="


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        (value,) = cursor.fetchone()
    return value if isinstance(value, str) else json.dumps(value)


def _raw_history(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes FROM history_historyentry WHERE object_id = %s", [pk])
        rows = cursor.fetchall()
    return " ".join(row[0] if isinstance(row[0], str) else json.dumps(row[0]) for row in rows)


def _protect(admin_user: Any, entity: str, sensitive: bool = True) -> None:
    protected_field_save(
        actor=admin_user,
        entity=entity,
        field_name="notes",
        sensitive=sensitive,
        read_roles=[],
        edit_roles=[],
    )


def _reseal(admin_user: Any) -> Job:
    job = job_run(reseal_start(actor=admin_user, enqueue=False, reindex=True).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def test_marking_notes_sensitive_seals_row_and_history_and_allowed_users_read_and_edit(
    client: Any, admin_user: Any, member: Any
) -> None:
    person = make_contact(admin_user, given_name="Nora", visibility="everyone", notes=NOTE)
    assert _raw("contacts_contact", "notes", person.pk) == NOTE  # not protected: clear
    _protect(admin_user, "contact")
    job = _reseal(admin_user)
    assert job.result["sealed"] >= 2  # the row and its creation's history entry
    stored = _raw("contacts_contact", "notes", person.pk)
    assert stored.startswith("sealed:v1:t1:") and "zebracorn" not in stored
    assert "zebracorn" not in _raw_history(person.pk)

    assert Contact.objects.get(pk=person.pk).notes == NOTE  # read back opened
    shown = client.get(f"/api/v1/contacts/{person.pk}", **bearer(admin_user)).json()
    assert shown["notes"] == NOTE
    hidden = client.get(f"/api/v1/contacts/{person.pk}", **bearer(member)).json()
    assert "notes" not in hidden

    contact_update(actor=admin_user, contact=person, data={"notes": "second note okapiwhale"})
    stored = _raw("contacts_contact", "notes", person.pk)
    assert "okapiwhale" not in stored and stored.startswith("sealed:v1:")
    assert "okapiwhale" not in _raw_history(person.pk) and "zebracorn" not in _raw_history(
        person.pk
    )
    assert Contact.objects.get(pk=person.pk).notes == "second note okapiwhale"

    client.force_login(admin_user)
    page = client.get(reverse("history:contact", args=[person.pk])).content.decode()
    assert "okapiwhale" in page and "zebracorn" in page  # opened for a reader
    client.force_login(member)
    page = client.get(reverse("history:contact", args=[person.pk])).content.decode()
    assert "okapiwhale" not in page and "zebracorn" not in page

    entry = HistoryEntry.objects.filter(object_id=person.pk, action="update").latest("id")
    contact_revert(actor=admin_user, contact=person, entry=entry, field="notes")
    assert Contact.objects.get(pk=person.pk).notes == NOTE
    assert "zebracorn" not in _raw("contacts_contact", "notes", person.pk)


def test_unmarking_opens_the_stored_values_again(admin_user: Any) -> None:
    _protect(admin_user, "contact")
    person = make_contact(admin_user, given_name="Omar", notes=NOTE)
    assert "zebracorn" not in _raw("contacts_contact", "notes", person.pk)  # sealed on write
    _protect(admin_user, "contact", sensitive=False)
    job = _reseal(admin_user)
    assert job.result["opened"] >= 1
    assert _raw("contacts_contact", "notes", person.pk) == NOTE
    assert "zebracorn" in _raw_history(person.pk)


def test_organization_notes_are_sealed_too(admin_user: Any) -> None:
    org = make_organization(admin_user, name="Sealed Ltd", notes=NOTE)
    _protect(admin_user, "organization")
    _reseal(admin_user)
    assert "zebracorn" not in _raw("organizations_organization", "notes", org.pk)
    assert "zebracorn" not in _raw_history(org.pk)
    assert Organization.objects.get(pk=org.pk).notes == NOTE
    organization_update(actor=admin_user, organization=org, data={"notes": "okapiwhale"})
    assert "okapiwhale" not in _raw("organizations_organization", "notes", org.pk)
    assert Organization.objects.get(pk=org.pk).notes == "okapiwhale"


def test_rotation_moves_sealed_notes_to_the_new_key_and_status_counts_them(
    admin_user: Any, settings: Any
) -> None:
    _protect(admin_user, "contact")
    person = make_contact(admin_user, given_name="Pia", notes=NOTE)
    assert key_usage() == {"t1": 1}
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    assert Contact.objects.get(pk=person.pk).notes == NOTE  # the old key still opens
    job = _reseal(admin_user)
    assert job.result["resealed"] >= 2 and job.result["unreadable"] == 0
    assert _raw("contacts_contact", "notes", person.pk).startswith("sealed:v1:t2:")
    assert '"sealed": "t1"' not in _raw_history(person.pk)
    assert key_usage() == {"t2": 1}
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the old key can go now
    assert Contact.objects.get(pk=person.pk).notes == NOTE


def test_a_tampered_sealed_note_reads_as_unreadable_and_a_save_keeps_it(
    admin_user: Any,
) -> None:
    _protect(admin_user, "contact")
    person = make_contact(admin_user, given_name="Quinn", notes=NOTE)
    stored = _raw("contacts_contact", "notes", person.pk)
    broken = stored[:-6] + ("AAAA==" if not stored.endswith("AAAA==") else "BBBB==")
    Contact.all_objects.filter(pk=person.pk).update(
        notes=sealing.UnreadableText("x", broken)  # written as given
    )
    read = Contact.objects.get(pk=person.pk)
    assert read.notes.startswith("(unreadable")
    contact_update(actor=admin_user, contact=read, data={"given_name": "Quincy"})
    assert _raw("contacts_contact", "notes", person.pk) == broken  # never overwritten


def test_merge_snapshot_keeps_notes_sealed_and_undo_puts_them_back(admin_user: Any) -> None:
    from rubrica.merges.models import Merge
    from rubrica.merges.services import contact_merge, contact_unmerge

    _protect(admin_user, "contact")
    survivor = make_contact(admin_user, given_name="Rita", family_name="Twin")
    merged = make_contact(admin_user, given_name="Rita", family_name="Twin", notes=NOTE)
    merge = contact_merge(actor=admin_user, survivor=survivor, merged=merged)
    assert Contact.objects.get(pk=survivor.pk).notes == NOTE  # filled in from the other
    assert "zebracorn" not in _raw("merges_merge", "snapshot", merge.pk)
    assert "zebracorn" not in _raw("contacts_contact", "notes", survivor.pk)
    contact_unmerge(actor=admin_user, merge=Merge.objects.get(pk=merge.pk))
    assert Contact.objects.get(pk=survivor.pk).notes == ""
    assert Contact.objects.get(pk=merged.pk).notes == NOTE


def test_import_report_rows_keep_the_notes_they_replaced_sealed_and_revert_opens_them(
    admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    from rubrica.dataio.imports.services import import_revert
    from rubrica.dataio.models import ImportRow
    from tests.dataio.import_helpers import card, run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    _protect(admin_user, "contact")
    person = make_contact(admin_user, given_name="Sam", family_name="Row", notes=NOTE)
    Contact.all_objects.filter(pk=person.pk).update(uid="urn:uuid:sam")
    job = run_import(
        admin_user,
        card("urn:uuid:sam", "Sam", "Row", extra="NOTE:imported okapiwhale"),
        on_duplicate="update",
        match="uid",
    )
    row = ImportRow.objects.get(job=job)
    assert row.outcome == "updated", row.message
    assert "zebracorn" not in _raw("dataio_importrow", "before", row.pk)
    assert "okapiwhale" not in _raw("contacts_contact", "notes", person.pk)
    assert "okapiwhale" in Contact.objects.get(pk=person.pk).notes
    revert = job_run(import_revert(actor=admin_user, job=job, enqueue=False).pk)
    assert revert.status == JobStatus.SUCCEEDED, revert.error
    assert Contact.objects.get(pk=person.pk).notes == NOTE


def test_cleaning_changes_keep_notes_sealed_and_undo_opens_them(admin_user: Any) -> None:
    from rubrica.quality.models import CleaningChange
    from rubrica.quality.services import cleaning_start, cleaning_undo_start

    _protect(admin_user, "contact")
    person = make_contact(admin_user, given_name="Tess", notes=NOTE)
    Contact.all_objects.filter(pk=person.pk).update(
        given_name="  Tess  ", notes=f"  {NOTE}  "
    )  # as loaded from outside; sealed on the way in
    assert "zebracorn" not in _raw("contacts_contact", "notes", person.pk)
    job = job_run(cleaning_start(actor=admin_user, action="trim", enqueue=False).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    change = CleaningChange.objects.get(job=job, contact=person)
    assert "notes" in change.after
    assert "zebracorn" not in _raw("quality_cleaningchange", "before", change.pk)
    assert "zebracorn" not in _raw("quality_cleaningchange", "after", change.pk)
    assert Contact.objects.get(pk=person.pk).notes == NOTE
    undo = job_run(cleaning_undo_start(actor=admin_user, job=job, enqueue=False).pk)
    assert undo.status == JobStatus.SUCCEEDED, undo.error
    assert "zebracorn" not in _raw("contacts_contact", "notes", person.pk)
    assert "zebracorn" in Contact.objects.get(pk=person.pk).notes


def test_protecting_notes_later_seals_existing_report_rows_and_cleaning_changes(
    admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    from rubrica.dataio.models import ImportRow
    from tests.dataio.import_helpers import card, run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    person = make_contact(admin_user, given_name="Uma", family_name="Late", notes=NOTE)
    Contact.all_objects.filter(pk=person.pk).update(uid="urn:uuid:uma")
    job = run_import(
        admin_user,
        card("urn:uuid:uma", "Uma", "Late", extra="NOTE:other"),
        on_duplicate="update",
        match="uid",
    )
    row = ImportRow.objects.get(job=job)
    assert "zebracorn" in _raw("dataio_importrow", "before", row.pk)  # not protected yet
    _protect(admin_user, "contact")
    _reseal(admin_user)
    assert "zebracorn" not in _raw("dataio_importrow", "before", row.pk)


def test_people_created_by_an_import_have_their_notes_sealed_in_row_and_history(
    admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    from tests.dataio.import_helpers import card, run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    _protect(admin_user, "contact")
    job = run_import(admin_user, card("urn:uuid:vic", "Vic", "New", extra=f"NOTE:{NOTE}"))
    assert job.status == JobStatus.SUCCEEDED, job.error
    person = Contact.objects.get(uid="urn:uuid:vic")
    assert person.notes == NOTE
    assert "zebracorn" not in _raw("contacts_contact", "notes", person.pk)
    assert "zebracorn" not in _raw_history(person.pk)


def test_the_privacy_export_opens_history_notes_for_a_reader_and_masks_them_for_others(
    admin_user: Any, member: Any
) -> None:
    from rubrica.privacy.export import person_data

    _protect(admin_user, "contact")
    person = make_contact(admin_user, given_name="Wes", visibility="everyone", notes=NOTE)
    shown = json.dumps(person_data(actor=admin_user, contact=person), default=str)
    assert "zebracorn" in shown and "sealed" not in shown
    hidden = json.dumps(person_data(actor=member, contact=person), default=str, ensure_ascii=False)
    assert "zebracorn" not in hidden and "sealed" not in hidden and "•••" in hidden
