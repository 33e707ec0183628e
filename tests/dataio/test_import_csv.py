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
    assert outcomes(job) == [(2, "created"), (3, "failed"), (4, "created")]
    message = ImportRow.objects.get(job=job, line=3).message
    assert message.startswith('line 3, column "E-mail Address"')
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
    assert outcomes(job) == [(2, "created"), (3, "failed")]
    assert Contact.objects.get().primary_email == "ada@example.com"


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
