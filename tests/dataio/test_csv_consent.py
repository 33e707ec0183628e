"""A CSV/XLSX round trip keeps what people said about being written to (ADR 0050): our header
writes the general e-mail and SMS consent and one column per consent purpose and channel; our
own file comes back with them mapped; any spreadsheet maps a column to
``purpose.<key>.<channel>``, read as consent cells are (yes/no, opt-in/opt-out...), an empty cell
saying nothing and one that cannot be read or a purpose this site lacks named in the report,
never costing the person."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from rubrica.contacts.models import ConsentSource, Contact, PurposeConsent
from rubrica.contacts.services import (
    consent_purpose_create,
    contact_consent_set,
    contact_purpose_consent_set,
)
from rubrica.dataio.exporting import export_start
from rubrica.dataio.models import ImportRow, Outcome
from rubrica.dataio.tabular.profiles import propose_mapping
from rubrica.dataio.tabular.targets import Target, parse_target
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


def _export_csv(user: Any) -> str:
    job = job_run(
        export_start(actor=user, format="csv", selection={"filters": {}}, enqueue=False).pk
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    with job.output.open("rb") as handle:
        return handle.read().decode("utf-8-sig")


def test_our_csv_carries_consent_and_answers_per_purpose_and_comes_back_with_them(
    admin_user: Any, member: Any
) -> None:
    newsletter = consent_purpose_create(actor=admin_user, name="Newsletter", key="newsletter")
    events = consent_purpose_create(actor=admin_user, name="Events", key="events")
    ada = make_contact(member, given_name="Ada", family_name="Byron")
    contact_consent_set(actor=member, contact=ada, channel="email", state="withdrawn")
    contact_consent_set(actor=member, contact=ada, channel="sms", state="granted")
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=newsletter, channel="email", state="withdrawn"
    )
    contact_purpose_consent_set(
        actor=member, contact=ada, purpose=events, channel="sms", state="granted"
    )
    make_contact(member, given_name="Bob", family_name="Quiet")  # never asked

    text = _export_csv(member)
    rows = {row["Given Name"]: row for row in csv.DictReader(io.StringIO(text))}
    assert (rows["Ada"]["Email Consent"], rows["Ada"]["SMS Consent"]) == ("withdrawn", "granted")
    assert rows["Ada"]["Consent: newsletter (email)"] == "withdrawn"
    assert rows["Ada"]["Consent: newsletter (sms)"] == ""
    assert rows["Ada"]["Consent: events (sms)"] == "granted"
    assert rows["Bob"]["Email Consent"] == "" and rows["Bob"]["Consent: events (sms)"] == ""

    Contact.all_objects.all().delete()
    imported = run_import(member, text, "rubrica.csv")
    assert imported.status == JobStatus.SUCCEEDED, imported.error
    ada = Contact.objects.get(given_name="Ada")
    assert (ada.email_consent, ada.email_consent_source) == ("withdrawn", ConsentSource.IMPORT)
    assert ada.sms_consent == "granted"
    assert _answers(ada) == {("newsletter", "email", "withdrawn"), ("events", "sms", "granted")}
    assert PurposeConsent.objects.filter(contact=ada, source=ConsentSource.IMPORT).count() == 2
    bob = Contact.objects.get(given_name="Bob")
    assert bob.email_consent == "" and _answers(bob) == set()
    assert set(ImportRow.objects.filter(job=imported).values_list("outcome", flat=True)) == {
        Outcome.CREATED
    }


def test_any_spreadsheet_maps_a_column_to_an_answer_read_like_a_consent_cell(
    admin_user: Any, member: Any
) -> None:
    consent_purpose_create(actor=admin_user, name="Newsletter", key="newsletter")
    text = (
        "First,Last,Newsletter,Texts,Webinars\n"
        "Ann,Yes,yes,opt-out,y\n"
        "Ben,No,no,,unknown\n"
        "Cid,Maybe,maybe,,\n"
    )
    mapping = {
        "0": "given_name",
        "1": "family_name",
        "2": "purpose.newsletter.email",
        "3": "purpose.newsletter.sms",
        "4": "purpose.webinars.email",  # not a purpose of this site
    }
    job = run_import(member, text, "list.csv", mapping=mapping)
    assert job.status == JobStatus.SUCCEEDED, job.error
    rows = {row.line: row for row in ImportRow.objects.filter(job=job)}
    assert {row.outcome for row in rows.values()} == {Outcome.CREATED}  # nobody lost
    ann = Contact.objects.get(given_name="Ann")
    assert _answers(ann) == {("newsletter", "email", "granted"), ("newsletter", "sms", "withdrawn")}
    assert "Answer for webinars (email: y) not kept: there is no such purpose here." in (
        rows[2].message
    )
    ben = Contact.objects.get(given_name="Ben")
    assert _answers(ben) == {("newsletter", "email", "withdrawn")}
    assert "webinars" not in rows[3].message  # "unknown" says nothing, like an empty cell
    cid = Contact.objects.get(given_name="Cid")
    assert _answers(cid) == set()
    assert "Answer for newsletter (email: maybe) not kept" in rows[4].message


def test_the_target_reads_and_writes_itself_and_refuses_other_channels() -> None:
    target = parse_target("purpose.newsletter.sms")
    assert target == Target("purpose", "newsletter", part="sms")
    assert str(target) == "purpose.newsletter.sms"
    for wrong in ("purpose.newsletter.fax", "purpose.News Letter.email", "purpose..email"):
        with pytest.raises(ValueError):
            parse_target(wrong)


def test_our_header_is_recognised_column_by_column() -> None:
    headers = ["UID", "Display Name", "Given Name", "Email Consent", "SMS Consent"]
    headers += ["Consent: news-letter (sms)", "Consent: bad key (email)"]
    mapping = propose_mapping(headers)
    assert [mapping.get(i) for i in range(2, 7)] == [
        "given_name",
        "email_consent",
        "sms_consent",
        "purpose.news-letter.sms",
        "ignore",  # not a key a purpose can have
    ]


def test_the_mapping_page_offers_each_purpose_and_channel(
    admin_user: Any, member: Any, client: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    consent_purpose_create(actor=admin_user, name="Newsletter", key="newsletter")
    client.force_login(member)
    upload = SimpleUploadedFile("list.csv", b"First,Newsletter\nAnn,yes\n", "text/csv")
    page = client.post(reverse("dataio:import_upload"), {"file": upload}, follow=True)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'value="purpose.newsletter.email"' in content
    assert 'value="purpose.newsletter.sms"' in content


def test_columns_answering_one_purpose_differently_record_nothing_and_say_so(
    admin_user: Any, member: Any
) -> None:
    consent_purpose_create(actor=admin_user, name="Newsletter", key="newsletter")
    text = "First,Last,Old list,New list\nAnn,Lee,no,yes\nBo,Kim,yes,Y\n"
    mapping = {
        "0": "given_name",
        "1": "family_name",
        "2": "purpose.newsletter.email",
        "3": "purpose.newsletter.email",
    }
    job = run_import(member, text, "p.csv", mapping=mapping)
    rows = {row.line: row for row in ImportRow.objects.filter(job=job)}
    assert _answers(Contact.objects.get(given_name="Ann")) == set()  # an opt-out never lost
    assert "differ: nothing is recorded" in rows[2].message and "newsletter" in rows[2].message
    assert _answers(Contact.objects.get(given_name="Bo")) == {("newsletter", "email", "granted")}


def test_the_preview_names_the_answers_the_import_will_not_keep(
    admin_user: Any, member: Any
) -> None:
    from rubrica.dataio.imports.runner import preview_check
    from rubrica.dataio.imports.services import clean_options
    from rubrica.dataio.imports.uploads import import_preview, store_upload

    consent_purpose_create(actor=admin_user, name="Newsletter", key="newsletter")
    upload = store_upload(
        actor=member,
        stream=io.BytesIO(b"First,Last,News,Web\nAnn,Lee,maybe,yes\n"),
        filename="p.csv",
    )
    mapping = {
        "0": "given_name",
        "1": "family_name",
        "2": "purpose.newsletter.email",
        "3": "purpose.webinars.email",
    }
    params = clean_options({"format": "csv", "file": upload.path, "mapping": mapping})
    records = import_preview(params)
    preview_check(member, records, policy="create", key="email")
    said = " ".join(records[0].set_aside)
    assert not records[0].errors
    assert "Answer for newsletter (email: maybe) not kept" in said
    assert "Answer for webinars (email: yes) not kept: there is no such purpose here." in said


def test_an_unreadable_consent_cell_costs_that_answer_not_the_person(member: Any) -> None:
    text = "First,Last,Email consent,SMS consent\nAnn,Lee,maybe,yes\n"
    job = run_import(member, text, "p.csv")
    [row] = ImportRow.objects.filter(job=job)
    assert row.outcome == Outcome.CREATED, row.message
    ann = Contact.objects.get(given_name="Ann")
    assert (ann.email_consent, ann.sms_consent) == ("", "granted")
    assert "email_consent" in row.message and "maybe" in ann.notes


def test_the_consent_columns_come_last_so_older_files_keep_their_column_places(
    admin_user: Any, member: Any
) -> None:
    from rubrica.dataio.tabular.writers import default_layout, rubrica_columns

    consent_purpose_create(actor=admin_user, name="Newsletter", key="newsletter")
    headers = [header for header, _get, _phone in rubrica_columns(default_layout())]
    assert headers[-4:] == [
        "Email Consent",
        "SMS Consent",
        "Consent: newsletter (email)",
        "Consent: newsletter (sms)",
    ]
    assert (
        headers.index("Notes") < headers.index("Email 1 - Value") < headers.index("Email Consent")
    )
