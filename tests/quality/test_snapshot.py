"""The data-quality page on a large database: a per-person report computed by a background job
(a snapshot), shown with its age, refreshed on request; small databases keep computing it at each
view. "Large" is simulated by lowering ``selectors.INLINE_MAX_PEOPLE``.

Unreadable phones and invalid emails are put in place with ``queryset.update``, standing for data
loaded from outside (services never store them)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rubrica.contacts.models import Contact, ContactEmail, ContactPhone
from rubrica.jobs import running as job_running
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_cancel, job_run
from rubrica.quality import selectors
from rubrica.quality.selectors import SNAPSHOT_KIND, Report, quality_report
from rubrica.quality.services import snapshot_start
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db

REPORT = reverse("quality:report")
REFRESH = reverse("quality:refresh")


@pytest.fixture
def large(monkeypatch):
    """Any database with a person the viewer sees counts as large: the page shows snapshots."""
    monkeypatch.setattr(selectors, "INLINE_MAX_PEOPLE", 0)


def _people(owner):
    """Four people of ``owner``: one with an unreadable phone, one with an invalid email, one
    unchanged for two years, one fine; and one organization."""
    make_contact(owner, given_name="Ada", emails=[{"value": "ada@example.org"}])
    bob = make_contact(owner, given_name="Bob", phones=[{"value": "+39 02 1234 5678"}])
    ContactPhone.objects.filter(contact=bob).update(raw="call the office", e164="")
    eve = make_contact(owner, given_name="Eve", emails=[{"value": "eve@example.org"}])
    ContactEmail.objects.filter(contact=eve).update(value="eve@@example")
    old = make_contact(owner, given_name="Oldfellow")
    Contact.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=800))
    make_organization(owner, name="Acme", website="https://acme.example")


def _figures(html: str) -> str:
    """The figures part of the page: the cards and the completeness bars."""
    start = html.index('<div class="row row-cols-2')
    return html[start : html.index('<section aria-labelledby="cleaning"')]


def _snapshot_jobs(user):
    return Job.objects.filter(kind=SNAPSHOT_KIND, owner=user)


def test_small_database_computes_the_report_inline(member_client, member):
    _people(member)

    html = member_client.get(REPORT).content.decode()

    assert '<div class="fs-4 fw-semibold" id="figure-people">4</div>' in html
    assert '<div class="fs-4 fw-semibold" id="figure-invalid-phones">1</div>' in html
    assert '<div class="fs-4 fw-semibold" id="figure-invalid-emails">1</div>' in html
    assert '<div class="fs-4 fw-semibold" id="figure-stale">1</div>' in html
    assert "No report yet" not in html
    assert REFRESH not in html
    assert Job.objects.count() == 0


def test_the_size_test_counts_visible_people_up_to_the_threshold(member, other_member):
    make_contact(member, given_name="Ada")
    make_contact(member, given_name="Bob")
    make_contact(other_member, given_name="Hidden", visibility="private")

    assert selectors.report_is_live(member, cap=2) is True
    assert selectors.report_is_live(member, cap=1) is False


def test_large_database_shows_no_report_yet_and_starts_one_job(member_client, member, large):
    _people(member)

    first = member_client.get(REPORT).content.decode()
    second = member_client.get(REPORT).content.decode()

    job = _snapshot_jobs(member).get()
    assert job.status == JobStatus.QUEUED
    assert job.params == {"months": selectors.DEFAULT_STALE_MONTHS}
    for html in (first, second):
        assert "No report yet." in html
        assert 'id="figure-people"' not in html
        assert f'id="job-{job.pk}-progress"' in html
        assert reverse("jobs:detail", args=[job.pk]) in html  # the htmx progress poll


def test_the_job_computes_the_report_the_page_then_shows(member_client, member, large):
    _people(member)
    member_client.get(REPORT)
    job = _snapshot_jobs(member).get()

    job = job_run(job.pk)

    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total) == (6, 6)
    assert job.result == quality_report(member, months=12).as_dict()
    html = member_client.get(REPORT).content.decode()
    assert "No report yet." not in html
    assert "Computed 0\xa0minutes ago" in html
    assert f'<time datetime="{timezone.localtime(job.finished_at).isoformat()}">' in html
    assert '<div class="fs-4 fw-semibold" id="figure-people">4</div>' in html
    assert _snapshot_jobs(member).count() == 1  # showing a snapshot starts nothing
    # the same figures as the page computes inline on a small database
    inline_html = _inline_page(member_client)
    assert _figures(html) == _figures(inline_html)


def _inline_page(client) -> str:
    saved = selectors.INLINE_MAX_PEOPLE
    selectors.INLINE_MAX_PEOPLE = 1_000
    try:
        return client.get(REPORT, {"months": "12"}).content.decode()
    finally:
        selectors.INLINE_MAX_PEOPLE = saved


def test_the_age_is_shown_in_the_time_zone_of_the_site(member_client, member, large, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    make_contact(member, given_name="Ada")
    member_client.get(REPORT)
    job = job_run(_snapshot_jobs(member).get().pk)
    finished = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    Job.objects.filter(pk=job.pk).update(finished_at=finished)

    html = member_client.get(REPORT).content.decode()

    assert '<time datetime="2026-01-02T12:04:05+09:00">' in html
    assert re.search(r"Computed \d+\xa0(months?|years?)", html)


def test_a_snapshot_reads_back_into_the_same_report(member):
    _people(member)
    report = quality_report(member, months=6)

    assert Report.from_dict(report.as_dict()) == report


def test_progress_advances_once_per_section(member, large, monkeypatch):
    monkeypatch.setattr(job_running, "PROGRESS_INTERVAL", 0)
    _people(member)
    job = snapshot_start(actor=member, months=12, enqueue=False)
    seen: list[tuple[int, int | None]] = []

    job_run(job.pk, listener=lambda j: seen.append((j.done, j.total)))

    assert [done for done, _total in seen] == [0, 0, 1, 2, 3, 4, 5, 6, 6]
    assert {total for _done, total in seen} == {6}


def test_a_cancelled_report_job_leaves_no_snapshot(member_client, member, large):
    _people(member)
    member_client.get(REPORT)
    job = _snapshot_jobs(member).get()

    job_cancel(actor=member, job=job)
    html = member_client.get(REPORT).content.decode()

    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED
    assert selectors.latest_snapshot(member) is None
    assert "No report yet." in html
    assert _snapshot_jobs(member).filter(status=JobStatus.QUEUED).count() == 1  # a new one


def test_changing_months_starts_a_new_snapshot(member_client, member, large):
    _people(member)
    member_client.get(REPORT)
    job_run(_snapshot_jobs(member).get().pk)

    html = member_client.get(REPORT, {"months": "36"}).content.decode()

    new = _snapshot_jobs(member).get(status=JobStatus.QUEUED)
    assert new.params == {"months": 36}
    assert "No report yet." in html
    job_run(new.pk)
    html = member_client.get(REPORT, {"months": "36"}).content.decode()
    assert '<div class="fs-4 fw-semibold" id="figure-stale">0</div>' in html
    assert "Not changed for 36 months" in html
    # without ?months= the latest report is shown, with the months it was computed with
    html = member_client.get(REPORT).content.decode()
    assert 'id="months" name="months" value="36"' in html
    html = member_client.get(REPORT, {"months": "12"}).content.decode()
    assert '<div class="fs-4 fw-semibold" id="figure-stale">1</div>' in html
    assert _snapshot_jobs(member).count() == 2


def test_another_users_snapshot_is_never_shown(client, member, other_member, large):
    _people(other_member)
    Contact.objects.update(visibility="private")
    make_contact(member, given_name="Mine", visibility="private")
    client.force_login(other_member)
    client.get(REPORT)
    theirs = job_run(_snapshot_jobs(other_member).get().pk)
    client.force_login(member)

    html = client.get(REPORT).content.decode()

    assert "No report yet." in html
    assert 'id="figure-people"' not in html
    mine = job_run(_snapshot_jobs(member).get().pk)
    html = client.get(REPORT).content.decode()
    assert (theirs.result["people"], mine.result["people"]) == (4, 1)
    assert '<div class="fs-4 fw-semibold" id="figure-people">1</div>' in html


def test_an_administrator_sees_only_their_own_snapshot(client, member, admin_user, large):
    _people(member)
    client.force_login(member)
    client.get(REPORT)
    job_run(_snapshot_jobs(member).get().pk)
    client.force_login(admin_user)

    html = client.get(REPORT).content.decode()

    assert "No report yet." in html
    assert selectors.latest_snapshot(admin_user) is None
    assert _snapshot_jobs(admin_user).count() == 1


def test_refresh_starts_a_new_snapshot_and_shows_its_progress(member_client, member, large):
    _people(member)
    member_client.get(REPORT)
    first = job_run(_snapshot_jobs(member).get().pk)

    response = member_client.post(REFRESH, {"months": "12"})

    new = _snapshot_jobs(member).exclude(pk=first.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"{REPORT}?months=12"
    assert new.status == JobStatus.QUEUED
    html = member_client.get(response["Location"]).content.decode()
    assert f'id="job-{new.pk}-progress"' in html
    assert "Computed " in html  # the previous snapshot stays on show meanwhile
    assert '<div class="fs-4 fw-semibold" id="figure-people">4</div>' in html


def test_refresh_while_a_report_job_runs_starts_no_other(member_client, member, large):
    member_client.post(REFRESH, {"months": "12"})
    member_client.post(REFRESH, {"months": "6"})

    job = _snapshot_jobs(member).get()
    assert job.params == {"months": 12}


def test_refresh_with_bad_months_names_the_field(member_client, member, large):
    response = member_client.post(REFRESH, {"months": "soon"})

    assert response.status_code == 302
    assert Job.objects.count() == 0
    html = member_client.get(response["Location"]).content.decode()
    assert "Stale after (months): enter a whole number from 1 to 600." in html


def test_read_only_user_can_refresh_their_own_report(client, viewer, member, large):
    # reading is allowed to a viewer, and the job writes nothing but its own result
    _people(member)
    Contact.objects.update(visibility="everyone")
    client.force_login(viewer)

    response = client.post(REFRESH, {"months": "12"})

    job = _snapshot_jobs(viewer).get()
    assert response.status_code == 302
    job = job_run(job.pk)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == quality_report(viewer, months=12).as_dict()
    html = client.get(REPORT).content.decode()
    assert f'<div class="fs-4 fw-semibold" id="figure-people">{job.result["people"]}</div>' in html
    assert "Read-only users can see the figures but cannot clean data." in html


def test_refresh_without_csrf_token_is_refused(member, large):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(REFRESH, {"months": "12"})

    assert response.status_code == 403
    assert Job.objects.count() == 0


def test_refresh_needs_a_login(client, large):
    response = client.post(REFRESH, {"months": "12"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Job.objects.count() == 0


def test_cleaning_preview_still_works_with_snapshots(member_client, member, large):
    make_contact(member, given_name="MARIO", family_name="ROSSI")

    html = member_client.get(REPORT, {"action": "capitalize"}).content.decode()

    assert "No report yet." in html
    assert "Apply to 1 record" in html
    assert reverse("quality:clean") in html


def test_the_finished_job_page_links_to_the_report(member_client, member, large):
    _people(member)
    job = job_run(snapshot_start(actor=member, months=24, enqueue=False).pk)

    html = member_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    assert f"{REPORT}?months=24" in html
    assert "4 people" in html
    assert "1 unreadable phone number" in html


def test_without_a_worker_the_page_computes_the_figures_itself(member_client, member, large):
    # A report job queued for longer than a worker takes to pick one up: no worker runs
    # (a bare runserver). The page says so and shows figures computed for it, not a wait
    # without end.
    _people(member)
    member_client.get(REPORT)
    job = _snapshot_jobs(member).get()
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))

    html = member_client.get(REPORT).content.decode()

    assert 'id="computed-here"' in html
    assert "no background worker has taken this job" in html
    assert '<div class="fs-4 fw-semibold" id="figure-people">4</div>' in html
    assert _snapshot_jobs(member).count() == 1
    assert _snapshot_jobs(member).get().status == JobStatus.QUEUED


def test_a_job_just_queued_is_not_said_to_wait_for_a_worker(member_client, member, large):
    _people(member)

    html = member_client.get(REPORT).content.decode()

    assert "no background worker" not in html
    assert 'id="figure-people"' not in html
