"""A Rubrica JSON document round trip keeps what people said about being written to: the general
e-mail and SMS consent and the answers per purpose, exported with their time and source and
imported as answers given through an import; an update's changed answers come back on revert."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from rubrica.contacts.models import ConsentSource, Contact, PurposeConsent
from rubrica.contacts.services import (
    consent_purpose_create,
    contact_consent_set,
    contact_purpose_consent_set,
)
from rubrica.dataio.exporting import export_start
from rubrica.dataio.imports.services import import_revert
from rubrica.dataio.models import ImportRow, Outcome
from rubrica.jobs.models import JobStatus
from rubrica.jobs.services import job_run
from tests.dataio.import_helpers import run_import
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"


def _answers(contact: Contact) -> set[tuple[str, str, str]]:
    return set(
        PurposeConsent.objects.filter(contact=contact).values_list(
            "purpose__key", "channel", "state"
        )
    )


def _document(*contacts: dict[str, Any]) -> str:
    return json.dumps({"format": "rubrica", "version": 1, "contacts": list(contacts)})


def test_the_export_carries_consent_with_its_time_and_source_and_the_import_keeps_it(
    admin_user: Any, member: Any
) -> None:
    newsletter = consent_purpose_create(actor=admin_user, name="Newsletter", key="newsletter")
    events = consent_purpose_create(actor=admin_user, name="Events", key="events")
    ada = make_contact(member, given_name="Ada", emails=[{"value": "ada@example.com"}])
    contact_consent_set(actor=member, contact=ada, channel="email", state="withdrawn")
    contact_consent_set(actor=member, contact=ada, channel="sms", state="granted")
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=newsletter, channel="email", state="withdrawn"
    )
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=events, channel="sms", state="granted"
    )
    job = job_run(
        export_start(actor=member, format="json", selection={"filters": {}}, enqueue=False).pk
    )
    with job.output.open("rb") as handle:
        document = json.loads(handle.read())

    [exported] = document["contacts"]
    assert (exported["email_consent"], exported["email_consent_source"]) == ("withdrawn", "user")
    assert dt.datetime.fromisoformat(exported["email_consent_at"]).tzinfo is not None
    assert sorted((a["purpose"], a["channel"], a["state"], a["source"])
                  for a in exported["consent_by_purpose"]) == [
        ("events", "sms", "granted", "user"),
        ("newsletter", "email", "withdrawn", "user"),
    ]  # fmt: skip

    Contact.all_objects.all().delete()
    events.delete()  # this site has no such purpose any more
    imported = run_import(member, json.dumps(document), "rubrica.json")

    assert imported.status == JobStatus.SUCCEEDED, imported.error
    ada = Contact.objects.get(given_name="Ada")
    assert (ada.email_consent, ada.email_consent_source) == ("withdrawn", ConsentSource.IMPORT)
    assert (ada.sms_consent, ada.sms_consent_source) == ("granted", ConsentSource.IMPORT)
    assert _answers(ada) == {("newsletter", "email", "withdrawn")}
    assert PurposeConsent.objects.get(contact=ada).source == ConsentSource.IMPORT
    [row] = ImportRow.objects.filter(job=imported)
    assert row.outcome == Outcome.CREATED
    assert "Answer for events (sms: granted) not kept: there is no such purpose here." in (
        row.message
    )


def test_an_update_changes_the_answers_and_the_revert_gives_them_back(
    admin_user: Any, member: Any
) -> None:
    newsletter = consent_purpose_create(actor=admin_user, name="Newsletter", key="newsletter")
    ada = make_contact(member, given_name="Ada", emails=[{"value": "ada@example.com"}])
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=newsletter, channel="email", state="granted"
    )
    given = PurposeConsent.objects.get(contact=ada)
    record = {
        "given_name": "Ada",
        "emails": [{"value": "ada@example.com"}],
        "email_consent": "",  # empty says nothing
        "consent_by_purpose": [
            {"purpose": "newsletter", "channel": "email", "state": "withdrawn"},
            {"purpose": "newsletter", "channel": "sms", "state": "granted"},
            {"purpose": "newsletter", "channel": "fax", "state": "granted"},
        ],
    }
    contact_consent_set(actor=member, contact=ada, channel="email", state="granted")

    job = run_import(member, _document(record), "rubrica.json", on_duplicate="update")

    ada.refresh_from_db()
    assert ada.email_consent == "granted"
    assert _answers(ada) == {("newsletter", "email", "withdrawn"), ("newsletter", "sms", "granted")}
    [row] = ImportRow.objects.filter(job=job)
    assert row.outcome == Outcome.UPDATED
    assert "(fax: granted) not kept" in row.message

    revert = job_run(import_revert(actor=member, job=job, enqueue=False).pk)

    assert revert.status == JobStatus.SUCCEEDED, revert.error
    assert revert.result["restored"] == 1
    assert _answers(ada) == {("newsletter", "email", "granted")}
    back = PurposeConsent.objects.get(contact=ada)
    assert (back.at, back.source) == (given.at, given.source)


def test_the_same_answers_again_leave_the_person_unchanged(admin_user: Any, member: Any) -> None:
    newsletter = consent_purpose_create(actor=admin_user, name="Newsletter", key="newsletter")
    ada = make_contact(member, given_name="Ada", emails=[{"value": "ada@example.com"}])
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=newsletter, channel="email", state="withdrawn"
    )
    record = {
        "given_name": "Ada",
        "emails": [{"value": "ada@example.com"}],
        "consent_by_purpose": [{"purpose": "newsletter", "channel": "email", "state": "withdrawn"}],
    }

    job = run_import(member, _document(record), "rubrica.json", on_duplicate="update")

    assert list(ImportRow.objects.filter(job=job).values_list("outcome", flat=True)) == [
        Outcome.UNCHANGED
    ]
    assert PurposeConsent.objects.get(contact=ada).source == ConsentSource.USER


def test_a_malformed_answer_list_fails_the_record_naming_the_field(member: Any) -> None:
    record = {"given_name": "Ada", "consent_by_purpose": ["newsletter"]}

    job = run_import(member, _document(record), "rubrica.json")

    [row] = ImportRow.objects.filter(job=job)
    assert row.outcome == Outcome.FAILED
    assert 'record 1, field "consent_by_purpose.0": Enter an object.' in row.message
    assert not Contact.objects.exists()


def test_the_revert_leaves_an_opt_out_given_after_the_import(admin_user: Any, member: Any) -> None:
    news = consent_purpose_create(actor=admin_user, name="News", key="news")
    events = consent_purpose_create(actor=admin_user, name="Events", key="events")
    ada = make_contact(member, given_name="Ada", emails=[{"value": "ada@example.com"}])
    record = {
        "given_name": "Ada",
        "emails": [{"value": "ada@example.com"}],
        "consent_by_purpose": [
            {"purpose": "news", "channel": "email", "state": "granted"},
            {"purpose": "events", "channel": "email", "state": "granted"},
        ],
    }
    job = run_import(member, _document(record), "rubrica.json", on_duplicate="update")
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=news, channel="email", state="withdrawn"
    )

    revert = job_run(import_revert(actor=member, job=job, enqueue=False).pk)

    assert _answers(ada) == {("news", "email", "withdrawn")}  # events taken back, news kept
    [kept] = revert.result["kept_rows"]
    assert "news:email" in kept["reason"]
    assert events.answers.count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_answer_is_never_stored_without_its_history_entry(admin_user: Any, member: Any) -> None:
    from unittest import mock

    news = consent_purpose_create(actor=admin_user, name="News", key="news")
    ada = make_contact(member, given_name="Ada")

    with (
        mock.patch(
            "rubrica.contacts.services.history_record", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError),
    ):
        contact_purpose_consent_set(
            actor=member, contact=ada, purpose=news, channel="email", state="granted"
        )

    assert not PurposeConsent.objects.filter(contact=ada).exists()
