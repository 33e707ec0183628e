"""Exports asked for with hostile selections, and of people whose every field is a formula:
only what the owner may see, a 422 naming the field for a bad selection, no spreadsheet cell
that runs."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from rubrica.dataio.exporting import export_start
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run
from tests.dataio.import_helpers import bearer
from tests.factories import make_contact, make_organization

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def _roots(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def _post(client: Any, user: Any, body: dict[str, Any]) -> Any:
    return client.post(
        "/api/v1/exports", json.dumps(body), content_type="application/json", **bearer(user)
    )


def _run(actor: Any, fmt: str, selection: dict[str, Any]) -> Job:
    return job_run(export_start(actor=actor, format=fmt, selection=selection, enqueue=False).pk)


def _rows(job: Job) -> list[list[str]]:
    with job.output.open("rb") as handle:
        data = handle.read()
    if job.params["format"] == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data)).active
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.value is None or cell.data_type == "s", cell.coordinate
        return [["" if v is None else str(v) for v in row] for row in sheet.values]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("selection", "errors"),
    [
        ({"ids": [10**30]}, {"selection.ids": "Ids are whole numbers."}),
        ({"ids": [2.5]}, {"selection.ids": "Ids are whole numbers."}),
        ({"ids": [True]}, {"selection.ids": "Ids are whole numbers."}),
        ({"ids": [-1]}, {"selection.ids": "Ids are whole numbers."}),
        ({"ids": [[1]]}, {"selection.ids": "Ids are whole numbers."}),
        ({"ids": list(range(100_001))}, {"selection.ids": "Give a list of at most 100000 ids."}),
        ({"segment": 10**30}, {"selection.segment": "Give a segment id."}),
        ({"segment": {"a": 1}}, {"selection.segment": "Give a segment id."}),
        ({"segment": True}, {"selection.segment": "Give a segment id."}),
        ({"ids": [], "segment": 1}, {"selection": "Give exactly one of: filters, segment, ids."}),
        (
            {"filters": {"sort": "password"}},
            {
                "selection.filters.sort": "Sort by one of: name, -name, email, -email, city, "
                "-city, country, -country, created, -created, updated, -updated, last_interaction,"
                " -last_interaction."
            },
        ),
        (
            {"filters": {"q": {"a": 1}}},
            {"selection.filters.q": "Give a text, a number or a list of them."},
        ),
        (
            {"filters": {"tag": [[1, 2]], "city": "Roma"}},
            {"selection.filters.tag": "Give a text, a number or a list of them."},
        ),
    ],
    ids=[
        "huge id",
        "float id",
        "bool id",
        "negative id",
        "nested id",
        "too many ids",
        "huge segment",
        "object segment",
        "bool segment",
        "two selections",
        "bad sort",
        "object as a filter",
        "nested list as a filter",
    ],
)
def test_a_bad_selection_is_a_422_naming_the_field_and_starts_no_job(
    client: Any, member: Any, selection: dict[str, Any], errors: dict[str, str]
) -> None:
    make_contact(member)
    response = _post(client, member, {"format": "csv", "selection": selection})
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert Job.objects.count() == 0


def test_huge_ids_from_the_people_list_are_refused_with_a_message(member_client: Any) -> None:
    response = member_client.post(
        "/io/exports/new/",
        {"format": "csv", "query": "", "selected": [str(10**30)], "only_selected": "1"},
        follow=True,
    )
    assert "Ids are whole numbers." in response.content.decode()
    assert Job.objects.count() == 0


def test_ids_of_people_the_member_may_not_see_are_left_out(
    client: Any, member: Any, other_member: Any
) -> None:
    mine = make_contact(member, given_name="Mine", visibility="private")
    hidden = make_contact(other_member, given_name="Hidden", visibility="private")
    response = _post(client, member, {"format": "csv", "selection": {"ids": [hidden.pk, mine.pk]}})
    assert response.status_code == 201
    job = job_run(response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED
    rows = _rows(job)
    assert [row[rows[0].index("Given Name")] for row in rows[1:]] == ["Mine"]
    assert job.result["count"] == 1


def test_a_private_segment_of_someone_else_exports_nothing(member: Any, other_member: Any) -> None:
    from rubrica.segments.services import segment_add_members, segment_create

    hidden = make_contact(other_member, given_name="Hidden", visibility="private")
    segment = segment_create(actor=other_member, data={"name": "Theirs", "kind": "static"})
    segment_add_members(actor=other_member, segment=segment, contacts=[hidden.pk])
    job = _run(member, "csv", {"segment": segment.pk})
    assert job.status == JobStatus.FAILED
    assert job.error == "There is no such segment."
    assert not job.output


def test_a_shared_segment_exports_only_its_people_the_member_may_see(
    member: Any, other_member: Any
) -> None:
    from rubrica.segments.services import segment_add_members, segment_create

    hidden = make_contact(other_member, given_name="Hidden", visibility="private")
    shared = make_contact(other_member, given_name="Shared", visibility="everyone")
    segment = segment_create(
        actor=other_member, data={"name": "Theirs", "kind": "static", "visibility": "everyone"}
    )
    segment_add_members(actor=other_member, segment=segment, contacts=[hidden.pk, shared.pk])
    job = _run(member, "xlsx", {"segment": segment.pk})
    assert job.status == JobStatus.SUCCEEDED, job.error
    rows = _rows(job)
    assert [row[rows[0].index("Given Name")] for row in rows[1:]] == ["Shared"]


@pytest.mark.parametrize("fmt", ["csv", "csv-google", "xlsx"])
def test_no_exported_cell_starts_a_formula(member: Any, admin_user: Any, fmt: str) -> None:
    from rubrica.customfields.services import definition_save
    from rubrica.organizations.services import affiliation_create

    definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "motto", "label": "Motto", "field_type": "text"},
    )
    definition_save(
        actor=admin_user,
        data={
            "entity": "contact",
            "key": "picks",
            "label": "Picks",
            "field_type": "multi_choice",
            "choices": ["=A", "+B", "@C"],
        },
    )
    person = make_contact(
        member,
        given_name='=HYPERLINK("http://evil.example","x")',
        family_name="+cmd|' /C calc'!A0",
        additional_name="-2+3",
        prefix="@SUM(1)",
        suffix="=1",
        display_name="=display",
        nicknames=["=n1", "@n2"],
        notes="=notes\n=line two",
        title="-title",
        tags=["=tag", "+tag2"],
        custom_fields={"motto": "=motto", "picks": ["=A", "+B"]},
        emails=[{"label": "=lab", "value": "ada@example.com"}],
        phones=[{"label": "@ph", "value": "+1 202 555 0100"}],
        addresses=[{"label": "-a", "street": "=street", "city": "+city", "country": "@c"}],
        urls=[{"label": "=u", "value": "https://example.com/=x"}],
        profiles=[{"label": "=p", "value": "=profile"}],
    )
    organization = make_organization(member, name="=ORG()")
    affiliation_create(
        actor=member,
        contact=person,
        organization=organization,
        data={"title": "=t", "department": "+dep", "is_primary": True},
    )
    job = _run(member, fmt, {"filters": {}})
    assert job.status == JobStatus.SUCCEEDED, job.error
    header, row = _rows(job)
    cells = dict(zip(header, row, strict=True))
    if fmt == "xlsx":
        # typed string cells (checked in _rows): exact values, never evaluated
        assert cells["Given Name"] == '=HYPERLINK("http://evil.example","x")'
        assert cells["Organization"] == "=ORG()"
        return
    phone = "Phone 1 - Value"
    unsafe = {h: v for h, v in cells.items() if v.startswith(FORMULA_STARTS) and h != phone}
    assert unsafe == {}
    assert cells[phone] == "+1 202 555 0100"  # digits only: shown as a number at worst
    first = "First Name" if fmt == "csv-google" else "Given Name"
    assert cells[first] == '\'=HYPERLINK("http://evil.example","x")'
    expected_org = "Organization Name" if fmt == "csv-google" else "Organization"
    assert cells[expected_org] == "'=ORG()"
    if fmt == "csv":
        assert cells["Tags"] == "'+tag2 ::: =tag"  # sorted
        assert cells["Custom: motto"] == "'=motto"
        assert cells["Custom: picks"] == "'=A ::: +B"
        assert cells["Notes"] == "'=notes\n=line two"
