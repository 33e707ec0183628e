"""The job kinds registry: the apps register their kinds and file sweepers at start-up, the engine
runs whatever is registered, and a kind nobody registered fails loudly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from rubrica.jobs import registry
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.registry import FileSweeper, JobKind, register_file_sweeper, register_job_kind
from rubrica.jobs.services import (
    Progress,
    files_purge,
    job_create,
    job_resume,
    job_run,
    jobs_purge_files,
)


@pytest.fixture
def scratch() -> Iterator[None]:
    """Registrations made by a test are forgotten after it."""
    kinds, sweepers = registry.JOB_KINDS, registry.FILE_SWEEPERS
    with kinds.isolated(*kinds), sweepers.isolated(*sweepers):
        yield


def test_the_apps_register_their_kinds_and_sweepers() -> None:
    kinds = {kind.key: kind for kind in registry.job_kinds()}
    assert set(kinds) == {
        "selftest",
        "dedup_scan",
        "quality_clean",
        "quality_report",
        "import",
        "import_revert",
        "export",
        "mail_import",
        "mail_fetch",
        "mail_send",
        "keys_reseal",
        "backup",
        "backup_verify",
        "privacy_retention",
        "cadence_refresh",
    }
    assert kinds["import"].on_success is not None
    assert kinds["import"].discard_private_files is not None
    assert [k for k, kind in kinds.items() if kind.discard_private_files] == [
        "mail_import",
        "import",
    ]
    assert [k for k, kind in kinds.items() if kind.on_success] == ["import"]
    assert {sweeper.key for sweeper in registry.file_sweepers()} == {
        "contacts.photo_stash",
        "documents.orphans",
        "dataio.import_drafts",
        "backups.leftovers",
    }


def test_a_kind_nobody_registered_fails_loudly() -> None:
    with pytest.raises(ImproperlyConfigured, match="No job kind 'nope' is registered"):
        registry.job_kind("nope")
    assert not registry.is_job_kind("nope")


@pytest.mark.django_db
def test_a_job_whose_kind_is_no_longer_registered_fails_saying_so(
    member: Any, scratch: None
) -> None:
    register_job_kind(JobKind(key="gone", run=lambda job, progress: {}))
    job = job_create(actor=member, kind="gone", title="t", enqueue=False)
    registry.JOB_KINDS.unregister("gone")

    job = job_run(job.pk)

    assert job.status == JobStatus.FAILED
    assert "No job kind 'gone' is registered" in job.error


def test_a_key_taken_by_another_entry_is_refused_and_the_same_entry_again_is_harmless(
    scratch: None,
) -> None:
    def run(job: Job, progress: Progress) -> dict[str, Any]:
        return {}

    kind = JobKind(key="twice", run=run)
    register_job_kind(kind)
    register_job_kind(JobKind(key="twice", run=run))  # ready() running again
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        register_job_kind(JobKind(key="twice", run=lambda job, progress: {}))
    assert registry.job_kind("twice") == kind

    def sweep(*, older_than: dt.timedelta) -> int:
        return 0

    register_file_sweeper(FileSweeper(key="twice", sweep=sweep))
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        register_file_sweeper(FileSweeper(key="twice", sweep=lambda *, older_than: 1))


@pytest.mark.django_db
def test_the_engine_runs_a_kind_registered_by_a_test_with_its_hooks(
    member: Any, scratch: None
) -> None:
    calls: list[tuple[str, int]] = []

    def run(job: Job, progress: Progress) -> dict[str, Any]:
        progress.set_total(3)
        progress.advance(3)
        return {"echo": job.params["say"]}

    def after(job: Job) -> None:
        calls.append(("after", job.pk))

    def discard(job: Job) -> bool:
        calls.append(("discard", job.pk))
        return True

    register_job_kind(JobKind(key="echo", run=run, on_success=after, discard_private_files=discard))

    job = job_run(
        job_create(actor=member, kind="echo", title="t", params={"say": "hi"}, enqueue=False).pk
    )

    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"echo": "hi"}
    assert (job.done, job.total) == (3, 3)
    assert calls == [("after", job.pk)]

    Job.objects.filter(pk=job.pk).update(finished_at=job.finished_at - dt.timedelta(days=40))
    assert jobs_purge_files(older_than=dt.timedelta(days=30)) == 1
    assert calls[-1] == ("discard", job.pk)
    job = Job.objects.get(pk=job.pk)
    assert job.result["file_expired"] is True


@pytest.mark.django_db
def test_a_failing_after_success_hook_leaves_the_job_succeeded(member: Any, scratch: None) -> None:
    def broken(job: Job) -> None:
        raise RuntimeError("boom")

    register_job_kind(JobKind(key="hooked", run=lambda job, progress: {}, on_success=broken))

    job = job_run(job_create(actor=member, kind="hooked", title="t", enqueue=False).pk)

    assert job.status == JobStatus.SUCCEEDED


@pytest.mark.django_db
def test_a_kind_with_private_files_cannot_resume_once_they_expired(
    member: Any, scratch: None
) -> None:
    from django.core.exceptions import ValidationError

    def fail(job: Job, progress: Progress) -> dict[str, Any]:
        raise ValidationError("no")

    register_job_kind(JobKind(key="private", run=fail, discard_private_files=lambda job: True))
    register_job_kind(JobKind(key="public", run=fail))
    for key in ("private", "public"):
        job = job_run(job_create(actor=member, kind=key, title="t", enqueue=False).pk)
        Job.objects.filter(pk=job.pk).update(result={"file_expired": True})
        job = Job.objects.get(pk=job.pk)
        if key == "private":
            with pytest.raises(ValidationError, match="expired"):
                job_resume(actor=member, job=job, enqueue=False)
        else:
            assert job_resume(actor=member, job=job, enqueue=False).status == JobStatus.QUEUED


@pytest.mark.django_db
def test_files_purge_runs_every_registered_sweeper_with_the_age(scratch: None) -> None:
    seen: list[dt.timedelta] = []

    def sweep(*, older_than: dt.timedelta) -> int:
        seen.append(older_than)
        return 0

    register_file_sweeper(FileSweeper(key="test.sweeper", sweep=sweep))

    assert files_purge(older_than=dt.timedelta(days=7)) == 0

    assert seen == [dt.timedelta(days=7)]
