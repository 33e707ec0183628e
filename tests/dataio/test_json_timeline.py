"""A Rubrica JSON document brings back each person's timeline: the activities exported with
them are created again (their UID kept, the importer their owner, mentions not notified), an
activity shared by several people is one activity linked to each, a value this site cannot take
is set aside and named, and a revert moves the activities to the Trash with the people."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from rubrica.activities.models import Activity
from rubrica.activities.models import Outcome as CallOutcome
from rubrica.activities.services import activity_create
from rubrica.contacts.models import Contact
from rubrica.dataio.exporting import export_start
from rubrica.dataio.imports.services import import_revert
from rubrica.dataio.models import ImportRow, Outcome
from rubrica.jobs.models import JobStatus
from rubrica.jobs.services import job_run
from rubrica.notifications.models import Notification
from tests.dataio.import_helpers import run_import
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"


def _timeline(contact: Contact) -> list[tuple[str, str, str, int]]:
    return sorted(
        (a.kind, a.subject, a.outcome.name if a.outcome else "", a.person_links.count())
        for a in Activity.objects.filter(person_links__contact=contact)
    )


def _export(actor: Any) -> dict[str, Any]:
    job = job_run(
        export_start(actor=actor, format="json", selection={"filters": {}}, enqueue=False).pk
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    with job.output.open("rb") as handle:
        return json.loads(handle.read())


def test_an_export_imported_into_an_empty_site_brings_back_every_timeline(
    member: Any, other_member: Any
) -> None:
    ada = make_contact(member, given_name="Ada")
    bo = make_contact(member, given_name="Bo")
    no_answer = CallOutcome.objects.get(key="no_answer")
    call = activity_create(
        actor=member,
        data={"kind": "call", "direction": "out", "occurred_at": WHEN, "outcome": no_answer.pk,
              "subject": "Quarterly call", "duration_minutes": 5, "people": [ada.pk]},
    )  # fmt: skip
    meeting = activity_create(
        actor=member,
        data={"kind": "meeting", "occurred_at": WHEN, "subject": "Kick-off",
              "body": "With @other about the offer.", "people": [ada.pk, bo.pk]},
    )  # fmt: skip
    assert Notification.objects.filter(recipient=other_member).exists()  # a mention notifies
    before = {ada.given_name: _timeline(ada), bo.given_name: _timeline(bo)}
    uids = {call.uid, meeting.uid}
    document = _export(member)
    Activity.all_objects.all().delete()
    Contact.all_objects.all().delete()
    Notification.objects.all().delete()

    job = run_import(member, json.dumps(document), "rubrica.json")

    assert job.status == JobStatus.SUCCEEDED, job.error
    ada = Contact.objects.get(given_name="Ada")
    bo = Contact.objects.get(given_name="Bo")
    assert {"Ada": _timeline(ada), "Bo": _timeline(bo)} == before
    assert set(Activity.objects.values_list("uid", flat=True)) == uids
    assert Activity.objects.count() == 2  # the shared meeting once, linked to both
    again = Activity.objects.get(uid=call.uid)
    assert (again.occurred_at, again.direction, again.duration_minutes, again.owner) == (
        WHEN,
        "out",
        5,
        member,
    )
    assert not Notification.objects.filter(recipient=other_member).exists()
    ada.refresh_from_db()
    assert ada.last_interaction_at == WHEN
    row = ImportRow.objects.get(job=job, contact=ada)
    assert ada.version == row.version


def test_a_value_this_site_cannot_take_is_set_aside_and_a_broken_activity_named(
    member: Any,
) -> None:
    document = {
        "format": "rubrica",
        "contacts": [{"given_name": "Ada", "activities": [
            {"uid": "a-1", "kind": "call", "occurred_at": WHEN.isoformat(),
             "outcome": "Left a pigeon", "subject": "Called", "duration_minutes": "five"},
            {"uid": "a-2", "kind": "telegram", "occurred_at": WHEN.isoformat()},
            {"uid": "a-3", "kind": "note", "occurred_at": "yesterday-ish"},
        ]}],
    }  # fmt: skip

    job = run_import(member, json.dumps(document), "rubrica.json")

    ada = Contact.objects.get()
    [call] = Activity.objects.filter(person_links__contact=ada)
    assert (call.uid, call.subject, call.outcome, call.duration_minutes) == (
        "a-1",
        "Called",
        None,
        None,
    )
    [row] = ImportRow.objects.filter(job=job)
    assert row.outcome == Outcome.CREATED
    assert "activities.0" in row.message and "outcome" in row.message
    assert "duration_minutes" in row.message
    assert "Activity activities.1 not kept" in row.message
    assert "Activity activities.2 not kept" in row.message


def test_the_revert_moves_the_imported_activities_to_the_trash(member: Any) -> None:
    bo = make_contact(member, given_name="Bo", emails=[{"value": "bo@example.com"}])
    document = {
        "format": "rubrica",
        "contacts": [
            {"given_name": "Ada", "activities": [
                {"uid": "m-1", "kind": "meeting", "occurred_at": WHEN.isoformat()}]},
            {"given_name": "Bo", "emails": [{"value": "bo@example.com"}], "activities": [
                {"uid": "m-1", "kind": "meeting", "occurred_at": WHEN.isoformat()},
                {"uid": "n-1", "kind": "note", "occurred_at": WHEN.isoformat()}]},
        ],
    }  # fmt: skip
    job = run_import(member, json.dumps(document), "rubrica.json", on_duplicate="update")
    assert dict(ImportRow.objects.filter(job=job).values_list("line", "outcome")) == {
        1: Outcome.CREATED,
        2: Outcome.UPDATED,
    }
    assert Activity.objects.get(uid="m-1").person_links.count() == 2

    revert = job_run(import_revert(actor=member, job=job, enqueue=False).pk)

    assert revert.status == JobStatus.SUCCEEDED, revert.error
    assert revert.result["activities_trashed"] == 2
    assert not Activity.objects.exists()
    assert Contact.objects.get() == bo


def test_a_timeline_that_is_not_a_list_of_objects_fails_the_person_naming_it(
    member: Any,
) -> None:
    document = {"format": "rubrica", "contacts": [{"given_name": "Ada", "activities": ["x"]}]}

    job = run_import(member, json.dumps(document), "rubrica.json")

    [row] = ImportRow.objects.filter(job=job)
    assert row.outcome == Outcome.FAILED
    assert 'field "activities": Enter a list of objects.' in row.message


def _one(activity: dict[str, Any], **person: Any) -> str:
    return json.dumps(
        {
            "format": "rubrica",
            "contacts": [{"given_name": "Ada", **person, "activities": [activity]}],
        }
    )


def test_a_uid_naming_another_activity_gets_a_new_one_and_leaves_that_one_alone(
    member: Any, other_member: Any
) -> None:
    private = make_contact(member, given_name="Private", visibility="private")
    salary = activity_create(
        actor=member,
        data={
            "kind": "note",
            "occurred_at": WHEN,
            "subject": "Salary talk",
            "people": [private.pk],
        },
    )
    later = (WHEN + dt.timedelta(days=400)).isoformat()

    run_import(member, _one({"uid": salary.uid, "kind": "call", "occurred_at": later}), "r.json")

    salary.refresh_from_db()
    assert list(salary.person_links.values_list("contact_id", flat=True)) == [private.pk]
    assert not Activity.objects.restrict(other_member, "view").filter(pk=salary.pk).exists()
    ada = Contact.objects.get(given_name="Ada")
    [call] = Activity.objects.filter(person_links__contact=ada)
    assert (call.kind, call.uid != salary.uid) == ("call", True)


def test_an_activity_without_its_time_or_with_an_unreadable_privacy_is_not_kept(
    member: Any,
) -> None:
    for activity, field in (
        (
            {"uid": "p-1", "kind": "note", "occurred_at": WHEN.isoformat(), "private": "yes"},
            "private",
        ),
        ({"uid": "t-1", "kind": "note"}, "occurred_at"),
    ):
        job = run_import(member, _one(activity), "r.json", on_duplicate="create")
        [row] = ImportRow.objects.filter(job=job)
        assert "Activity activities.0 not kept" in row.message and field in row.message
    assert not Activity.objects.exists()


def test_importing_again_after_a_revert_makes_one_live_copy(member: Any) -> None:
    document = _one(
        {"uid": "r-1", "kind": "call", "occurred_at": WHEN.isoformat()},
        emails=[{"value": "ada@example.com"}],
    )
    job = run_import(member, document, "r.json")
    job_run(import_revert(actor=member, job=job, enqueue=False).pk)

    run_import(member, document, "r.json")
    run_import(member, document, "r.json", on_duplicate="update")

    assert Activity.objects.count() == 1
    assert Activity.objects.get().person_links.count() == 1


def test_the_revert_leaves_the_timeline_of_a_person_it_keeps(member: Any) -> None:
    from rubrica.contacts.services import contact_update

    job = run_import(
        member, _one({"uid": "k-1", "kind": "call", "occurred_at": WHEN.isoformat()}), "r.json"
    )
    ada = Contact.objects.get()
    contact_update(actor=member, contact=ada, data={"notes": "edited since"})

    revert = job_run(import_revert(actor=member, job=job, enqueue=False).pk)

    assert revert.result["kept"] == 1 and revert.result["activities_trashed"] == 0
    assert Activity.objects.filter(person_links__contact=ada).count() == 1


def test_a_colleagues_activity_the_importer_may_not_change_gives_the_person_a_copy(
    member: Any, other_member: Any
) -> None:
    shared = make_contact(other_member, given_name="Shared", visibility="everyone")
    theirs = activity_create(
        actor=other_member,
        data={"kind": "meeting", "occurred_at": WHEN, "people": [shared.pk]},
        uid="c-1",
    )
    version = theirs.version

    job = run_import(
        member, _one({"uid": "c-1", "kind": "meeting", "occurred_at": WHEN.isoformat()}), "r.json"
    )

    theirs.refresh_from_db()
    assert theirs.version == version
    ada = Contact.objects.get(given_name="Ada")
    [copy] = Activity.objects.filter(person_links__contact=ada)
    assert (copy.owner, copy.kind, copy.occurred_at) == (member, "meeting", WHEN)
    assert "not kept" not in ImportRow.objects.get(job=job).message
