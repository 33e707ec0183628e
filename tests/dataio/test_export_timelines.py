"""The JSON export carries each person's timeline (activities), tasks and document metadata, as
the exporting user may see them, and still imports back unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rubrica.activities import services as activities
from rubrica.dataio.exporting import export_start
from rubrica.documents import services as documents
from rubrica.jobs.models import JobStatus
from rubrica.jobs.services import job_run
from rubrica.tasks import services as tasks
from tests.documents.conftest import PDF, upload
from tests.factories import make_contact


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents"), "base_url": None},
        },
    }


def _export(actor: Any) -> dict[str, Any]:
    job = job_run(
        export_start(actor=actor, format="json", selection={"filters": {}}, enqueue=False).pk
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    with job.output.open("rb") as handle:
        return json.loads(handle.read())


@pytest.mark.django_db
def test_json_export_carries_visible_activities_tasks_and_documents(
    member: Any, other_member: Any
) -> None:
    ada = make_contact(member, given_name="Ada", visibility="everyone")
    call = activities.activity_create(
        actor=member,
        data={"kind": "call", "people": [ada.pk], "outcome": "no-answer", "subject": "Ring"},
    )
    activities.activity_create(
        actor=member,
        data={"kind": "note", "people": [ada.pk], "subject": "Secret", "private": True},
    )
    task = tasks.task_create(actor=member, data={"title": "Call back", "people": [ada.pk]})
    documents.document_create(actor=member, record=ada, upload=upload("offer.pdf", PDF))

    mine = _export(member)["contacts"]
    assert len(mine) == 1
    person = mine[0]
    assert [a["subject"] for a in person["activities"]] == ["Ring", "Secret"]
    assert person["activities"][0]["outcome"] == "No answer"
    assert person["activities"][0]["uid"] == str(call.uid)
    assert [t["title"] for t in person["tasks"]] == [task.title]
    assert person["documents"][0]["file_name"] == "offer.pdf"
    assert person["documents"][0]["content_type"] == "application/pdf"
    assert "stored_name" not in person["documents"][0]

    # Another user sees the person, the shared call, not the private note.
    theirs = _export(other_member)["contacts"][0]
    assert [a["subject"] for a in theirs["activities"]] == ["Ring"]


@pytest.mark.django_db
def test_the_json_export_with_timelines_imports_back_unchanged(member: Any) -> None:
    from rubrica.contacts.models import Contact
    from tests.dataio.import_helpers import outcomes, run_import

    ada = make_contact(member, given_name="Ada")
    activities.activity_create(actor=member, data={"kind": "call", "people": [ada.pk]})
    job = job_run(
        export_start(actor=member, format="json", selection={"filters": {}}, enqueue=False).pk
    )
    with job.output.open("rb") as handle:
        content = handle.read()
    again = run_import(member, content, "export.json", on_duplicate="update", match="uid")
    assert [o for _l, o in outcomes(again)] == ["unchanged"]
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_json_export_carries_the_appointments_a_person_is_invited_to_as_the_viewer_may_read(
    member: Any, other_member: Any
) -> None:
    from rubrica.calendars import services as calendars

    ada = make_contact(member, given_name="Ada", visibility="everyone")
    team = calendars.calendar_create(actor=member, data={"name": "Team"})
    meeting = calendars.appointment_create(
        actor=member,
        data={
            "calendar": team.pk,
            "title": "Kick-off",
            "location": "Sala Verdi",
            "start": "2026-12-07T10:00",
            "end": "2026-12-07T11:00",
            "time_zone": "Europe/Rome",
            "rrule": "FREQ=WEEKLY;COUNT=4",
            "people": [ada.pk],
        },
    )
    calendars.appointment_create(
        actor=member,
        data={
            "calendar": team.pk,
            "title": "Doctor",
            "start": "2026-12-08T10:00",
            "end": "2026-12-08T11:00",
            "private": True,
            "people": [ada.pk],
        },
    )

    person = _export(member)["contacts"][0]
    assert [a["title"] for a in person["appointments"]] == ["Kick-off", "Doctor"]
    first = person["appointments"][0]
    assert first["uid"] == meeting.ical_uid
    assert first["calendar"] == {"uid": str(team.uid), "name": "Team"}
    assert (first["location"], first["recurrence"], first["rsvp"]) == (
        "Sala Verdi",
        "FREQ=WEEKLY;COUNT=4",
        "NEEDS-ACTION",
    )
    assert first["start"].startswith("2026-12-07T09:00:00")  # 10:00 in Rome, in UTC

    # The calendar is not shared with the other member: they see Ada, no appointments.
    assert _export(other_member)["contacts"][0]["appointments"] == []
    # Shared: the meeting, never the private appointment (busy time only, not exported).
    calendars.calendar_share(actor=member, calendar=team, user=other_member, access="read")
    theirs = _export(other_member)["contacts"][0]
    assert [a["title"] for a in theirs["appointments"]] == ["Kick-off"]
    assert "Doctor" not in json.dumps(theirs)
