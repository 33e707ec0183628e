"""The import screens: upload, mapping, preview, start, report, revert; size cap; export menu."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rubrica.contacts.models import Contact
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run
from tests.dataio.import_helpers import run_import
from tests.factories import make_contact


@pytest.fixture(autouse=True)
def _private_root(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


CSV = b"First Name,Last Name,E-mail Address\r\nAda,Lovelace,ada@example.com\r\nBad,Row,nope\r\n"


def _upload(client: Any, content: bytes, name: str = "people.csv") -> Any:
    return client.post(
        "/io/imports/new/",
        {"file": SimpleUploadedFile(name, content), "format": "", "encoding": ""},
    )


def test_a_csv_goes_through_mapping_preview_and_report(member_client: Any, member: Any) -> None:
    response = _upload(member_client, CSV)
    assert response.status_code == 302
    mapping_url = response["Location"]
    assert mapping_url.endswith("/mapping/")
    page = member_client.get(mapping_url)
    assert page.status_code == 200
    assert b'name="column-0"' in page.content
    response = member_client.post(
        mapping_url,
        {"column-0": "given_name", "column-1": "family_name", "column-2": "emails[1].value"},
    )
    preview_url = response["Location"]
    assert preview_url.endswith("/preview/")
    page = member_client.get(preview_url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ada Lovelace" in text
    assert "line 3" in text
    response = member_client.post(preview_url, {"on_duplicate": "create", "match": "email"})
    job = Job.objects.get(kind="import")
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.params["mapping"] == {"0": "given_name", "1": "family_name", "2": "emails[1].value"}
    job = job_run(job.pk)
    assert job.status == JobStatus.SUCCEEDED
    page = member_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Download report (CSV)" in page
    assert "Revert this import" in page
    report = member_client.get(f"/io/imports/{job.pk}/report.csv")
    assert report["Content-Disposition"] == f'attachment; filename="import-{job.pk}-report.csv"'
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    ada = Contact.objects.get(given_name="Ada")
    assert rows[0] == ["line", "outcome", "record", "message"]
    assert rows[1] == ["2", "created", f"http://testserver/people/{ada.pk}/", ""]
    bad = Contact.objects.get(given_name="Bad")  # the bad email set aside, not the person
    assert rows[2][:3] == ["3", "created", f"http://testserver/people/{bad.pk}/"]
    assert rows[2][3].startswith("Set aside (kept in the notes): ")
    assert 'line 3, column "E-mail Address"' in rows[2][3]
    response = member_client.post(f"/io/imports/{job.pk}/revert/")
    revert = Job.objects.get(kind="import_revert")
    assert response["Location"] == f"/jobs/{revert.pk}/"
    job_run(revert.pk)
    assert Contact.objects.count() == 0
    assert Contact.trash.count() == 2


def test_a_file_over_the_size_cap_is_refused_and_not_kept(
    member_client: Any, settings: Any, tmp_path: Any
) -> None:
    settings.RUBRICA_IMPORT_MAX_BYTES = 10
    response = _upload(member_client, CSV)
    assert response.status_code == 200
    assert "imports are limited to 0 MB" in response.content.decode()
    assert list((tmp_path / "private" / "imports").iterdir()) == []


def test_a_file_in_no_known_format_is_refused(member_client: Any) -> None:
    response = _upload(member_client, b"\x00\x01binary", "photo.png")
    assert (
        "Rubrica reads vCard (.vcf), CSV, Excel (.xlsx) and JSON files."
        in response.content.decode()
    )
    assert Job.objects.count() == 0


def test_a_draft_of_another_person_is_not_found(
    client: Any, member: Any, other_member: Any
) -> None:
    client.force_login(member)
    location = _upload(client, CSV)["Location"]
    client.force_login(other_member)
    assert client.get(location).status_code == 404


def test_another_person_cannot_read_the_report_or_revert(
    client: Any, member: Any, other_member: Any
) -> None:
    job = run_import(member, CSV, "people.csv")
    client.force_login(other_member)
    assert client.get(f"/io/imports/{job.pk}/report.csv").status_code == 404
    assert client.post(f"/io/imports/{job.pk}/revert/").status_code == 404
    assert Job.objects.filter(kind="import_revert").count() == 0


def test_the_report_neutralises_formulas(member: Any) -> None:
    from rubrica.dataio.imports.report import report_csv

    job = run_import(member, b"First Name,E-mail Address\r\n=HYPERLINK(1),nope\r\n", "x.csv")
    rows = list(csv.reader(io.StringIO(report_csv(job))))
    assert rows[1][3][0] not in "=+-@"


def test_the_people_list_offers_import_and_export(member_client: Any) -> None:
    page = member_client.get("/people/").content.decode()
    assert 'href="/io/imports/new/"' in page
    assert 'action="/io/exports/new/"' in page


def test_export_from_the_list_uses_the_selected_rows(member_client: Any, member: Any) -> None:
    one = make_contact(member, given_name="One")
    make_contact(member, given_name="Two")
    response = member_client.post(
        "/io/exports/new/",
        {"format": "json", "query": "", "selected": [str(one.pk)], "only_selected": "1"},
    )
    job = Job.objects.get(kind="export")
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.params == {"format": "json", "selection": {"ids": [one.pk]}}


def test_export_from_the_list_uses_the_current_filters(member_client: Any) -> None:
    member_client.post("/io/exports/new/", {"format": "vcard4", "query": "q=ada&cursor=abc"})
    assert Job.objects.get(kind="export").params["selection"] == {"filters": {"q": "ada"}}


def test_the_person_page_downloads_a_vcard(
    member_client: Any, member: Any, other_member: Any
) -> None:
    ada = make_contact(member, given_name="Ada", family_name="Lovelace")
    response = member_client.get(f"/io/people/{ada.pk}/vcard/")
    assert response["Content-Disposition"] == 'attachment; filename="Ada_Lovelace.vcf"'
    assert "FN:Ada Lovelace" in response.content.decode()
    hidden = make_contact(other_member, given_name="Hidden", visibility="private")
    assert member_client.get(f"/io/people/{hidden.pk}/vcard/").status_code == 404


def test_the_preview_shows_whom_rows_match_and_the_values_set_aside(
    member_client: Any, member: Any
) -> None:
    from tests.factories import make_contact

    make_contact(member, given_name="Old", emails=[{"label": "", "value": "ada@example.com"}])
    content = (
        b"First Name,Last Name,E-mail Address,Birthday\r\n"
        b"Ada,Lovelace,ada@example.com,\r\n"
        b"Grace,Hopper,grace@example.com,1990-02-31\r\n"
    )
    response = _upload(member_client, content)
    mapping_url = response["Location"]
    response = member_client.post(
        mapping_url,
        {
            "column-0": "given_name",
            "column-1": "family_name",
            "column-2": "emails[1].value",
            "column-3": "birthday",
        },
    )
    text = member_client.get(response["Location"]).content.decode()
    assert "Matches Old Lovelace by email: updated." in text
    assert "Set aside" in text and "This date does not exist." in text
