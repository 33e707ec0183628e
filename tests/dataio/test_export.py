"""Export jobs: only what the person may see, in each format, safe for spreadsheets."""

from __future__ import annotations

from typing import Any

import pytest

from rubrica.dataio.exporting import export_start
from rubrica.dataio.vcard import parse
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run
from tests.factories import make_contact


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"


def _run(actor: Any, fmt: str, selection: dict[str, Any]) -> Job:
    job = job_run(export_start(actor=actor, format=fmt, selection=selection, enqueue=False).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def _people(member: Any, other_member: Any) -> dict[str, Any]:
    return {
        "mine": make_contact(member, given_name="Mine", visibility="private"),
        "shared": make_contact(other_member, given_name="Shared", visibility="everyone"),
        "hidden": make_contact(other_member, given_name="Hidden", visibility="private"),
    }


def _uids(job: Job) -> set[str]:
    with job.output.open("rb") as handle:
        result = parse(handle.read())
    return {p.value for card in result.cards for p in card.properties if p.key == "UID"}


def test_an_export_holds_exactly_the_people_its_owner_may_see(
    member: Any, other_member: Any
) -> None:
    people = _people(member, other_member)
    job = _run(member, "vcard4", {"filters": {}})
    assert _uids(job) == {people["mine"].uid, people["shared"].uid}
    assert job.result["count"] == 2


def test_an_export_of_chosen_ids_leaves_out_ids_the_owner_may_not_see(
    member: Any, other_member: Any
) -> None:
    people = _people(member, other_member)
    ids = [people["hidden"].pk, people["shared"].pk]
    job = _run(member, "vcard3", {"ids": ids})
    assert _uids(job) == {people["shared"].uid}


def test_an_export_follows_the_people_list_filters(member: Any, other_member: Any) -> None:
    people = _people(member, other_member)
    job = _run(member, "vcard4", {"filters": {"owner": str(member.pk)}})
    assert _uids(job) == {people["mine"].uid}


def test_an_unknown_format_or_selection_is_refused_with_the_field(member: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        export_start(actor=member, format="pdf", selection={"ids": []}, enqueue=False)
    assert list(exc.value.message_dict) == ["format"]
    with pytest.raises(ValidationError) as exc:
        export_start(actor=member, format="csv", selection={"everything": True}, enqueue=False)
    assert list(exc.value.message_dict) == ["selection"]
    assert Job.objects.count() == 0


def test_the_download_is_only_for_who_may_view_the_job(
    client: Any, member: Any, other_member: Any
) -> None:
    _people(member, other_member)
    job = _run(member, "vcard4", {"filters": {}})
    client.force_login(other_member)
    assert client.get(f"/io/exports/{job.pk}/download/").status_code == 404
    client.force_login(member)
    response = client.get(f"/io/exports/{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="rubrica-people-')
    assert b"BEGIN:VCARD" in b"".join(response.streaming_content)


def _text(job: Job) -> str:
    with job.output.open("rb") as handle:
        return handle.read().decode("utf-8-sig")


def test_csv_export_neutralises_formulas_but_keeps_phone_numbers(member: Any) -> None:
    import csv
    import io

    make_contact(
        member,
        given_name='=HYPERLINK("http://evil")',
        family_name="@SUM(1)",
        phones=[{"label": "mobile", "value": "+39 347 123 4567"}],
    )
    job = _run(member, "csv", {"filters": {}})
    rows = list(csv.DictReader(io.StringIO(_text(job))))
    assert len(rows) == 1
    values = [v for v in rows[0].values() if v]
    assert '\'=HYPERLINK("http://evil")' in values
    assert "'@SUM(1)" in values
    assert "+39 347 123 4567" in values
    assert not any(v.startswith(("=", "@")) for v in values)


def test_xlsx_export_writes_formula_text_as_plain_strings(member: Any) -> None:
    from openpyxl import load_workbook

    make_contact(member, given_name="=1+1", family_name="Plain")
    job = _run(member, "xlsx", {"filters": {}})
    with job.output.open("rb") as handle:
        sheet = load_workbook(handle, read_only=True).active
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value]
    given = next(c for c in cells if c.value == "=1+1")
    assert given.data_type == "s"


def test_a_csv_export_imports_back_unchanged(member: Any) -> None:
    from rubrica.contacts.models import Contact
    from rubrica.history.models import HistoryEntry
    from tests.dataio.import_helpers import outcomes, run_import

    make_contact(
        member,
        given_name="Zoë",
        family_name="O'Brien",
        tags=["golf", "vip"],
        emails=[{"label": "work", "value": "zoe@example.com", "is_preferred": True}],
        phones=[{"label": "mobile", "value": "+39 347 123 4567"}],
        addresses=[{"label": "home", "street": "Via Roma 1", "city": "Milano", "country": "Italy"}],
        notes="two\nlines",
    )
    job = _run(member, "csv", {"filters": {}})
    entries = HistoryEntry.objects.count()
    again = run_import(
        member, _text(job).encode(), "export.csv", on_duplicate="update", match="external_id"
    )
    assert outcomes(again) == [(2, "unchanged")]
    assert HistoryEntry.objects.count() == entries
    assert Contact.objects.count() == 1


def test_json_and_vcard_exports_import_back_unchanged(member: Any) -> None:
    from rubrica.contacts.models import Contact
    from tests.dataio.import_helpers import outcomes, run_import

    make_contact(
        member,
        given_name="Ada",
        family_name="Lovelace",
        emails=[{"label": "home", "value": "ada@example.com"}],
        birthday="1815-12-10",
    )
    for fmt, name in (("json", "export.json"), ("vcard4", "export.vcf"), ("vcard3", "e.vcf")):
        job = _run(member, fmt, {"filters": {}})
        with job.output.open("rb") as handle:
            content = handle.read()
        again = run_import(member, content, name, on_duplicate="update", match="uid")
        assert [o for _l, o in outcomes(again)] == ["unchanged"], fmt
    assert Contact.objects.count() == 1


def test_a_segment_export_holds_its_members_the_owner_may_see(
    member: Any, other_member: Any
) -> None:
    from rubrica.segments.services import segment_add_members, segment_create

    people = _people(member, other_member)
    make_contact(member, given_name="Outside")
    segment = segment_create(actor=member, data={"name": "Picked", "kind": "static"})
    segment_add_members(
        actor=member, segment=segment, contacts=[people["mine"].pk, people["shared"].pk]
    )
    job = _run(member, "vcard4", {"segment": segment.pk})
    assert _uids(job) == {people["mine"].uid, people["shared"].uid}


def test_an_export_is_kept_privately_with_an_unguessable_name_readable_by_the_owner_only(
    member: Any, settings: Any
) -> None:
    """Exports are not under MEDIA_ROOT (nothing serves them but the permission-checked
    download), their path holds at least 128 random bits, and the file is 0600 in 0700
    folders."""
    import stat
    from pathlib import Path

    make_contact(member, given_name="Ada")
    first, second = _run(member, "csv", {"filters": {}}), _run(member, "csv", {"filters": {}})
    path = Path(first.output.path).resolve()
    private = Path(settings.RUBRICA_PRIVATE_ROOT).resolve()
    assert private in path.parents
    assert Path(settings.MEDIA_ROOT).resolve() not in path.parents
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.csv"))
    token = first.output.name.split("/")[0]
    assert len(token) >= 22 and token != second.output.name.split("/")[0]
    assert first.result["filename"].startswith("rubrica-people-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in path.parents:
        if folder == private:
            break
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
