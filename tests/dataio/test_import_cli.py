"""`rubrica import` and `rubrica export` from the command line."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rubrica.contacts.models import Contact
from rubrica.jobs.models import Job
from tests.dataio.import_helpers import card
from tests.factories import make_contact


@pytest.fixture(autouse=True)
def _roots(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def _call(*args: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_runs_in_the_foreground_and_prints_the_counts(member: Any, tmp_path: Any) -> None:
    path = tmp_path / "people.vcf"
    path.write_text(card("urn:uuid:1", "Ada", "Lovelace") + "BEGIN:VCARD\r\nFN\r\nEND:VCARD\r\n")
    from rubrica.kits.cli.base import EXIT_PARTIAL, CliError

    with pytest.raises(CliError) as exc:  # one of two failed: exit 6, counts printed
        _call("import", str(path), "--as", "member")
    assert exc.value.returncode == EXIT_PARTIAL
    job = Job.objects.get(kind="import")
    assert job.result["counts"]["created"] == 1 and job.result["counts"]["failed"] == 1
    assert Contact.objects.get().owner == member


def test_import_with_a_mapping_file_and_update_policy(member: Any, tmp_path: Any) -> None:
    make_contact(member, given_name="Old", emails=[{"label": "", "value": "ada@example.com"}])
    path = tmp_path / "people.csv"
    path.write_text("a,b\r\nAda,ada@example.com\r\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"0": "given_name", "1": "emails[1].value"}))
    _call(
        "import",
        str(path),
        "--mapping",
        str(mapping),
        "--on-duplicate",
        "update",
        "--match",
        "email",
        "--as",
        "member",
    )
    assert list(Contact.objects.values_list("given_name", flat=True)) == ["Ada"]


def test_dry_run_changes_nothing_and_keeps_no_file(member: Any, tmp_path: Any) -> None:
    path = tmp_path / "people.vcf"
    path.write_text(card("urn:uuid:1", "Ada", "Lovelace"))
    out = _call("import", str(path), "--dry-run", "--as", "member")
    assert "Ada Lovelace" in out
    assert "Dry run: nothing was imported." in out
    assert Contact.objects.count() == 0
    assert Job.objects.count() == 0
    assert list((tmp_path / "private" / "imports").iterdir()) == []


def test_report_and_revert_by_job_number(member: Any, tmp_path: Any) -> None:
    path = tmp_path / "people.vcf"
    path.write_text(card("urn:uuid:1", "Ada", "Lovelace"))
    _call("import", str(path), "--as", "member")
    job = Job.objects.get(kind="import")
    report = _call("import", "report", str(job.pk), "--csv", "--as", "member")
    assert report.splitlines()[0] == "line,outcome,record,message"
    assert report.splitlines()[1].startswith("1,created,/people/")
    _call("import", "revert", str(job.pk), "--as", "member")
    assert Contact.objects.count() == 0
    assert Contact.trash.count() == 1


def test_import_of_someone_elses_job_is_not_found(
    member: Any, other_member: Any, tmp_path: Any
) -> None:
    path = tmp_path / "people.vcf"
    path.write_text(card("urn:uuid:1", "Ada", "Lovelace"))
    _call("import", str(path), "--as", "member")
    job = Job.objects.get(kind="import")
    with pytest.raises(CommandError) as exc:
        _call("import", "revert", str(job.pk), "--as", "other")
    assert exc.value.returncode == 1
    assert Job.objects.filter(kind="import_revert").count() == 0


def test_export_writes_the_file(member: Any, tmp_path: Any) -> None:
    make_contact(member, given_name="Ada", tags=["vip"])
    make_contact(member, given_name="Bob")
    target = tmp_path / "out.vcf"
    _call(
        "export", "--format", "vcard4", "--filter", "tag=vip", "-o", str(target), "--as", "member"
    )
    text = target.read_text()
    assert text.count("BEGIN:VCARD") == 1
    assert "FN:Ada" in text


def test_a_mapping_naming_a_column_the_file_lacks_is_refused_and_keeps_nothing(
    member: Any, tmp_path: Any
) -> None:
    path = tmp_path / "people.csv"
    path.write_text("a,b\r\nAda,ada@example.com\r\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"0": "given_name", "2": "emails[1].value"}))
    with pytest.raises(CommandError) as refused:
        _call("import", str(path), "--mapping", str(mapping), "--as", "member")
    assert "mapping.2" in str(refused.value)
    assert "The file has 2 columns, numbered from 0: there is no column 2." in str(refused.value)
    assert Job.objects.count() == 0
    assert Contact.objects.count() == 0
    assert list((tmp_path / "private" / "imports").iterdir()) == []


DRY = (
    "First Name,Last Name,E-mail Address,Notes\r\n"
    "Ada,Lovelace,ada@example.com,\r\n"
    ",,,a note only\r\n"
)


def test_the_dry_run_runs_the_validation_of_the_import_and_shows_whom_rows_match(
    member: Any, tmp_path: Any
) -> None:
    """What the dry run calls ok the import takes, and what it refuses the import refuses: a
    row with no name is no longer "ok"; a row matching someone says whom (the default policy
    updates them)."""
    from rubrica.kits.cli.base import CliError

    make_contact(member, given_name="Old", emails=[{"label": "", "value": "ada@example.com"}])
    path = tmp_path / "people.csv"
    path.write_text(DRY)
    out = _call("import", str(path), "--dry-run", "--json", "--as", "member")
    rows = {row["line"]: row for row in json.loads(out)}
    assert rows[2]["errors"] == [] and rows[2]["match"] == "Matches Old Lovelace by email: updated."
    assert rows[3]["errors"] == ["given_name: Give at least a name, an email or a phone number."]
    with pytest.raises(CliError) as exc:  # the real import agrees (and says so by its exit)
        _call("import", str(path), "--as", "member")
    assert exc.value.returncode == 6
    job = Job.objects.get(kind="import")
    assert job.result["counts"]["failed"] == 1 and job.result["counts"]["updated"] == 1


def test_an_import_where_every_row_failed_does_not_exit_0(member: Any, tmp_path: Any) -> None:
    from rubrica.kits.cli.base import EXIT_ALL_FAILED, EXIT_PARTIAL, CliError

    path = tmp_path / "people.csv"
    path.write_text("First Name,Notes\r\n,a\r\n,b\r\n")
    with pytest.raises(CliError) as exc:
        _call("import", str(path), "--as", "member")
    assert exc.value.returncode == EXIT_ALL_FAILED == 7
    assert EXIT_PARTIAL == 6
    assert Contact.objects.count() == 0


def test_every_command_documents_the_exit_codes_of_jobs() -> None:
    from rubrica.kits.cli.base import EXIT_CODES_HELP

    text = str(EXIT_CODES_HELP)
    for code, words in (("5", "failed"), ("6", "some"), ("7", "every")):
        assert f"  {code}  " in text and words in text
