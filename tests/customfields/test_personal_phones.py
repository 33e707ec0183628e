"""Personal phone numbers as a protectable built-in (ADR 0034): the phones whose label names
home, personal or private are hidden on every door from a role that may not read them, kept
when that role saves the person, refused (422 naming ``personal_phones``) when it writes one,
and shown to a role that may. Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rubrica import search
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_update, snapshot
from rubrica.customfields.protection import (
    field_access,
    is_personal_phone,
    protected_field_save,
)
from rubrica.dataio.exporting import export_start
from rubrica.dedup.scoring import visible_reasons
from rubrica.jobs.models import JobStatus
from rubrica.jobs.services import job_run
from rubrica.keys.services import reseal_start
from tests.api.conftest import bearer
from tests.factories import make_contact
from tests.moments import without_moments

pytestmark = pytest.mark.django_db

HOME = "+39 06 8877 6655"
HOME_DIGITS = "0688776655"
WORK = "+39 02 1234 5678"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture
def person(admin_user: Any) -> Contact:
    return make_contact(
        admin_user,
        given_name="Paola",
        family_name="Privata",
        visibility="everyone",
        phones=[
            {"label": "home", "value": HOME, "is_preferred": True},
            {"label": "work", "value": WORK},
        ],
    )


def _protect(admin_user: Any, read_roles: list[str] | None = None) -> None:
    protected_field_save(
        actor=admin_user,
        entity="contact",
        field_name="personal_phones",
        sensitive=True,
        read_roles=read_roles or [],
        edit_roles=[],
    )


def _phones(pk: int) -> list[tuple[str, str]]:
    return [(p["label"], p["value"]) for p in snapshot(Contact.objects.get(pk=pk))["phones"]]


def test_which_phones_are_personal() -> None:
    for label in ("home", "Home", "home,fax", "Home Fax", "private mobile", "personal"):
        assert is_personal_phone(label), label
    for label in ("", "work", "mobile", "main", "homepage", "work,fax", "other"):
        assert not is_personal_phone(label), label


def test_api_hides_personal_phones_and_refuses_writing_one(
    client: Any, person: Contact, admin_user: Any, member: Any
) -> None:
    _protect(admin_user)
    hidden = client.get(f"/api/v1/contacts/{person.pk}", **bearer(member)).json()
    assert [p["label"] for p in hidden["phones"]] == ["work"]
    assert HOME_DIGITS[1:] not in json.dumps(hidden).replace(" ", "")
    listed = client.get("/api/v1/contacts", **bearer(member)).json()["items"]
    assert all(p["label"] != "home" for item in listed for p in item.get("phones", []))
    shown = client.get(f"/api/v1/contacts/{person.pk}", **bearer(admin_user)).json()
    assert {p["label"] for p in shown["phones"]} == {"home", "work"}

    before = Contact.objects.get(pk=person.pk)
    answer = client.patch(
        f"/api/v1/contacts/{person.pk}",
        {"phones": [{"label": "home", "value": "+39 06 1111 2222"}]},
        content_type="application/json",
        **bearer(member),
    )
    assert answer.status_code == 422
    assert "personal_phones" in answer.content.decode()
    assert Contact.objects.get(pk=person.pk).version == before.version
    assert _phones(person.pk) == [("home", HOME), ("work", WORK)]

    answer = client.patch(
        f"/api/v1/contacts/{person.pk}",
        {"phones": [{"label": "work", "value": "+39 02 9999 0000"}]},
        content_type="application/json",
        **bearer(member),
    )
    assert answer.status_code == 200, answer.content
    assert ("home", HOME) in _phones(person.pk)  # kept: the client could not see it
    assert ("work", "+39 02 9999 0000") in _phones(person.pk)


def test_service_refuses_a_personal_phone_whatever_the_door(
    person: Contact, admin_user: Any, member: Any
) -> None:
    _protect(admin_user)
    with pytest.raises(ValidationError) as refused:
        contact_update(
            actor=member,
            contact=person,
            data={"phones": [{"label": "Private", "value": "+39 06 5555 4444"}]},
        )
    assert "personal_phones" in refused.value.message_dict
    assert _phones(person.pk) == [("home", HOME), ("work", WORK)]


def test_pages_hide_personal_phones_and_the_edit_form_keeps_them(
    client: Any, person: Contact, admin_user: Any, member: Any
) -> None:
    _protect(admin_user)
    client.force_login(member)
    page = without_moments(
        client.get(reverse("contacts:detail", args=[person.pk])).content.decode()
    )
    assert "8877" not in page and "1234" in page
    form = without_moments(client.get(reverse("contacts:edit", args=[person.pk])).content.decode())
    assert "8877" not in form and "1234" in form
    answer = client.post(
        reverse("contacts:edit", args=[person.pk]),
        {
            "version": person.version,
            "given_name": "Paola",
            "family_name": "Renamed",
            "visibility": "everyone",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    after = Contact.objects.get(pk=person.pk)
    assert after.family_name == "Renamed"
    assert ("home", HOME) in _phones(person.pk)
    client.force_login(admin_user)
    page = without_moments(
        client.get(reverse("contacts:detail", args=[person.pk])).content.decode()
    )
    assert "8877" in page


def test_the_people_list_column_shows_no_personal_phone_once_protected(
    client: Any, person: Contact, admin_user: Any, member: Any
) -> None:
    assert Contact.objects.get(pk=person.pk).primary_phone == "+390688776655"
    _protect(admin_user)
    job = job_run(reseal_start(actor=admin_user, enqueue=False, reindex=True).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert Contact.objects.get(pk=person.pk).primary_phone == "+390212345678"
    client.force_login(member)
    page = without_moments(client.get(reverse("contacts:list")).content.decode())
    assert "8877" not in page


def test_search_and_suggestions_do_not_find_a_personal_phone(
    person: Contact, admin_user: Any, member: Any
) -> None:
    _protect(admin_user, read_roles=["sales"])
    search.index(Contact.objects.get(pk=person.pk))
    for user in (admin_user, member):
        assert search.query(user, HOME_DIGITS) == []
    assert [hit.pk for hit in search.query(member, "0212345678")] == [person.pk]


def test_exports_leave_out_personal_phones_for_those_who_may_not_read_them(
    person: Contact, admin_user: Any, member: Any
) -> None:
    _protect(admin_user)

    def export(actor: Any, fmt: str) -> str:
        job = job_run(
            export_start(actor=actor, format=fmt, selection={"ids": [person.pk]}, enqueue=False).pk
        )
        assert job.status == JobStatus.SUCCEEDED, job.error
        with job.output.open("rb") as handle:
            data: bytes = handle.read()
        return data.decode("utf-8-sig", errors="replace").replace(" ", "")

    for fmt in ("csv", "json", "vcard4", "xlsx"):
        if fmt != "xlsx":
            hidden = export(member, fmt)
            assert "88776655" not in hidden and "12345678" in hidden, fmt
            assert "88776655" in export(admin_user, fmt), fmt
    from openpyxl import load_workbook

    job = job_run(
        export_start(actor=member, format="xlsx", selection={"ids": [person.pk]}, enqueue=False).pk
    )
    with job.output.open("rb") as handle:
        sheet = load_workbook(handle).active
        cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row).replace(" ", "")
    assert "88776655" not in cells and "12345678" in cells


def test_history_and_merge_page_hide_personal_phones(
    client: Any, person: Contact, admin_user: Any, member: Any
) -> None:
    _protect(admin_user)
    contact_update(
        actor=admin_user,
        contact=person,
        data={"phones": [{"label": "home", "value": "+39 06 7777 3333"}]},
    )
    client.force_login(member)
    page = without_moments(
        client.get(reverse("history:contact", args=[person.pk])).content.decode()
    )
    assert "7777" not in page and "8877" not in page
    client.force_login(admin_user)
    page = without_moments(
        client.get(reverse("history:contact", args=[person.pk])).content.decode()
    )
    assert "7777" in page

    twin = make_contact(member, given_name="Paola", family_name="Privata", visibility="everyone")
    Contact.objects.filter(pk__in=[twin.pk, person.pk]).update(owner=member)
    client.force_login(member)
    page = client.get(reverse("merges:new"), {"a": twin.pk, "b": person.pk})
    assert page.status_code == 200
    assert "7777" not in without_moments(page.content.decode())


def test_duplicate_reasons_about_phones_are_dropped_for_those_who_may_not_read_them(
    admin_user: Any, member: Any
) -> None:
    _protect(admin_user)
    assert visible_reasons(member, ["phone", "phone_nsn", "same_name"]) == ["same_name"]
    assert visible_reasons(admin_user, ["phone", "same_name"]) == ["phone", "same_name"]
    assert "personal_phones" in field_access(member, "contact").hidden


def test_an_import_row_with_a_personal_phone_the_importer_may_not_change_fails(
    admin_user: Any, member: Any
) -> None:
    from tests.dataio.import_helpers import card, outcomes, run_import

    _protect(admin_user)
    job = run_import(
        member,
        card("urn:uuid:imp", "Ines", "Import", extra="TEL;TYPE=home:+39 06 4444 1111")
        + card("urn:uuid:ok", "Olga", "Work", extra="TEL;TYPE=work:+39 02 4444 1111"),
    )
    assert outcomes(job) == [(1, "failed"), (8, "created")]
    assert not Contact.objects.filter(uid="urn:uuid:imp").exists()
