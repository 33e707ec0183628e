"""Importing CSV files: proposed or chosen mapping, bad cells reported by line and column."""

from __future__ import annotations

from typing import Any

import pytest

from rubrica.contacts.models import Contact
from rubrica.dataio.models import ImportRow
from rubrica.jobs.models import Job, JobStatus
from rubrica.organizations.models import Organization
from rubrica.taxonomy.models import Tag
from tests.dataio.import_helpers import outcomes, run_import


@pytest.fixture(autouse=True)
def _private_root(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"


CSV = (
    "First Name,Last Name,E-mail Address,Company,Mobile Phone\r\n"
    "Ada,Lovelace,ada@example.com,Engines Ltd,+39 347 123 4567\r\n"
    "Bad,Email,not-an-email,,\r\n"
    "Grace,Hopper,grace@example.com,,\r\n"
)


def test_a_csv_with_a_proposed_mapping_is_imported_and_a_bad_cell_reported(member: Any) -> None:
    job = run_import(member, CSV, "outlook.csv")
    assert job.status == JobStatus.SUCCEEDED, job.error
    # The bad email is set aside (kept in the notes), not the person (issue 13).
    assert outcomes(job) == [(2, "created"), (3, "created"), (4, "created")]
    message = ImportRow.objects.get(job=job, line=3).message
    assert message.startswith("Set aside (kept in the notes): ")
    assert 'line 3, column "E-mail Address"' in message
    assert "not-an-email" in Contact.objects.get(given_name="Bad").notes
    ada = Contact.objects.get(given_name="Ada")
    assert (ada.primary_email, ada.primary_phone, ada.organization.name) == (
        "ada@example.com",
        "+393471234567",
        "Engines Ltd",
    )


def test_a_chosen_mapping_overrides_the_proposed_one(member: Any) -> None:
    mapping = {"0": "family_name", "1": "given_name", "2": "ignore", "3": "tags", "4": "ignore"}
    job = run_import(member, CSV, "outlook.csv", mapping=mapping)
    assert outcomes(job) == [(2, "created"), (3, "created"), (4, "created")]
    ada = Contact.objects.get(family_name="Ada")
    assert (ada.given_name, ada.primary_email) == ("Lovelace", "")
    assert [t.name for t in ada.tags.all()] == ["Engines Ltd"]


def test_organizations_and_tags_spelt_otherwise_in_a_later_import_are_the_same(
    member: Any,
) -> None:
    # Separate imports (no cache in common): the second one finds what the first created,
    # whatever the case of letters outside ASCII (SQLite's own case folding is ASCII only).
    header = "First Name,Last Name,Company,Categories\r\n"
    first = run_import(member, header + "Ada,Rossi,UNIVERSITÀ DI PISA,SOCIETÀ\r\n", "a.csv")
    second = run_import(member, header + "Bea,Verdi, Università  di Pisa ,Società\r\n", "b.csv")

    assert outcomes(first) == [(2, "created")] and outcomes(second) == [(2, "created")]
    assert list(Organization.objects.values_list("name", flat=True)) == ["UNIVERSITÀ DI PISA"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["SOCIETÀ"]
    bea = Contact.objects.get(given_name="Bea")
    assert bea.organization.name == "UNIVERSITÀ DI PISA"
    assert [tag.name for tag in bea.tags.all()] == ["SOCIETÀ"]


def test_an_xlsx_workbook_is_imported_like_a_csv(member: Any) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["First Name", "Last Name", "E-mail Address"])
    sheet.append(["Ada", "Lovelace", "ada@example.com"])
    sheet.append(["Grace", "Hopper", "broken@"])
    buffer = io.BytesIO()
    book.save(buffer)
    job = run_import(member, buffer.getvalue(), "people.xlsx")
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.params["format"] == "xlsx"
    assert outcomes(job) == [(2, "created"), (3, "created")]  # the bad email set aside
    assert Contact.objects.get(given_name="Ada").primary_email == "ada@example.com"
    assert "broken@" in Contact.objects.get(given_name="Grace").notes


def test_an_unknown_encoding_is_refused_before_the_job_starts(member: Any) -> None:
    from django.core.exceptions import ValidationError

    from rubrica.jobs.models import Job

    with pytest.raises(ValidationError) as exc:
        run_import(member, CSV, "outlook.csv", encoding="no-such-codec")
    assert exc.value.message_dict == {"encoding": ["Unknown encoding no-such-codec."]}
    assert Job.objects.count() == 0


def test_an_import_on_sqlite_maps_no_memory_and_restores_the_connection_after(
    member: Any, monkeypatch: Any
) -> None:
    from django.db import connection

    from rubrica.dataio.imports import runner

    if connection.vendor != "sqlite":
        pytest.skip("SQLite connection settings")

    def pragmas() -> tuple[int | None, int, int]:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA mmap_size")
            row = cursor.fetchone()  # none for an in-memory database
            mmap_size = row[0] if row else None
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            cursor.execute("PRAGMA wal_autocheckpoint")
            return mmap_size, cache_size, cursor.fetchone()[0]

    before = pragmas()
    during = []
    run = runner._Batch.run

    def spy(self: Any, batch: Any, ready: Any = None) -> Any:
        during.append(pragmas())
        return run(self, batch, ready)

    monkeypatch.setattr(runner._Batch, "run", spy)
    job = run_import(member, CSV, "outlook.csv")

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert [cache for _mmap, cache, _pages in during] == [-runner.IMPORT_SQLITE_CACHE_KIB]
    assert during[0][0] in (0, None)
    assert during[0][2] == runner.IMPORT_SQLITE_CHECKPOINT_PAGES
    assert pragmas() == before
    assert before[1] != -runner.IMPORT_SQLITE_CACHE_KIB
    assert before[2] != runner.IMPORT_SQLITE_CHECKPOINT_PAGES


def test_a_csv_import_shows_a_total_from_its_lines_and_ends_with_the_exact_count(
    member: Any, monkeypatch: Any
) -> None:
    from rubrica.dataio.imports import runner

    text = (
        "First Name,Last Name,Notes\r\n"
        'Ada,Lovelace,"two\r\nlines"\r\n'
        "Grace,Hopper,\r\n"
        "\r\n"
        "Alan,Turing,"  # no final line break
    )
    totals = []
    run = runner._Batch.run

    def spy(self: Any, batch: Any, ready: Any = None) -> Any:
        totals.append(Job.objects.get(pk=self.job.pk).total)
        return run(self, batch, ready)

    monkeypatch.setattr(runner._Batch, "run", spy)
    job = run_import(member, text, "people.csv")

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert totals == [5]  # six lines, less the header: at least as many as the records
    job.refresh_from_db()
    assert (job.done, job.total) == (3, 3)
    assert job.result["counts"]["created"] == 3


def test_old_mac_line_ends_count_as_lines(tmp_path: Any) -> None:
    from rubrica.dataio.imports.runner import _count_lines

    path = tmp_path / "mac.csv"
    path.write_bytes(b"a,b\rc,d\re,f")

    assert _count_lines(path) == 3


def test_a_killed_imports_done_count_matches_its_committed_checkpoint(
    member: Any, monkeypatch: Any
) -> None:
    """A run killed after two batches leaves ``done`` at the records of those two batches, the
    ones its checkpoint says were written (it lagged by one batch)."""
    from rubrica.jobs.services import Progress
    from tests.dataio.import_helpers import start_import

    calls: list[int] = []

    def killed_at_the_third_batch(self: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # not caught by the runner: as a kill would leave it

    monkeypatch.setattr(Progress, "raise_if_cancelled", killed_at_the_third_batch)
    rows = "".join(f"P{n},Rossi,p{n}@example.com,,\r\n" for n in range(10))
    job = start_import(member, CSV.splitlines(keepends=True)[0] + rows, "p.csv", batch_size=4)
    from rubrica.jobs.services import job_run

    with pytest.raises(KeyboardInterrupt):
        job_run(job.pk)
    job = Job.objects.get(pk=job.pk)
    assert job.checkpoint == {"line": 9}
    assert ImportRow.objects.filter(job=job).count() == 8
    assert job.done == 8


def test_an_uploaded_file_is_readable_by_the_owner_only(member: Any, settings: Any) -> None:
    import io
    import stat
    from pathlib import Path

    from rubrica.dataio.imports.uploads import store_upload, stored_path

    upload = store_upload(actor=member, stream=io.BytesIO(CSV.encode()), filename="p.csv")
    path = stored_path({"file": upload.path})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(settings.RUBRICA_PRIVATE_ROOT).stat().st_mode) == 0o700


GOOGLE_HEADER = (
    "First Name,Last Name,Birthday,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,"
    "Phone 1 - Value,Labels,Custom Field 1 - Label,Custom Field 1 - Value\r\n"
)


def test_one_invalid_cell_is_set_aside_and_the_person_kept_and_reported(
    member: Any, settings: Any
) -> None:
    """An impossible date and a phone the default region cannot read cost the value, not the
    person: each is set aside (kept in the notes) and named on the report row."""
    settings.RUBRICA_DEFAULT_PHONE_REGION = ""
    content = GOOGLE_HEADER + (
        "Ada,Lovelace,1990-02-31,Work,ada@example.com,Mobile,0347 123 4567,,,\r\n"
        "Grace,Hopper,1906-12-09,Work,grace@example.com,,,,,\r\n"
    )
    job = run_import(member, content, "google.csv")
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert outcomes(job) == [(2, "created"), (3, "created")]
    ada = Contact.objects.get(given_name="Ada")
    assert not ada.birthday and ada.primary_email == "ada@example.com"
    assert "1990-02-31" in ada.notes and "0347 123 4567" in ada.notes
    message = ImportRow.objects.get(job=job, line=2).message
    assert "Set aside" in message and "birthday" in message and "phones.0" in message


def test_google_custom_field_columns_matching_no_field_keep_the_row_and_the_values(
    member: Any,
) -> None:
    """A custom field the site does not define ("Ref", "Social security id") is kept with the
    person (in the notes, named on the report row), never the row lost."""
    content = GOOGLE_HEADER + (
        "Ada,Lovelace,,Work,ada@example.com,,,,Ref,A-17\r\n"
        "Grace,Hopper,,Work,grace@example.com,,,,Social security id,123-45-6789\r\n"
    )
    job = run_import(member, content, "google.csv")
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert outcomes(job) == [(2, "created"), (3, "created")]
    assert "Ref: A-17" in Contact.objects.get(given_name="Ada").notes
    assert "123-45-6789" in Contact.objects.get(given_name="Grace").notes
    assert "Ref" in ImportRow.objects.get(job=job, line=2).message


def test_googles_legacy_my_contacts_group_is_not_a_tag(member: Any) -> None:
    content = GOOGLE_HEADER + (
        "Ada,Lovelace,,Work,ada@example.com,,,* My Contacts ::: vip,,\r\n"
        "Grace,Hopper,,Work,grace@example.com,,,* myContacts ::: * Starred,,\r\n"
    )
    job = run_import(member, content, "google.csv")
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert set(Tag.objects.values_list("name", flat=True)) == {"vip", "Starred"}


def test_random_binary_bytes_are_refused_as_csv_naming_the_first_bad_byte(member: Any) -> None:
    import random

    from django.core.exceptions import ValidationError

    rng = random.Random(7)
    noise = bytes(rng.randrange(256) for _ in range(5000))
    noise = b"Name\n" + noise.replace(b"\xef\xbb\xbf", b"")
    first = next(
        i
        for i, byte in enumerate(noise)
        if (byte < 0x20 and byte not in b"\t\n\r\f\v") or 0x7F <= byte <= 0x9F
    )
    try:
        job = run_import(member, noise, "noise.csv", encoding="latin-1")
    except ValidationError as exc:
        text = " ".join(exc.messages)
    else:
        assert job.status == JobStatus.FAILED
        text = job.error
    assert Contact.objects.count() == 0
    assert "not a text file" in text
    assert f"0x{noise[first]:02x} at position {first}" in text


def test_the_default_duplicate_policy_updates_the_matching_person(member: Any) -> None:
    first = run_import(member, CSV, "outlook.csv")
    again = run_import(member, CSV.replace("Engines Ltd", "Engines Ltd"), "outlook.csv")
    assert first.params["on_duplicate"] == again.params["on_duplicate"] == "update"
    assert Contact.objects.filter(given_name="Ada").count() == 1
    assert dict(outcomes(again))[2] in ("updated", "unchanged")
