"""Files of jobs are cleaned up: an import's upload goes once the import succeeded (a failed one
keeps it so that resume works), and `rubrica jobs purge` deletes the files of old jobs while the
jobs stay, after which the downloads say "This file has expired" instead of failing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rubrica.contacts.models import Contact
from rubrica.dataio.exporting import export_start
from rubrica.dataio.imports.services import import_revert
from rubrica.dataio.imports.uploads import stored_path
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_create, job_resume, job_run, jobs_purge_files
from rubrica.kits.cli.base import CliError
from tests.dataio.import_helpers import card, start_import
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
PEOPLE = "".join(card(f"urn:uuid:{i}", f"P{i}", "Files") for i in range(5))


@pytest.fixture(autouse=True)
def _roots(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.RUBRICA_JOB_FILES_DAYS = 30


class Crash(Exception):
    """Stands for the process dying inside a batch."""


def _upload(job: Job) -> Path:
    return stored_path(job.params)


def _age(job: Job, days: int) -> Job:
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=days))
    return Job.objects.get(pk=job.pk)


def _export(member: Any) -> Job:
    job = job_run(
        export_start(actor=member, format="csv", selection={"filters": {}}, enqueue=False).pk
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.output
    return job


def _failed_import(member: Any) -> Job:
    job = start_import(member, PEOPLE, batch_size=2)

    crashes: list[int] = []

    def die_after_first_batch(current: Job) -> None:
        if current.checkpoint.get("line", 0) > 7 and not crashes:  # in the 2nd batch
            crashes.append(current.pk)
            raise Crash

    failed = job_run(job.pk, listener=die_after_first_batch)
    assert failed.status == JobStatus.FAILED
    return failed


# After success ------------------------------------------------------------------------------


def test_the_upload_is_deleted_once_the_import_succeeded(member: Any) -> None:
    job = start_import(member, PEOPLE)
    upload = _upload(job)
    assert upload.is_file()

    finished = job_run(job.pk)

    assert finished.status == JobStatus.SUCCEEDED
    assert not upload.exists()
    assert Contact.objects.count() == 5
    assert finished.result["counts"]["created"] == 5


def test_a_failed_import_keeps_its_upload_and_resumes_then_drops_it(member: Any) -> None:
    failed = _failed_import(member)
    upload = _upload(failed)
    assert upload.is_file()
    assert Contact.objects.count() == 2

    job_resume(actor=member, job=failed, enqueue=False)
    finished = job_run(failed.pk)

    assert finished.status == JobStatus.SUCCEEDED
    assert sorted(Contact.objects.values_list("given_name", flat=True)) == [
        f"P{i}" for i in range(5)
    ]
    assert not upload.exists()


def test_report_and_revert_work_after_the_upload_is_gone(member_client: Any, member: Any) -> None:
    finished = job_run(start_import(member, PEOPLE).pk)
    assert not _upload(finished).exists()

    report = member_client.get(reverse("dataio:import_report", args=[finished.pk]))
    revert = job_run(import_revert(actor=member, job=finished, enqueue=False).pk)

    assert report.status_code == 200
    assert report.content.decode().count("created") == 5
    assert revert.status == JobStatus.SUCCEEDED
    assert Contact.objects.count() == 0


# Purge --------------------------------------------------------------------------------------


def test_purge_deletes_only_the_files_of_old_jobs_and_keeps_the_jobs(member: Any) -> None:
    make_contact(member, given_name="Ada")
    old_export = _age(_export(member), 31)
    new_export = _age(_export(member), 29)
    old_failed = _age(_failed_import(member), 31)
    new_failed = _age(_failed_import(member), 2)
    old_output = Path(old_export.output.path)
    new_output = Path(new_export.output.path)
    old_upload, new_upload = _upload(old_failed), _upload(new_failed)

    count = jobs_purge_files(older_than=dt.timedelta(days=30))

    assert count == 2
    assert not old_output.exists()
    assert not old_upload.exists()
    assert new_output.is_file()
    assert new_upload.is_file()
    old_export.refresh_from_db()
    old_failed.refresh_from_db()
    new_export.refresh_from_db()
    assert (old_export.output.name, old_export.result["file_expired"]) == ("", True)
    assert old_export.result["count"] == 1
    assert old_failed.result == {"file_expired": True}
    assert old_failed.status == JobStatus.FAILED
    assert "file_expired" not in new_export.result
    assert new_export.output
    assert Job.objects.count() == 4
    assert jobs_purge_files(older_than=dt.timedelta(days=30)) == 0


def test_purge_leaves_running_jobs_alone(member: Any) -> None:
    job = job_create(actor=member, kind="selftest", title="t", enqueue=False)
    job.output.save("x.csv", ContentFile(b"x"), save=True)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    path = Path(job.output.path)

    assert jobs_purge_files(older_than=dt.timedelta(days=0)) == 0
    assert path.is_file()


def test_an_old_import_stays_revertible_after_the_purge(member: Any) -> None:
    finished = _age(job_run(start_import(member, PEOPLE).pk), 60)
    jobs_purge_files(older_than=dt.timedelta(days=30))

    revert = job_run(import_revert(actor=member, job=finished, enqueue=False).pk)

    assert revert.status == JobStatus.SUCCEEDED
    assert Contact.objects.count() == 0


def test_download_of_an_expired_export_says_so_on_every_door(
    client: Any, member_client: Any, member: Any
) -> None:
    from rubrica.accounts.services import token_create

    make_contact(member)
    job = _age(_export(member), 31)
    jobs_purge_files(older_than=dt.timedelta(days=30))
    _token, secret = token_create(actor=member, user=member, name="t")
    auth = {"Authorization": f"Bearer {secret}"}

    web = member_client.get(reverse("dataio:export_download", args=[job.pk]))
    generic = member_client.get(reverse("jobs:download", args=[job.pk]))
    page = member_client.get(job.get_absolute_url())
    api = client.get(f"/api/v1/exports/{job.pk}/download", headers=auth)
    api_jobs = client.get(f"/api/v1/jobs/{job.pk}/download", headers=auth)

    for response in (web, generic):
        assert response.status_code == 404
        assert "This file has expired" in response.content.decode()
        assert "30 days after the job ended" in response.content.decode()
    assert page.status_code == 200
    assert "This file has expired" in page.content.decode()
    assert "Download the export" not in page.content.decode()
    for response in (api, api_jobs):
        assert response.status_code == 404
        assert response.json()["detail"].startswith("This file has expired")


def test_a_download_whose_file_vanished_says_expired_not_500(
    member_client: Any, member: Any
) -> None:
    make_contact(member)
    job = _export(member)
    Path(job.output.path).unlink()

    response = member_client.get(reverse("dataio:export_download", args=[job.pk]))

    assert response.status_code == 404
    assert "This file has expired" in response.content.decode()


def test_a_job_that_never_had_a_file_is_still_a_plain_404(member_client: Any, member: Any) -> None:
    job = job_run(job_create(actor=member, kind="selftest", title="t", enqueue=False).pk)

    response = member_client.get(reverse("jobs:download", args=[job.pk]))

    assert response.status_code == 404
    assert "This file has expired" not in response.content.decode()


# CLI ----------------------------------------------------------------------------------------


def test_cli_purge_uses_the_setting_by_default_and_reports_the_count(
    admin_user: Any, settings: Any, capsys: Any
) -> None:
    make_contact(admin_user)
    settings.RUBRICA_JOB_FILES_DAYS = 10
    old = _age(_export(admin_user), 11)
    recent = _age(_export(admin_user), 3)

    call_command("jobs", "purge")

    assert capsys.readouterr().out.strip() == (
        "Deleted the files of 1 job that ended 10 days ago or more."
    )
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.output
    assert recent.output


def test_cli_purge_older_than_overrides_and_prints_json(admin_user: Any, capsys: Any) -> None:
    make_contact(admin_user)
    _age(_export(admin_user), 3)
    _age(_export(admin_user), 5)

    call_command("jobs", "--json", "purge", "--older-than", "2")

    assert json.loads(capsys.readouterr().out) == {"purged": 2, "days": 2}
    assert Job.objects.filter(output="").count() == 2


def test_cli_purge_refuses_negative_days(admin_user: Any) -> None:
    with pytest.raises(CliError) as raised:
        call_command("jobs", "purge", "--older-than", "-1")

    assert "Enter a number of days from 0 to 36500." in str(raised.value)


def test_cli_purge_refuses_a_century_and_more(admin_user: Any) -> None:
    with pytest.raises(CliError) as raised:
        call_command("jobs", "purge", "--older-than", "99999999")

    assert "older-than" in str(raised.value)


def test_a_purged_import_cannot_be_resumed_and_a_resumed_one_is_not_purged(member: Any) -> None:
    expired = _age(_failed_import(member), 31)
    resumed = _age(_failed_import(member), 31)
    job_resume(actor=member, job=resumed, enqueue=False)  # queued again before the purge

    assert jobs_purge_files(older_than=dt.timedelta(days=30)) == 1

    assert _upload(resumed).is_file()
    assert Job.objects.get(pk=resumed.pk).status == JobStatus.QUEUED
    with pytest.raises(ValidationError) as refused:
        job_resume(actor=member, job=expired, enqueue=False)
    assert "expired" in str(refused.value)
    assert Job.objects.get(pk=expired.pk).status == JobStatus.FAILED


def test_purge_deletes_old_uploads_no_import_refers_to(member: Any, admin_user: Any) -> None:
    import io
    import os
    import time

    from rubrica.dataio.imports.uploads import private_root, store_upload

    draft = store_upload(actor=member, stream=io.BytesIO(PEOPLE.encode()), filename="a.vcf")
    fresh = store_upload(actor=member, stream=io.BytesIO(PEOPLE.encode()), filename="b.vcf")
    failed = _failed_import(member)
    long_ago = time.time() - 40 * 86400
    for path in (private_root() / draft.path, _upload(failed)):
        os.utime(path, (long_ago, long_ago))

    call_command("jobs", "purge")

    assert not (private_root() / draft.path).exists()  # old, and no import refers to it
    assert (private_root() / fresh.path).is_file()  # recent: the person may be mapping it
    assert _upload(failed).is_file()  # its job finished just now: not yet purged
