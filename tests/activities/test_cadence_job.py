"""A tag's cadence set on (or removed from) more people than ``CADENCE_INLINE_LIMIT`` is stored
on them by a resumable background job with progress, not in the request."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rubrica.activities import services
from rubrica.activities.models import KeepInTouch
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.running import job_run
from rubrica.taxonomy.models import Tag
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(monkeypatch, member):  # type: ignore[no-untyped-def]
    """Five people tagged "customer", above a limit of three."""
    monkeypatch.setattr(services, "CADENCE_INLINE_LIMIT", 3)
    people = [make_contact(member, given_name=f"P{i}", tags=["customer"]) for i in range(5)]
    return Tag.objects.get(name="customer"), people


def effective(people):  # type: ignore[no-untyped-def]
    rows = KeepInTouch.objects.filter(contact__in=people).order_by("contact_id")
    return [(r.contact_id, r.ideal_days, r.max_days, r.source_tag_id) for r in rows]


def test_a_few_people_get_the_cadence_at_once(admin_user, member):
    people = [make_contact(member, given_name=f"P{i}", tags=["customer"]) for i in range(3)]
    tag = Tag.objects.get(name="customer")

    cadence = services.tag_cadence_set(actor=admin_user, tag=tag, ideal_days=30, max_days=45)

    assert cadence.refresh_job is None
    assert len(effective(people)) == 3
    assert not Job.objects.filter(kind=services.CADENCE_JOB).exists()


def test_many_people_get_the_cadence_from_a_job_with_progress(admin_user, many):
    tag, people = many

    cadence = services.tag_cadence_set(actor=admin_user, tag=tag, ideal_days=30, max_days=45)

    job = cadence.refresh_job
    assert job is not None and job.status == JobStatus.QUEUED and job.kind == "cadence_refresh"
    assert effective(people) == []  # nothing written in the request

    job = job_run(job.pk)

    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.result["people"]) == (5, 5, 5)
    assert effective(people) == [(p.pk, 30, 45, tag.pk) for p in people]


def test_a_killed_job_resumes_from_its_checkpoint(admin_user, many):
    tag, people = many
    job = services.tag_cadence_set(
        actor=admin_user, tag=tag, ideal_days=30, max_days=45
    ).refresh_job
    assert job is not None
    # as if killed after a batch of two and queued again by recovery: its checkpoint says so
    services.refresh_cadences([people[0].pk, people[1].pk])
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.QUEUED, checkpoint={"after": people[1].pk, "done": 2, "written": 2}
    )

    job = job_run(job.pk)

    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.result["written"]) == (5, 5, 5)
    assert effective(people) == [(p.pk, 30, 45, tag.pk) for p in people]


def test_removing_the_cadence_of_many_people_runs_as_a_job_too(admin_user, many):
    tag, people = many
    job_run(
        services.tag_cadence_set(
            actor=admin_user, tag=tag, ideal_days=30, max_days=45
        ).refresh_job.pk
    )
    assert len(effective(people)) == 5

    job = services.tag_cadence_clear(actor=admin_user, tag=tag)

    assert job is not None
    assert len(effective(people)) == 5  # until the job runs
    job_run(job.pk)
    assert effective(people) == []


def test_page_and_api_show_the_job_applying_a_cadence(admin_user, many, admin_client: Client):
    tag, _people = many
    response = admin_client.post(
        reverse("settings:tag_cadences"), {"tag": tag.pk, "ideal_days": 30, "max_days": 45}
    )
    assert response.status_code == 302
    job = Job.objects.get(kind=services.CADENCE_JOB)

    page = admin_client.get(reverse("settings:tag_cadences")).content.decode()
    assert f'data-applying-job="{job.pk}"' in page
    listed = admin_client.get("/api/v1/activities/tag-cadences").json()
    assert [c["applying_job"] for c in listed] == [job.pk]

    job_run(job.pk)

    page = admin_client.get(reverse("settings:tag_cadences")).content.decode()
    assert "data-applying-job" not in page
    assert [
        c["applying_job"] for c in admin_client.get("/api/v1/activities/tag-cadences").json()
    ] == [None]
