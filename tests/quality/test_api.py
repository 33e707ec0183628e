"""/api/v1/quality: report, preview, start and undo a cleaning; viewers refused."""

from __future__ import annotations

import pytest

from rubrica.accounts.services import token_create
from rubrica.contacts.models import Contact
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_run
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict[str, str]:
    _token, raw = token_create(actor=user, user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_report_counts_what_the_caller_sees(client, member):
    make_contact(member, given_name="Ada", emails=[{"value": "ada@example.org"}])
    make_contact(member, given_name="Bob")

    response = client.get("/api/v1/quality/report?months=6", **_bearer(member))

    assert response.status_code == 200
    data = response.json()
    assert data["people"] == 2
    assert data["stale_months"] == 6
    email = next(row for row in data["people_completeness"] if row["field"] == "email")
    assert email == {"field": "email", "count": 1, "total": 2, "percent": 50}


def test_out_of_range_months_is_a_422(client, member):
    response = client.get("/api/v1/quality/report?months=0", **_bearer(member))
    assert response.status_code == 422


def test_preview_start_and_undo(client, member):
    mario = make_contact(member, given_name="MARIO", family_name="ROSSI")
    headers = _bearer(member)

    preview = client.get("/api/v1/quality/cleanings/capitalize/preview", **headers)
    started = client.post("/api/v1/quality/cleanings/capitalize", **headers)

    assert preview.json()["people"] == 1
    assert preview.json()["changes"][0] == {
        "id": mario.pk,
        "name": "MARIO ROSSI",
        "field": "given_name",
        "before": "MARIO",
        "after": "Mario",
    }
    assert started.status_code == 202
    job_run(started.json()["id"])
    assert Contact.objects.get(pk=mario.pk).given_name == "Mario"

    undone = client.post(f"/api/v1/quality/cleanings/undo/{started.json()['id']}", **headers)

    assert undone.status_code == 202
    job_run(undone.json()["id"])
    assert Contact.objects.get(pk=mario.pk).given_name == "MARIO"


def test_a_viewer_cannot_start_a_cleaning(client, viewer, member):
    make_contact(member, given_name="MARIO", family_name="ROSSI")

    response = client.post("/api/v1/quality/cleanings/capitalize", **_bearer(viewer))

    assert response.status_code == 403
    assert Job.objects.count() == 0


def test_unknown_action_and_unknown_job(client, member):
    headers = _bearer(member)
    assert client.post("/api/v1/quality/cleanings/explode", **headers).status_code == 422
    assert client.post("/api/v1/quality/cleanings/undo/999", **headers).status_code == 404
