"""/api/v1/imports and /api/v1/exports."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rubrica.contacts.models import Contact
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_run
from tests.dataio.import_helpers import bearer, card
from tests.factories import make_contact


@pytest.fixture(autouse=True)
def _roots(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_upload_starts_an_import_job_with_its_report_and_revert(
    client: Any, member: Any
) -> None:
    headers = bearer(member)
    text = card("urn:uuid:1", "Ada", "Lovelace") + "BEGIN:VCARD\r\nFN\r\nEND:VCARD\r\n"
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("people.vcf", text.encode()), "on_duplicate": "skip"},
        **headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"]) == ("import", "queued")
    job = Job.objects.get(pk=body["id"])
    assert (job.params["format"], job.params["on_duplicate"], job.params["match"]) == (
        "vcard",
        "skip",
        "uid",
    )
    job_run(job.pk)
    status = client.get(f"/api/v1/imports/{job.pk}", **headers).json()
    assert status["status"] == "succeeded"
    assert status["counts"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "failed": 1,
    }
    report = client.get(status["report_url"], **headers)
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    assert [row[:2] for row in rows] == [["line", "outcome"], ["1", "created"], ["7", "failed"]]
    revert = client.post(f"/api/v1/imports/{job.pk}/revert", **headers)
    assert revert.status_code == 201
    job_run(revert.json()["id"])
    assert Contact.objects.count() == 0
    again = client.post(f"/api/v1/imports/{job.pk}/revert", **headers)
    assert again.status_code == 422


def test_a_bad_option_is_a_422_naming_the_field_and_keeps_nothing(
    client: Any, member: Any, tmp_path: Any
) -> None:
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("a.csv", b"a\r\n1\r\n"), "mapping": "{not json"},
        **bearer(member),
    )
    assert response.status_code == 422
    assert "mapping" in response.json()["errors"]
    assert Job.objects.count() == 0


def test_a_file_over_the_cap_is_refused(client: Any, member: Any, settings: Any) -> None:
    settings.RUBRICA_IMPORT_MAX_BYTES = 5
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("a.csv", b"a,b\r\n1,2\r\n")},
        **bearer(member),
    )
    assert response.status_code == 422
    assert "imports are limited to" in response.json()["errors"]["file"]


def test_another_persons_import_is_not_found(client: Any, member: Any, other_member: Any) -> None:
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("p.vcf", card("urn:uuid:1", "A", "B").encode())},
        **bearer(member),
    )
    job_id = response.json()["id"]
    other = bearer(other_member)
    assert client.get(f"/api/v1/imports/{job_id}", **other).status_code == 404
    assert client.get(f"/api/v1/imports/{job_id}/report", **other).status_code == 404
    assert client.post(f"/api/v1/imports/{job_id}/revert", **other).status_code == 404


def test_an_export_job_and_its_download(client: Any, member: Any, other_member: Any) -> None:
    mine = make_contact(member, given_name="Mine", visibility="private")
    make_contact(other_member, given_name="Hidden", visibility="private")
    headers = bearer(member)
    response = client.post(
        "/api/v1/exports",
        {"format": "vcard4", "selection": {"filters": {}}},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    job_run(job_id)
    download = client.get(f"/api/v1/exports/{job_id}/download", **headers)
    text = b"".join(download.streaming_content).decode()
    assert text.count("BEGIN:VCARD") == 1
    assert f"UID:{mine.uid}" in text
    assert (
        client.get(f"/api/v1/exports/{job_id}/download", **bearer(other_member)).status_code == 404
    )
