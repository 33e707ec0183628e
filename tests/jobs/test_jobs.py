"""Background jobs: running, progress, checkpoints, resume after a crash, cancel, and who may see
what — through the services, the web pages, the API and the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import (
    STALE_AFTER,
    job_cancel,
    job_create,
    job_resume,
    job_run,
    jobs_recover,
)

pytestmark = pytest.mark.django_db


def _selftest(user, **params):
    return job_create(
        actor=user, kind="selftest", title="count", params={"steps": 10, "batch": 5, **params}
    )


def test_job_runs_to_success_with_progress_and_result(member):
    job = _selftest(member)
    seen: list[tuple[int, int | None]] = []

    finished = job_run(job.pk, listener=lambda j: seen.append((j.done, j.total)))

    assert finished.status == JobStatus.SUCCEEDED
    assert (finished.done, finished.total) == (10, 10)
    assert finished.result == {"steps": 10, "attempts": 1}
    assert finished.started_at is not None and finished.finished_at is not None
    assert seen[-1] == (10, 10)
    assert (0, 10) in seen


def test_unknown_kind_is_refused_and_nothing_is_created(member):
    with pytest.raises(ValidationError):
        job_create(actor=member, kind="nope", title="x")
    assert Job.objects.count() == 0


def test_enqueue_happens_only_after_commit(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _selftest(member)
    assert len(callbacks) == 1


def test_failed_run_keeps_last_checkpoint_and_resume_continues_from_it(member):
    job = _selftest(member, fail_at=8)

    failed = job_run(job.pk)

    assert failed.status == JobStatus.FAILED
    assert "failing on purpose" in failed.error
    assert failed.checkpoint == {"position": 5}  # the first batch committed, the second did not
    assert failed.done == 5

    job_resume(actor=member, job=failed, enqueue=False)
    resumed = job_run(job.pk)

    assert resumed.status == JobStatus.SUCCEEDED
    assert resumed.result == {"steps": 10, "attempts": 2}
    assert resumed.checkpoint == {"position": 10}


def test_running_job_with_a_dead_process_is_marked_interrupted_and_can_resume(member):
    job = _selftest(member)
    long_ago = timezone.now() - STALE_AFTER - dt.timedelta(seconds=5)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=long_ago, checkpoint={"position": 5}, done=5
    )
    fresh = _selftest(member)
    Job.objects.filter(pk=fresh.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())

    assert jobs_recover() == 1

    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "Interrupted" in job.error
    assert fresh.status == JobStatus.RUNNING
    job_resume(actor=member, job=job, enqueue=False)
    assert job_run(job.pk).status == JobStatus.SUCCEEDED


def test_a_job_running_elsewhere_is_not_run_twice(member):
    job = _selftest(member)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())

    again = job_run(job.pk)

    assert again.status == JobStatus.RUNNING
    assert again.done == 0


def test_cancel_a_queued_job_stops_it_before_it_runs(member):
    job = _selftest(member)

    cancelled = job_cancel(actor=member, job=job)

    assert cancelled.status == JobStatus.CANCELLED
    assert job_run(job.pk).done == 0


def test_cancel_requested_while_running_stops_at_the_next_batch(member):
    job = _selftest(member, steps=20)

    def cancel_after_first_batch(current: Job) -> None:
        if current.checkpoint == {"position": 5} and current.is_active:
            job_cancel(actor=member, job=current)

    result = job_run(job.pk, listener=cancel_after_first_batch)

    assert result.status == JobStatus.CANCELLED
    assert result.checkpoint == {"position": 5}
    assert result.done == 5


def test_another_member_cannot_cancel_or_resume_my_job(member, other_member):
    job = _selftest(member)

    with pytest.raises(PermissionDenied):
        job_cancel(actor=other_member, job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert not job.cancel_requested


def test_resume_of_a_succeeded_job_is_refused(member):
    job = job_run(_selftest(member).pk)
    with pytest.raises(ValidationError):
        job_resume(actor=member, job=job, enqueue=False)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_restrict_shows_own_jobs_to_members_and_all_to_admins(member, other_member, admin_user):
    mine = _selftest(member)
    theirs = _selftest(other_member)

    assert list(Job.objects.restrict(member)) == [mine]
    assert set(Job.objects.restrict(admin_user)) == {mine, theirs}


# Web ----------------------------------------------------------------------------------------


def test_job_page_shows_progress_and_polls_while_active(member_client, member):
    job = _selftest(member)

    page = member_client.get(f"/jobs/{job.pk}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert "Queued" in body


def test_finished_job_partial_stops_polling(member_client, member):
    job = job_run(_selftest(member).pk)

    partial = member_client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})

    body = partial.content.decode()
    assert "hx-trigger" not in body
    assert "<html" not in body
    assert "100%" in body


def test_other_members_job_is_404_on_every_page(client, member, other_member):
    job = _selftest(member)
    job.output.save("report.csv", ContentFile(b"a,b\n"), save=True)
    client.force_login(other_member)

    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/download/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_download_serves_the_output_as_an_attachment(member_client, member):
    job = _selftest(member)
    job.output.save("people.csv", ContentFile(b"name\nAda\n"), save=True)

    response = member_client.get(f"/jobs/{job.pk}/download/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"name\nAda\n"


def test_cancel_and_resume_buttons_post_through_the_services(member_client, member):
    job = _selftest(member)

    member_client.post(f"/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED

    member_client.post(f"/jobs/{job.pk}/resume/")
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


# API ----------------------------------------------------------------------------------------


def test_api_lists_and_shows_own_jobs_only(client, member, other_member):
    from rubrica.accounts.services import token_create

    mine = job_run(_selftest(member).pk)
    _selftest(other_member)
    _token, secret = token_create(actor=member, user=member, name="t")
    auth = {"Authorization": f"Bearer {secret}"}

    listed = client.get("/api/v1/jobs", headers=auth).json()
    one = client.get(f"/api/v1/jobs/{mine.pk}", headers=auth).json()
    other = Job.objects.exclude(pk=mine.pk).get()

    assert [item["id"] for item in listed["items"]] == [mine.pk]
    assert one["status"] == "succeeded"
    assert (one["done"], one["total"]) == (10, 10)
    assert client.get(f"/api/v1/jobs/{other.pk}", headers=auth).status_code == 404
    refused = client.post(f"/api/v1/jobs/{other.pk}/cancel", headers=auth)
    assert refused.status_code == 404
    other.refresh_from_db()
    assert other.status == JobStatus.QUEUED


# CLI ----------------------------------------------------------------------------------------


def test_cli_check_runs_a_job_in_the_foreground(admin_user, capsys):
    call_command("jobs", "--json", "check")

    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "succeeded"
    assert out["result"] == {"steps": 10, "attempts": 1}


def test_cli_resume_runs_a_failed_job_to_the_end(admin_user, capsys):
    job = job_run(_selftest(admin_user, fail_at=8).pk)
    assert job.status == JobStatus.FAILED

    call_command("jobs", "--json", "resume", str(job.pk))

    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "succeeded"
    assert out["done"] == 10


@pytest.mark.django_db(transaction=True)
def test_a_stuck_running_job_is_recovered_by_the_worker_without_a_restart(member):
    """The worker runs recovery periodically: a job left "running" by a crash becomes failed
    (resumable) while the worker runs, without a restart, a page visit or a command."""
    import time

    from rubrica.jobs.worker import RecoveryLoop

    crashed = _selftest(member)
    Job.objects.filter(pk=crashed.pk).update(
        status=JobStatus.RUNNING,
        heartbeat_at=timezone.now() - STALE_AFTER - dt.timedelta(seconds=5),
    )
    loop = RecoveryLoop(interval=0.05)
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if Job.objects.get(pk=crashed.pk).status != JobStatus.RUNNING:
                break
            time.sleep(0.05)
    finally:
        loop.stop()
    crashed.refresh_from_db()
    assert crashed.status == JobStatus.FAILED
    assert "Resume" in crashed.error
    assert loop.passes >= 1
    job_resume(actor=member, job=crashed, enqueue=False)  # and it can be resumed


def test_short_interactive_jobs_go_to_their_own_queue(member, django_capture_on_commit_callbacks):
    """Exports (and other short kinds) are queued apart from long jobs, so that a second worker
    runs them while an import or a revert holds the first."""
    from django_tasks_db.models import DBTaskResult

    from rubrica.dataio.exporting import export_start
    from rubrica.jobs.registry import job_kind
    from rubrica.jobs.tasks import INTERACTIVE_QUEUE

    with django_capture_on_commit_callbacks(execute=True):
        export = export_start(actor=member, format="csv", selection={"ids": []})
        long = _selftest(member)
    queues = dict(
        DBTaskResult.objects.values_list("args_kwargs__args__0", "queue_name").order_by("pk")
    )
    assert queues == {export.pk: INTERACTIVE_QUEUE, long.pk: "default"}
    assert job_kind("export").interactive and not job_kind("import").interactive
    assert not job_kind("import_revert").interactive
