"""Exports of organizations: the organizations a person may see, by the list's filters or chosen
ids, as CSV, XLSX or JSON, through the same job, grant, download and audit as people's."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from rubrica.accounts import services as accounts
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction
from rubrica.customfields.protection import protected_field_save
from rubrica.dataio.exporting import export_start
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run
from rubrica.taxonomy.models import OrganizationKind
from tests.factories import UserFactory, make_organization


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"


def _run(actor: Any, fmt: str, selection: dict[str, Any]) -> Job:
    job = export_start(
        actor=actor, format=fmt, selection=selection, enqueue=False, entity="organizations"
    )
    job = job_run(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def _csv(job: Job) -> list[dict[str, str]]:
    with job.output.open("rb") as handle:
        text = handle.read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _world(member: Any, other_member: Any) -> dict[str, Any]:
    return {
        "mine": _acme(member),
        "shared": make_organization(other_member, name="Globex", visibility="everyone"),
        "hidden": make_organization(other_member, name="Initech", visibility="private"),
    }


def _acme(member: Any) -> Any:
    return make_organization(
        member,
        name="Acme",
        industry="Rockets",
        website="https://acme.example",
        email_domains=["acme.example"],
        tags=["client", "vip"],
        notes='=HYPERLINK("http://evil")',
        phones=[{"value": "+39 06 1234 5678", "label": "work"}],
        addresses=[{"street": "Via Roma 1", "city": "Roma", "country": "IT"}],
        visibility="private",
    )


def test_a_csv_export_holds_exactly_the_organizations_its_owner_may_see(
    member: Any, other_member: Any
) -> None:
    world = _world(member, other_member)

    job = _run(member, "csv", {"filters": {}})

    rows = _csv(job)
    assert sorted(row["Name"] for row in rows) == ["Acme", "Globex"]
    assert job.result["count"] == 2
    assert job.output.name.rsplit("/", 1)[-1].startswith("rubrica-organizations-")
    acme = next(row for row in rows if row["Name"] == "Acme")
    assert acme["UID"] == world["mine"].uid
    assert acme["Industry"] == "Rockets"
    assert acme["Website"] == "https://acme.example/"
    assert acme["Email Domains"] == "acme.example"
    assert acme["Tags"] == "client ::: vip"
    assert acme["Phone 1 - Value"] == "+39 06 1234 5678"
    assert acme["Address 1 - City"] == "Roma"
    assert acme["Owner"] == "member"
    # A formula in a cell is written as text, never run by the spreadsheet.
    assert acme["Notes"] == '\'=HYPERLINK("http://evil")'
    # People's columns are not an organization's.
    assert "Given Name" not in acme and "Email 1 - Value" not in acme


def test_the_parent_is_named_only_to_who_may_see_it(
    member: Any, other_member: Any, admin_user: Any
) -> None:
    hidden_parent = make_organization(other_member, name="Hidden Holding", visibility="private")
    seen_parent = make_organization(other_member, name="Open Holding", visibility="everyone")
    make_organization(other_member, name="Child A", parent=hidden_parent.pk, visibility="everyone")
    make_organization(other_member, name="Child B", parent=seen_parent.pk, visibility="everyone")

    by_member = {row["Name"]: row for row in _csv(_run(member, "csv", {"filters": {}}))}
    by_admin = {row["Name"]: row for row in _csv(_run(admin_user, "csv", {"filters": {}}))}

    assert by_member["Child A"]["Parent Organization"] == ""
    assert by_member["Child B"]["Parent Organization"] == "Open Holding"
    assert by_admin["Child A"]["Parent Organization"] == "Hidden Holding"


def test_the_list_filters_and_chosen_ids_select(member: Any, other_member: Any) -> None:
    kind = OrganizationKind.objects.create(name="Export kind")
    world = _world(member, other_member)
    from rubrica.organizations.services import organization_update

    organization_update(actor=member, organization=world["shared"], data={"kind": kind.pk})

    by_kind = _csv(_run(member, "csv", {"filters": {"kind": str(kind.pk)}}))
    assert [row["Name"] for row in by_kind] == ["Globex"]
    assert by_kind[0]["Kind"] == "Export kind"

    by_text = _csv(_run(member, "csv", {"filters": {"q": "acm"}}))
    assert [row["Name"] for row in by_text] == ["Acme"]

    ids = [world["hidden"].pk, world["mine"].pk]
    assert [row["Name"] for row in _csv(_run(member, "csv", {"ids": ids}))] == ["Acme"]


def test_xlsx_and_json(member: Any, other_member: Any) -> None:
    world = _world(member, other_member)

    xlsx = _run(member, "xlsx", {"filters": {}})
    with xlsx.output.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:3] == ["UID", "Name", "Kind"]
    names = sorted(row[1] for row in rows[1:])
    assert names == ["Acme", "Globex"]
    acme = next(row for row in rows[1:] if row[1] == "Acme")
    assert acme[header.index("Notes")] == '=HYPERLINK("http://evil")'  # a text cell

    document = _run(member, "json", {"filters": {}})
    with document.output.open("rb") as handle:
        data = json.loads(handle.read())
    assert data["format"] == "rubrica" and data["contacts"] == []
    exported = {o["name"]: o for o in data["organizations"]}
    assert set(exported) == {"Acme", "Globex"}
    assert exported["Acme"]["uid"] == world["mine"].uid
    assert exported["Acme"]["phones"][0]["value"] == "+39 06 1234 5678"
    assert exported["Acme"]["tags"] == ["client", "vip"]


def test_a_protected_field_is_left_out_for_who_may_not_read_it(
    admin_user: Any, member: Any
) -> None:
    make_organization(member, name="Acme", notes="Secret terms", visibility="everyone")
    protected_field_save(
        actor=admin_user,
        entity="organization",
        field_name="notes",
        sensitive=True,
        read_roles=["administrator"],
        edit_roles=[],
    )

    by_member = _csv(_run(member, "csv", {"filters": {}}))
    by_admin = _csv(_run(admin_user, "csv", {"filters": {}}))

    assert by_member[0]["Notes"] == ""
    assert by_admin[0]["Notes"] == "Secret terms"
    document = _run(member, "json", {"filters": {}})
    with document.output.open("rb") as handle:
        assert "Secret terms" not in handle.read().decode()


def test_wrong_requests_name_the_field_and_start_nothing(member: Any) -> None:
    cases = [
        ({"format": "vcard4", "selection": {"filters": {}}}, "format"),
        ({"format": "csv-google", "selection": {"filters": {}}}, "format"),
        ({"format": "csv", "selection": {"segment": 1}}, "selection.segment"),
        ({"format": "csv", "selection": {"filters": {"kind": "x"}}}, "selection.filters.kind"),
        ({"format": "csv", "selection": {"filters": {}}, "entity": "tasks"}, "entity"),
    ]
    for kwargs, field in cases:
        kwargs.setdefault("entity", "organizations")
        with pytest.raises(ValidationError) as exc:
            export_start(actor=member, enqueue=False, **kwargs)
        assert field in exc.value.message_dict, (kwargs, exc.value.message_dict)
    assert Job.objects.count() == 0


def test_the_grant_on_organizations_decides_not_the_one_on_people(admin_user: Any) -> None:
    role = accounts.role_create(actor=admin_user, key="people_exporter", name="People exporter")
    accounts.role_grants_set(
        actor=admin_user,
        role=role,
        levels={
            ("people", "view"): "all",
            ("people", "export"): "all",
            ("organizations", "view"): "all",
            ("organizations", "export"): "none",
        },
    )
    person = UserFactory(username="exporter", roles=[role])

    with pytest.raises(PermissionDenied):
        export_start(
            actor=person,
            format="csv",
            selection={"filters": {}},
            enqueue=False,
            entity="organizations",
        )
    assert Job.objects.count() == 0
    export_start(actor=person, format="csv", selection={"filters": {}}, enqueue=False)
    assert Job.objects.count() == 1


def test_the_start_is_audited_with_the_entity(member: Any) -> None:
    job = export_start(
        actor=member,
        format="csv",
        selection={"filters": {}},
        enqueue=False,
        entity="organizations",
    )
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT_START)
    assert entry.details["entity"] == "organizations"
    assert job.title == "Export of organizations (csv)"


# The doors --------------------------------------------------------------------------------


def test_the_list_page_exports_its_filters_or_the_selected_rows(
    member_client: Any, member: Any, other_member: Any
) -> None:
    world = _world(member, other_member)

    response = member_client.post(
        reverse("dataio:export_create"),
        {"entity": "organizations", "format": "csv", "query": "q=glob"},
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.params == {
        "format": "csv",
        "selection": {"filters": {"q": "glob"}},
        "entity": "organizations",
    }
    job_run(job.pk)
    assert [row["Name"] for row in _csv(Job.objects.get(pk=job.pk))] == ["Globex"]

    member_client.post(
        reverse("dataio:export_create"),
        {
            "entity": "organizations",
            "format": "xlsx",
            "only_selected": "1",
            "selected": [world["mine"].pk],
        },
    )
    assert Job.objects.latest("pk").params["selection"] == {"ids": [world["mine"].pk]}


def test_the_page_refuses_an_empty_selection_back_on_the_organizations_list(
    member_client: Any,
) -> None:
    response = member_client.post(
        reverse("dataio:export_create"),
        {"entity": "organizations", "format": "csv", "only_selected": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:list")
    assert Job.objects.count() == 0


def test_the_api_exports_organizations(client: Any, as_member: Any, member: Any) -> None:
    make_organization(member, name="Acme")
    response = client.post(
        "/api/v1/exports",
        {"entity": "organizations", "format": "json", "selection": {"ids": []}},
        content_type="application/json",
        **as_member,
    )
    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.params["entity"] == "organizations"

    refused = client.post(
        "/api/v1/exports",
        {"entity": "organizations", "format": "vcard3", "selection": {"filters": {}}},
        content_type="application/json",
        **as_member,
    )
    assert refused.status_code == 422
    assert Job.objects.count() == 1


def test_the_cli_exports_organizations(rubrica: Any, member: Any, tmp_path: Any) -> None:
    make_organization(member, name="Acme", tags=["client"])
    target = tmp_path / "orgs.csv"

    code, _out, err = rubrica(
        "export",
        "--as",
        "member",
        "--entity",
        "organizations",
        "--format",
        "csv",
        "--filter",
        "q=acme",
        "-o",
        str(target),
    )

    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
    assert [(row["Name"], row["Tags"]) for row in rows] == [("Acme", "client")]
    code, _out, err = rubrica(
        "export", "--as", "member", "--entity", "organizations", "--format", "vcard4", "-o", "-"
    )
    assert code != 0 and "format" in err
