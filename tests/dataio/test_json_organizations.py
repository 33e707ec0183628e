"""A Rubrica JSON document round trip keeps organizations whole: the people's export carries
every affiliation and the organizations they name (those the reader may see), and the import
brings the organizations in first (created, updated or skipped by the import's policy, one bad
value set aside), links every affiliation, reports each organization and reverts them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from rubrica.contacts.models import Contact
from rubrica.dataio.exporting import export_start
from rubrica.dataio.imports.report import report_csv
from rubrica.dataio.imports.services import import_revert
from rubrica.dataio.models import ImportOrganization, ImportRow, Outcome
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.services import affiliation_create, organization_update, snapshot
from rubrica.sharing.services import share_add
from rubrica.taxonomy.models import OrganizationKind
from tests.dataio.import_helpers import bearer, run_import
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"


#: What an organization is, for the comparison of before and after a round trip.
KEPT = (
    "name",
    "industry",
    "notes",
    "kind",
    "size",
    "website",
    "email_domains",
    "tags",
    "phones",
    "addresses",
    "visibility",
)


def _acme(owner: Any) -> Organization:
    OrganizationKind.objects.get_or_create(name="Supplier")
    parent = make_organization(owner, name="Acme Holding", visibility="everyone")
    return make_organization(
        owner,
        name="Acme",
        industry="Rockets",
        kind="Supplier",
        size="10-49",
        website="https://acme.example/",
        email_domains=["acme.example"],
        tags=["client", "vip"],
        notes="Pays late.",
        phones=[{"value": "+39 06 1234 5678", "label": "work"}],
        addresses=[{"street": "Via Roma 1", "city": "Roma", "country": "IT"}],
        parent=parent.pk,
        visibility="everyone",
    )


def _export(actor: Any) -> dict[str, Any]:
    job = export_start(actor=actor, format="json", selection={"filters": {}}, enqueue=False)
    job = job_run(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    with job.output.open("rb") as handle:
        return json.loads(handle.read())


def _kept(org: Organization) -> dict[str, Any]:
    data = snapshot(org)
    data["phones"] = [{k: v for k, v in p.items() if k != "id"} for p in data["phones"]]
    data["addresses"] = [{k: v for k, v in a.items() if k != "id"} for a in data["addresses"]]
    return {name: data[name] for name in KEPT}


def _people_at_acme(admin: Any, member: Any) -> tuple[Contact, Organization]:
    acme = _acme(member)
    globex = make_organization(member, name="Globex", website="https://globex.example")
    hidden = make_organization(admin, name="Initech", visibility="private")
    ada = make_contact(member, given_name="Ada", family_name="Lovelace")
    affiliation_create(
        actor=member,
        contact=ada,
        organization=globex,
        data={"title": "Intern", "start_date": "2019-01-01", "end_date": "2020-06-30"},
    )
    affiliation_create(
        actor=member,
        contact=ada,
        organization=acme,
        data={
            "title": "Analyst",
            "department": "R&D",
            "start_date": "2021-03-01",
            "is_primary": True,
        },
    )
    affiliation_create(actor=admin, contact=ada, organization=hidden, data={"title": "Spy"})
    return ada, acme


def test_the_people_export_carries_every_affiliation_and_the_organizations_the_reader_may_see(
    admin_user: Any, member: Any
) -> None:
    _people_at_acme(admin_user, member)

    document = _export(member)

    [ada] = document["contacts"]
    assert [(a["organization"], a["title"], a["start"], a["end"], a["is_primary"])
            for a in ada["affiliations"]] == [
        ("Acme", "Analyst", "2021-03-01", None, True),
        ("Globex", "Intern", "2019-01-01", "2020-06-30", False),
    ]  # fmt: skip
    organizations = {o["name"]: o for o in document["organizations"]}
    assert set(organizations) == {"Acme", "Globex"}  # not Initech, which the member may not see
    acme = organizations["Acme"]
    assert acme["website"] == "https://acme.example/"
    assert acme["phones"][0]["value"] == "+39 06 1234 5678"
    assert acme["parent_name"] == "Acme Holding"
    assert "Spy" not in json.dumps(document)


def test_an_export_imported_into_an_empty_site_brings_back_each_organization_whole(
    admin_user: Any, member: Any
) -> None:
    ada, acme = _people_at_acme(admin_user, member)
    before = _kept(acme)
    acme_uid = acme.uid
    document = _export(member)
    Affiliation.objects.all().delete()
    Contact.all_objects.all().delete()
    Organization.all_objects.exclude(name="Acme Holding").delete()

    job = run_import(member, json.dumps(document), "rubrica.json", on_duplicate="update")

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["organizations"]["created"] == 2
    acme = Organization.objects.get(name="Acme")
    assert _kept(acme) == before
    assert acme.uid == acme_uid
    assert acme.parent is not None and acme.parent.name == "Acme Holding"
    ada = Contact.objects.get(given_name="Ada")
    links = sorted(
        (a.organization.name, a.title, a.department, a.start_date, a.end_date, a.is_primary)
        for a in ada.affiliations.select_related("organization")
    )
    assert links == [
        ("Acme", "Analyst", "R&D", dt.date(2021, 3, 1), None, True),
        ("Globex", "Intern", "", dt.date(2019, 1, 1), dt.date(2020, 6, 30), False),
    ]
    assert Organization.objects.filter(name="Acme").count() == 1
    report = report_csv(job)
    assert "organizations.1,created" in report or "organizations.2,created" in report


def test_a_matching_organization_is_updated_under_update_and_the_revert_puts_it_back(
    member: Any,
) -> None:
    acme = make_organization(member, name="Acme", website="https://old.example/")
    original = _kept(acme)
    document = {
        "format": "rubrica",
        "version": 1,
        "contacts": [],
        "organizations": [
            {"uid": "elsewhere-1", "name": "acme", "website": "https://acme.example/",
             "industry": "Rockets"},
        ],
    }  # fmt: skip

    job = run_import(member, json.dumps(document), "rubrica.json", on_duplicate="update")

    acme.refresh_from_db()
    assert (acme.website, acme.industry) == ("https://acme.example/", "Rockets")
    [row] = ImportOrganization.objects.filter(job=job)
    assert (row.outcome, row.organization_id) == (Outcome.UPDATED, acme.pk)
    assert "Matches Acme by name" in row.message

    revert = job_run(import_revert(actor=member, job=job, enqueue=False).pk)

    assert revert.status == JobStatus.SUCCEEDED, revert.error
    assert revert.result["organizations_restored"] == 1
    acme.refresh_from_db()
    assert _kept(acme) == original
    assert Organization.objects.count() == 1


def test_skip_leaves_a_matching_organization_as_it_is(member: Any) -> None:
    acme = make_organization(member, name="Acme", website="https://old.example/")
    version = acme.version
    document = {
        "format": "rubrica",
        "contacts": [],
        "organizations": [{"uid": acme.uid, "name": "Renamed", "website": "https://new.example"}],
    }

    job = run_import(member, json.dumps(document), "rubrica.json", on_duplicate="skip")

    acme.refresh_from_db()
    assert (acme.name, acme.website, acme.version) == ("Acme", "https://old.example/", version)
    [row] = ImportOrganization.objects.filter(job=job)
    assert (row.outcome, row.organization_id) == (Outcome.SKIPPED, acme.pk)
    assert "by UID" in row.message
    assert job.result["organizations"]["skipped"] == 1


def test_an_organization_the_importer_may_only_read_fails_and_stays(
    member: Any, other_member: Any
) -> None:
    theirs = make_organization(other_member, name="Globex", visibility="private")
    share_add(actor=other_member, record=theirs, data={"user": member.pk, "level": "read"})
    theirs.refresh_from_db()
    version = theirs.version
    document = {
        "format": "rubrica",
        "contacts": [],
        "organizations": [{"name": "Globex", "industry": "Chemicals"}],
    }

    job = run_import(member, json.dumps(document), "rubrica.json", on_duplicate="update")

    [row] = ImportOrganization.objects.filter(job=job)
    assert row.outcome == Outcome.FAILED
    assert "may not change" in row.message
    theirs.refresh_from_db()
    assert (theirs.industry, theirs.version) == ("", version)


def test_one_bad_value_is_set_aside_and_a_broken_organization_fails_alone(member: Any) -> None:
    document = {
        "format": "rubrica",
        "contacts": [{"given_name": "Bo", "affiliations": [{"organization": "Umbrella"}]}],
        "organizations": [
            {"name": "Umbrella", "website": "not a web address", "kind": "No such kind",
             "phones": [{"value": "+39 06 1234 5678"}, {"value": "call me"}],
             "custom_fields": {"ref": "U-7"}},
            {"website": "https://nameless.example"},
            "Cyberdyne",
        ],
    }  # fmt: skip

    job = run_import(member, json.dumps(document), "rubrica.json")

    assert job.status == JobStatus.SUCCEEDED, job.error
    rows = {r.line: r for r in ImportOrganization.objects.filter(job=job)}
    assert rows[1].outcome == Outcome.CREATED
    umbrella = Organization.objects.get(name="Umbrella")
    assert [p.raw for p in umbrella.phones.all()] == ["+39 06 1234 5678"]
    for kept in ("not a web address", "No such kind", "call me", "ref: U-7"):
        assert kept in umbrella.notes
    for field in ("website", "kind", "phones.1", "custom_fields.ref"):
        assert field in rows[1].message
    assert rows[2].outcome == Outcome.FAILED
    assert 'record 2, field "name"' in rows[2].message
    assert rows[3].outcome == Outcome.FAILED and "record 3: not an object" in rows[3].message
    assert Organization.objects.count() == 1
    bo = Contact.objects.get(given_name="Bo")
    assert [a.organization_id for a in bo.affiliations.all()] == [umbrella.pk]


def test_the_revert_trashes_the_organizations_the_import_created(member: Any) -> None:
    document = {
        "format": "rubrica",
        "contacts": [{"given_name": "Bo", "affiliations": [{"organization": "Umbrella"}]}],
        "organizations": [{"name": "Umbrella"}, {"name": "Nobody works here"}],
    }
    job = run_import(member, json.dumps(document), "rubrica.json")
    assert Organization.objects.count() == 2

    revert = job_run(import_revert(actor=member, job=job, enqueue=False).pk)

    assert revert.status == JobStatus.SUCCEEDED, revert.error
    assert revert.result["organizations_trashed"] == 2
    assert Organization.objects.count() == 0
    assert Organization.all_objects.filter(deleted_at__isnull=False).count() == 2


def test_the_revert_keeps_a_created_organization_changed_since(member: Any) -> None:
    document = {"format": "rubrica", "contacts": [], "organizations": [{"name": "Umbrella"}]}
    job = run_import(member, json.dumps(document), "rubrica.json")
    umbrella = Organization.objects.get()
    organization_update(actor=member, organization=umbrella, data={"industry": "Pharma"})

    job_run(import_revert(actor=member, job=job, enqueue=False).pk)

    assert Organization.objects.filter(pk=umbrella.pk, industry="Pharma").exists()


def test_a_document_written_before_affiliations_were_exported_still_links_its_people(
    member: Any,
) -> None:
    document = {
        "format": "rubrica",
        "contacts": [
            {"given_name": "Bo",
             "organization": {"name": "Umbrella", "title": "Chemist", "department": "Labs"}},
        ],
        "organizations": [],
    }  # fmt: skip

    run_import(member, json.dumps(document), "rubrica.json")

    [link] = Contact.objects.get(given_name="Bo").affiliations.select_related("organization")
    assert (link.organization.name, link.title, link.department, link.is_primary) == (
        "Umbrella",
        "Chemist",
        "Labs",
        True,
    )


def test_the_api_and_the_cli_report_the_organizations(
    client: Any, member: Any, rubrica: Any
) -> None:
    document = {"format": "rubrica", "contacts": [], "organizations": [{"name": "Umbrella"}]}
    job = run_import(member, json.dumps(document), "rubrica.json")

    answer = client.get(f"/api/v1/imports/{job.pk}", **bearer(member))

    assert answer.status_code == 200
    assert answer.json()["organizations"]["created"] == 1
    code, out, _err = rubrica("import", "report", str(job.pk), "--as", "member")
    assert code == 0
    assert "organizations: created 1" in out
    assert isinstance(Job.objects.get(pk=job.pk).result["organizations"], dict)


def _revert(actor: Any, job: Job) -> Job:
    revert = job_run(import_revert(actor=actor, job=job, enqueue=False).pk)
    assert revert.status == JobStatus.SUCCEEDED, revert.error
    return revert


def test_the_revert_trashes_a_new_person_with_several_affiliations_and_their_organizations(
    member: Any,
) -> None:
    document = {
        "format": "rubrica",
        "contacts": [{"given_name": "Bo", "affiliations": [
            {"organization": "Umbrella", "is_primary": True}, {"organization": "Globex"}]}],
        "organizations": [{"name": "Umbrella"}, {"name": "Globex"}],
    }  # fmt: skip
    job = run_import(member, json.dumps(document), "rubrica.json")
    assert Contact.objects.get(given_name="Bo").affiliations.count() == 2

    revert = _revert(member, job)

    assert revert.result["trashed"] == 1
    assert not Contact.objects.exists()
    assert not Organization.objects.exists()


def test_too_many_phones_fail_that_organization_alone(member: Any) -> None:
    phones = [{"value": f"+39 06 1234 {i:04d}"} for i in range(51)]
    document = {
        "format": "rubrica",
        "contacts": [],
        "organizations": [{"name": "Umbrella", "phones": phones}, {"name": "Globex"}],
    }

    job = run_import(member, json.dumps(document), "rubrica.json")

    assert job.status == JobStatus.SUCCEEDED, job.error
    rows = dict(ImportOrganization.objects.filter(job=job).values_list("line", "outcome"))
    assert rows == {1: Outcome.FAILED, 2: Outcome.CREATED}
    assert "phones" in ImportOrganization.objects.get(job=job, line=1).message
    assert list(Organization.objects.values_list("name", flat=True)) == ["Globex"]


def test_an_organization_named_twice_in_a_document_is_still_reverted(member: Any) -> None:
    document = {"format": "rubrica", "contacts": [], "organizations": [
        {"uid": "u-1", "name": "Umbrella", "industry": "A"},
        {"uid": "u-1", "name": "Umbrella", "industry": "B"}]}  # fmt: skip
    job = run_import(member, json.dumps(document), "rubrica.json", on_duplicate="update")
    assert Organization.objects.get().industry == "B"

    revert = _revert(member, job)

    assert revert.result["organizations_trashed"] == 1
    assert not Organization.objects.exists()


def test_the_revert_takes_back_added_custom_fields_and_set_aside_notes(member: Any) -> None:
    from rubrica.customfields.models import CustomFieldDefinition

    CustomFieldDefinition.objects.create(
        entity="organization", key="ref", label="Ref", field_type="text"
    )
    acme = make_organization(member, name="Acme", notes="Pays late.")
    original = _kept(acme)
    changes = {"name": "Acme", "custom_fields": {"ref": "X-1"}, "website": "not a web address"}
    document = {"format": "rubrica", "contacts": [], "organizations": [changes]}
    job = run_import(member, json.dumps(document), "rubrica.json", on_duplicate="update")
    acme.refresh_from_db()
    assert acme.custom_fields == {"ref": "X-1"}
    assert "not a web address" in acme.notes

    _revert(member, job)

    acme.refresh_from_db()
    assert acme.custom_fields in ({}, {"ref": None})
    assert _kept(acme) == original


def test_the_report_row_keeps_sensitive_notes_sealed(admin_user: Any) -> None:
    from rubrica.core import sealing
    from rubrica.customfields.protection import protected_field_save

    acme = make_organization(admin_user, name="Acme", notes="Secret terms")
    protected_field_save(
        actor=admin_user,
        entity="organization",
        field_name="notes",
        sensitive=True,
        read_roles=["administrator"],
        edit_roles=["administrator"],
    )
    document = {
        "format": "rubrica",
        "contacts": [],
        "organizations": [{"name": "Acme", "notes": "New"}],
    }
    job = run_import(admin_user, json.dumps(document), "rubrica.json", on_duplicate="update")

    row = ImportOrganization.objects.get(job=job)
    assert sealing.is_sealed(row.before["notes"])
    assert "Secret terms" not in json.dumps(row.before)
    _revert(admin_user, job)
    acme.refresh_from_db()
    assert acme.notes == "Secret terms"


def test_wrong_types_in_an_affiliation_fail_the_person_naming_each(member: Any) -> None:
    document = {
        "format": "rubrica",
        "contacts": [{"given_name": "Bo", "affiliations": [
            {"organization": "Umbrella", "title": {"x": 1}, "is_primary": "false"}]}],
        "organizations": [],
    }  # fmt: skip

    job = run_import(member, json.dumps(document), "rubrica.json")

    [message] = ImportRow.objects.filter(job=job).values_list("message", flat=True)
    assert 'field "affiliations.0.title": Enter text.' in message
    assert 'field "affiliations.0.is_primary": Enter true or false.' in message
    assert not Contact.objects.exists()
