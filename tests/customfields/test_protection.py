"""Field-level protection and encryption at rest (ADR 0027): a sensitive value is hidden on every
door from a role that may not read it, shown to one that may, stored sealed, rotated, and a
tampered one is detected. Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from rubrica import search
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_update
from rubrica.core import sealing
from rubrica.customfields.models import CustomFieldDefinition, ProtectedField
from rubrica.customfields.protection import field_access, protected_field_save
from rubrica.customfields.services import definition_save
from rubrica.dataio.exporting import export_start
from rubrica.history.models import HistoryEntry
from rubrica.jobs.models import JobStatus
from rubrica.jobs.services import job_run
from rubrica.keys.services import reseal_start
from tests.api.conftest import bearer
from tests.conftest import TEST_FIELD_KEYS
from tests.factories import make_contact
from tests.moments import without_moments

pytestmark = pytest.mark.django_db

SECRET = "XK-9931-SECRET"
NOTE = "allergic to penicillin zebracorn"
NEW_KEY = "t2 " + "B" * 43 + "="


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture
def tax_id(admin_user: Any) -> CustomFieldDefinition:
    """A sensitive, identifying custom field that sales (``member``) may not read; managers
    may read it, and nobody but administrators may change it."""
    return definition_save(
        actor=admin_user,
        data={
            "entity": "contact",
            "key": "tax_id",
            "label": "Tax id",
            "field_type": "text",
            "identifying": True,
            "sensitive": True,
            "read_roles": ["manager"],
            "edit_roles": [],
        },
    )


@pytest.fixture
def person(admin_user: Any, tax_id: CustomFieldDefinition) -> Contact:
    return make_contact(
        admin_user,
        given_name="Greta",
        family_name="Sealed",
        visibility="everyone",
        birthday="1980-04-15",
        notes=NOTE,
        custom_fields={"tax_id": SECRET},
    )


def _raw_custom_fields(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT custom_fields FROM contacts_contact WHERE id = %s", [pk])
        (value,) = cursor.fetchone()
    return value if isinstance(value, str) else json.dumps(value)


def _protect_notes(admin_user: Any, read_roles: list[str]) -> None:
    protected_field_save(
        actor=admin_user,
        entity="contact",
        field_name="notes",
        sensitive=True,
        read_roles=read_roles,
        edit_roles=[],
    )
    protected_field_save(
        actor=admin_user,
        entity="contact",
        field_name="birthday",
        sensitive=True,
        read_roles=read_roles,
        edit_roles=[],
    )


# Sealing ---------------------------------------------------------------------------------------


def test_a_sealed_value_opens_only_in_its_own_context_and_detects_tampering() -> None:
    sealed = sealing.seal({"a": [1, "b"]}, "contact.custom_fields.x", index=True)
    assert sealing.open_sealed(sealed, "contact.custom_fields.x") == {"a": [1, "b"]}
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(sealed, "contact.custom_fields.y")  # moved to another field
    raw = bytearray(__import__("base64").b64decode(sealed["ct"]))
    raw[-1] ^= 1
    tampered = {**sealed, "ct": __import__("base64").b64encode(bytes(raw)).decode()}
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(tampered, "contact.custom_fields.x")


def test_the_raw_row_holds_no_plaintext_and_the_service_reads_it_back(
    person: Contact,
) -> None:
    raw = _raw_custom_fields(person.pk)
    assert SECRET not in raw
    assert "t1" in raw  # the key id is stored with the ciphertext
    stored = Contact.objects.get(pk=person.pk).custom_fields["tax_id"]
    assert sealing.open_sealed(stored, "contact.custom_fields.tax_id") == SECRET


def test_a_tampered_value_in_the_database_is_shown_as_unreadable_not_as_garbage(
    person: Contact, admin_client: Any
) -> None:
    stored = dict(Contact.objects.get(pk=person.pk).custom_fields["tax_id"])
    stored["ct"] = stored["ct"][:-6] + (
        "AAAA==" if not stored["ct"].endswith("AAAA==") else "BBBB=="
    )
    Contact.objects.filter(pk=person.pk).update(custom_fields={"tax_id": stored})
    page = admin_client.get(reverse("contacts:detail", args=[person.pk])).content.decode()
    assert "unreadable" in page
    assert SECRET not in page


# Doors -----------------------------------------------------------------------------------------


def test_api_hides_the_value_from_a_role_without_access_and_shows_it_with_access(
    client: Any, person: Contact, member: Any, admin_user: Any
) -> None:
    hidden = client.get(f"/api/v1/contacts/{person.pk}", **bearer(member)).json()
    assert "tax_id" not in hidden["custom_fields"]
    shown = client.get(f"/api/v1/contacts/{person.pk}", **bearer(admin_user)).json()
    assert shown["custom_fields"]["tax_id"] == SECRET
    listed = client.get("/api/v1/contacts", **bearer(member)).json()["items"]
    assert all("tax_id" not in item["custom_fields"] for item in listed)
    reads = AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ, actor_id=admin_user.pk)
    assert [(e.target_id, e.details["door"]) for e in reads] == [(str(person.pk), "api")]
    assert not AuditEntry.objects.filter(
        action=AuditAction.SENSITIVE_READ, actor_id=member.pk
    ).exists()


def test_a_manager_role_reads_it(
    client: Any, person: Contact, member: Any, monkeypatch: Any
) -> None:
    import rubrica.customfields.protection as protection

    monkeypatch.setattr(protection, "role_keys", lambda user: frozenset({"manager"}))
    shown = client.get(f"/api/v1/contacts/{person.pk}", **bearer(member)).json()
    assert shown["custom_fields"]["tax_id"] == SECRET


def test_api_write_to_a_field_one_may_not_change_is_refused_naming_it(
    client: Any, person: Contact, member: Any
) -> None:
    before = Contact.objects.get(pk=person.pk)
    answer = client.patch(
        f"/api/v1/contacts/{person.pk}",
        {"custom_fields": {"tax_id": "guess"}},
        content_type="application/json",
        **bearer(member),
    )
    assert answer.status_code == 422
    assert "custom_fields.tax_id" in answer.content.decode()
    after = Contact.objects.get(pk=person.pk)
    assert after.custom_fields == before.custom_fields
    assert after.version == before.version


def test_built_in_fields_protected_are_absent_from_the_api_and_refused_on_write(
    client: Any, person: Contact, member: Any, admin_user: Any
) -> None:
    _protect_notes(admin_user, read_roles=["manager"])
    hidden = client.get(f"/api/v1/contacts/{person.pk}", **bearer(member)).json()
    assert "notes" not in hidden and "birthday" not in hidden
    assert hidden["family_name"] == "Sealed"
    shown = client.get(f"/api/v1/contacts/{person.pk}", **bearer(admin_user)).json()
    assert shown["notes"] == NOTE and shown["birthday"] == "1980-04-15"
    with pytest.raises(ValidationError) as refused:
        contact_update(actor=member, contact=person, data={"notes": "changed"})
    assert "notes" in refused.value.message_dict
    assert Contact.objects.get(pk=person.pk).notes == NOTE


def test_detail_page_hides_from_a_role_without_access_and_audits_a_read_with_access(
    client: Any, person: Contact, member: Any, admin_user: Any
) -> None:
    _protect_notes(admin_user, read_roles=[])
    client.force_login(member)
    page = client.get(reverse("contacts:detail", args=[person.pk])).content.decode()
    assert SECRET not in page and "zebracorn" not in page and "Tax id" not in page
    assert "Greta" in page
    client.force_login(admin_user)
    page = client.get(reverse("contacts:detail", args=[person.pk])).content.decode()
    assert SECRET in page and "zebracorn" in page
    entry = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ)
    assert entry.actor_id == admin_user.pk
    assert entry.details == {
        "door": "page",
        "fields": ["birthday", "custom_fields.tax_id", "notes"],
    }


def test_saving_the_edit_form_without_access_keeps_the_hidden_values(
    client: Any, person: Contact, member: Any, admin_user: Any
) -> None:
    _protect_notes(admin_user, read_roles=[])
    client.force_login(member)
    form = client.get(reverse("contacts:edit", args=[person.pk])).content.decode()
    assert 'name="notes"' not in form and 'name="cf_tax_id"' not in form
    assert 'name="birthday"' not in form
    assert "zebracorn" not in form and SECRET not in form
    sealed_before = Contact.objects.get(pk=person.pk).custom_fields["tax_id"]
    answer = client.post(
        reverse("contacts:edit", args=[person.pk]),
        {
            "version": person.version,
            "given_name": "Greta",
            "family_name": "Renamed",
            "visibility": "everyone",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    after = Contact.objects.get(pk=person.pk)
    assert after.family_name == "Renamed"
    assert after.notes == NOTE and after.birthday == "1980-04-15"
    assert after.custom_fields["tax_id"] == sealed_before


def test_search_never_finds_a_sensitive_value(
    person: Contact, admin_user: Any, member: Any
) -> None:
    _protect_notes(admin_user, read_roles=["sales"])
    search.index(Contact.objects.get(pk=person.pk))
    for user in (admin_user, member):
        assert search.query(user, SECRET) == []
        assert search.query(user, "zebracorn") == []
    assert [hit.pk for hit in search.query(member, "Greta")] == [person.pk]


def test_exports_leave_out_what_the_reader_may_not_read(
    person: Contact, member: Any, admin_user: Any
) -> None:
    _protect_notes(admin_user, read_roles=[])

    def export(actor: Any, fmt: str) -> str:
        job = job_run(
            export_start(actor=actor, format=fmt, selection={"ids": [person.pk]}, enqueue=False).pk
        )
        assert job.status == JobStatus.SUCCEEDED, job.error
        with job.output.open("rb") as handle:
            data: bytes = handle.read()
        return without_moments(data.decode("utf-8-sig", errors="replace"))

    for fmt in ("csv", "json", "vcard4"):
        hidden = export(member, fmt)
        assert SECRET not in hidden and "zebracorn" not in hidden and "1980" not in hidden, fmt
        shown = export(admin_user, fmt)
        assert "zebracorn" in shown, fmt
    assert SECRET in export(admin_user, "json")
    rows = list(csv.DictReader(io.StringIO(export(admin_user, "csv"))))
    assert SECRET in json.dumps(rows)


def test_history_masks_sealed_values_and_hidden_fields(
    client: Any, person: Contact, member: Any, admin_user: Any
) -> None:
    _protect_notes(admin_user, read_roles=[])
    contact_update(actor=admin_user, contact=person, data={"custom_fields": {"tax_id": "NEW-1"}})
    raw = json.dumps([e.changes for e in HistoryEntry.objects.filter(object_id=person.pk)])
    assert SECRET not in raw and "NEW-1" not in raw
    client.force_login(member)
    page = client.get(reverse("history:contact", args=[person.pk])).content.decode()
    assert "zebracorn" not in page and SECRET not in page and "NEW-1" not in page
    assert "•••" in page


def test_duplicate_scan_matches_sensitive_identifiers_by_blind_index(
    admin_user: Any, tax_id: CustomFieldDefinition
) -> None:
    from rubrica.contacts.matching import identifying_keys, identifying_values

    one = make_contact(admin_user, given_name="A", custom_fields={"tax_id": "12-345 678"})
    two = make_contact(admin_user, given_name="B", custom_fields={"tax_id": "12345678"})
    keys = identifying_keys()
    a = identifying_values(Contact.objects.get(pk=one.pk).custom_fields, keys)
    b = identifying_values(Contact.objects.get(pk=two.pk).custom_fields, keys)
    typed = identifying_values({"tax_id": "12345678"}, keys)
    assert a == b == typed
    assert "12345678" not in json.dumps(a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM dedup_duplicatekey")
        assert "12345678" not in json.dumps([list(map(str, row)) for row in cursor.fetchall()])


def test_duplicate_reasons_leave_out_a_hidden_birthday(admin_user: Any, member: Any) -> None:
    from rubrica.dedup.scoring import visible_reasons

    codes = ["email", "birthday_exact", "identifier_exact"]
    assert visible_reasons(member, codes) == codes
    _protect_notes(admin_user, read_roles=[])
    assert visible_reasons(member, codes) == ["email", "identifier_exact"]
    assert visible_reasons(admin_user, codes) == codes


def test_field_access_is_what_every_door_asks(
    person: Contact, member: Any, admin_user: Any, viewer: Any
) -> None:
    _protect_notes(admin_user, read_roles=["sales"])
    assert field_access(member, "contact").hidden == {"custom_fields.tax_id"}
    assert field_access(member, "contact").locked == {
        "custom_fields.tax_id",
        "notes",
        "birthday",
    }
    assert field_access(viewer, "contact").hidden == {"custom_fields.tax_id", "notes", "birthday"}
    assert field_access(admin_user, "contact").locked == frozenset()


def test_only_administrators_protect_fields(member: Any) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        protected_field_save(actor=member, entity="contact", field_name="notes", sensitive=True)
    assert not ProtectedField.objects.exists()


# Rotation --------------------------------------------------------------------------------------


def test_rotation_reseals_everything_and_old_keys_open_until_then(
    person: Contact, admin_user: Any, settings: Any
) -> None:
    contact_update(actor=admin_user, contact=person, data={"custom_fields": {"tax_id": "V2"}})
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    stored = Contact.objects.get(pk=person.pk).custom_fields["tax_id"]
    assert stored["sealed"] == "t1"
    assert sealing.open_sealed(stored, "contact.custom_fields.tax_id") == "V2"  # old key opens
    job = job_run(reseal_start(actor=admin_user, enqueue=False).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["unreadable"] == 0 and job.result["resealed"] >= 1
    stored = Contact.objects.get(pk=person.pk).custom_fields["tax_id"]
    assert stored["sealed"] == "t2" and stored["bi"].startswith("t2:")
    history = json.dumps([e.changes for e in HistoryEntry.objects.filter(object_id=person.pk)])
    assert '"sealed": "t1"' not in history and '"t2"' in history
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the old key can go now
    assert sealing.open_sealed(stored, "contact.custom_fields.tax_id") == "V2"
    assert AuditEntry.objects.filter(action="keys.rotate").count() >= 1


def test_rotation_resumes_from_its_checkpoint(
    person: Contact, admin_user: Any, settings: Any
) -> None:
    from rubrica.keys import services as keys

    others = [
        make_contact(admin_user, given_name=f"P{n}", custom_fields={"tax_id": f"ID-{n}"})
        for n in range(3)
    ]
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    job = reseal_start(actor=admin_user, enqueue=False)
    job.checkpoint = {"phase": 0, "after": others[0].pk, "done": 2}
    job.save(update_fields=["checkpoint"])
    finished = job_run(job.pk)
    assert finished.status == JobStatus.SUCCEEDED
    by_pk = {c.pk: c.custom_fields["tax_id"]["sealed"] for c in Contact.objects.all()}
    # rows at or before the checkpoint were done by the "earlier run" (here: never), the rest now
    assert by_pk[others[1].pk] == by_pk[others[2].pk] == "t2"
    assert by_pk[person.pk] == "t1"
    assert keys.key_usage() == {"t1": 2, "t2": 2}


def test_marking_a_field_sensitive_later_seals_existing_values(admin_user: Any) -> None:
    plain = definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "badge", "label": "Badge", "field_type": "text"},
    )
    person = make_contact(admin_user, custom_fields={"badge": "B-777"})
    assert "B-777" in _raw_custom_fields(person.pk)
    definition_save(actor=admin_user, definition=plain, data={"sensitive": True})
    job = job_run(reseal_start(actor=admin_user, enqueue=False).pk)
    assert job.status == JobStatus.SUCCEEDED
    assert "B-777" not in _raw_custom_fields(person.pk)
    assert job.result["sealed"] >= 1


def test_the_merge_page_shows_hidden_fields_to_nobody_without_access_and_the_merge_keeps_them(
    client: Any, person: Contact, member: Any, admin_user: Any
) -> None:
    from rubrica.merges.services import contact_merge

    _protect_notes(admin_user, read_roles=[])
    twin = make_contact(
        member,
        given_name="Greta",
        family_name="Sealed",
        visibility="everyone",
    )
    Contact.objects.filter(pk__in=[twin.pk, person.pk]).update(owner=member)
    client.force_login(admin_user)
    shown = client.get(reverse("merges:new"), {"a": person.pk, "b": twin.pk}).content.decode()
    assert SECRET in shown and "zebracorn" in shown
    client.force_login(member)
    page = client.get(reverse("merges:new"), {"a": twin.pk, "b": person.pk})
    text = without_moments(page.content.decode())
    assert page.status_code == 200
    assert SECRET not in text and "zebracorn" not in text and "1980" not in text
    with pytest.raises(ValidationError) as refused:
        contact_merge(actor=member, survivor=twin, merged=person, choices={"notes": "merged"})
    assert "choices.notes" in refused.value.message_dict
    contact_merge(actor=member, survivor=twin, merged=person)
    kept = Contact.objects.get(pk=twin.pk)
    assert kept.notes == NOTE and kept.birthday == "1980-04-15"  # filled in, never shown
    assert sealing.open_sealed(kept.custom_fields["tax_id"], "contact.custom_fields.tax_id") == (
        SECRET
    )


def test_administrators_mark_fields_sensitive_on_the_settings_pages(
    admin_client: Any, tax_id: CustomFieldDefinition
) -> None:
    page = admin_client.get(reverse("settings:protected_fields"))
    assert page.status_code == 200
    answer = admin_client.post(
        reverse("settings:protected_fields"),
        {
            "field": "contact-notes",
            "contact-notes-sensitive": "on",
            "contact-notes-read_roles": ["manager", "support"],
        },
    )
    assert answer.status_code == 302
    row = ProtectedField.objects.get()
    assert (row.entity, row.field, row.read_roles, row.edit_roles) == (
        "contact",
        "notes",
        ["manager", "support"],
        [],
    )
    form = admin_client.get(reverse("settings:field_edit", args=[tax_id.pk])).content.decode()
    assert 'name="sensitive"' in form and 'value="manager"' in form
    assert AuditEntry.objects.filter(action="field.protection").count() == 2


def test_the_settings_page_is_for_administrators_only(client: Any, member: Any) -> None:
    client.force_login(member)
    answer = client.post(
        reverse("settings:protected_fields"),
        {"field": "contact-notes", "contact-notes-sensitive": "on"},
    )
    assert answer.status_code in (403, 404)
    assert not ProtectedField.objects.exists()


def test_organizations_hide_and_seal_their_sensitive_fields_too(
    client: Any, admin_user: Any, member: Any
) -> None:
    from rubrica.organizations.models import Organization
    from tests.factories import make_organization

    definition_save(
        actor=admin_user,
        data={
            "entity": "organization",
            "key": "iban",
            "label": "IBAN",
            "field_type": "text",
            "sensitive": True,
        },
    )
    org = make_organization(
        admin_user, name="Acme Sealed", visibility="everyone", custom_fields={"iban": SECRET}
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT custom_fields FROM organizations_organization WHERE id = %s", [org.pk]
        )
        (raw,) = cursor.fetchone()
    assert SECRET not in (raw if isinstance(raw, str) else json.dumps(raw))
    hidden = client.get(f"/api/v1/organizations/{org.pk}", **bearer(member)).json()
    assert "iban" not in hidden["custom_fields"] and hidden["name"] == "Acme Sealed"
    shown = client.get(f"/api/v1/organizations/{org.pk}", **bearer(admin_user)).json()
    assert shown["custom_fields"]["iban"] == SECRET
    client.force_login(member)
    page = client.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    assert "Acme Sealed" in page and SECRET not in page and "IBAN" not in page
    client.force_login(admin_user)
    page = client.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    assert SECRET in page
    assert Organization.objects.get(pk=org.pk).custom_fields["iban"]["sealed"] == "t1"


def test_bad_key_configuration_is_a_clear_error() -> None:
    from django.core.exceptions import ImproperlyConfigured

    for text, named in (
        ("", "No field key"),
        ("k1 notbase64!!", "32 bytes"),
        ("k1 " + "A" * 43 + "=\nk1 " + "B" * 43 + "=", "twice"),
        ("just-one-word", "line 1"),
    ):
        with pytest.raises(ImproperlyConfigured, match=named):
            sealing.parse_keys(text)


def test_imports_refuse_a_protected_value_the_importer_may_not_change(
    admin_user: Any, member: Any, tax_id: CustomFieldDefinition
) -> None:
    from rubrica.contacts.bulk import NewContact, contacts_create_many

    results = contacts_create_many(
        actor=member,
        items=[
            NewContact(data={"given_name": "Ivo", "custom_fields": {"tax_id": "T-1"}}),
            NewContact(data={"given_name": "Ada"}),
        ],
    )
    assert results[0].contact is None and "tax_id" in (results[0].error or "")
    assert results[1].contact is not None
    assert list(Contact.objects.values_list("given_name", flat=True)) == ["Ada"]
    made = contacts_create_many(
        actor=admin_user,
        items=[NewContact(data={"given_name": "Ivo", "custom_fields": {"tax_id": "T-1"}})],
    )
    assert made[0].contact is not None
    assert "T-1" not in _raw_custom_fields(made[0].contact.pk)


def test_the_list_and_birthday_reminders_tell_nothing_protected(
    client: Any, person: Contact, member: Any, admin_user: Any
) -> None:
    import datetime as dt

    from rubrica.contacts.services import contact_update as update
    from rubrica.notifications.models import Notification, NotificationPreference
    from rubrica.tasks.services import birthdays_send

    Contact.objects.filter(pk=person.pk).update(owner=member)
    NotificationPreference.objects.create(user=member, kind="tasks.birthday", in_app=True)
    birthday_noon = dt.datetime(2027, 4, 15, 12, tzinfo=dt.UTC)
    birthdays_send(birthday_noon)
    assert Notification.objects.filter(recipient=member).count() == 1  # before protection
    Notification.objects.all().delete()
    _protect_notes(admin_user, read_roles=[])
    protected_field_save(actor=admin_user, entity="contact", field_name="addresses", sensitive=True)
    update(
        actor=admin_user,
        contact=Contact.objects.get(pk=person.pk),
        data={"addresses": [{"label": "home", "city": "Zanzibarville", "country": "TZ"}]},
    )
    client.force_login(member)
    listed = client.get(reverse("contacts:list")).content.decode()
    assert "Greta" in listed and "Zanzibarville" not in listed
    client.force_login(admin_user)
    assert "Zanzibarville" in client.get(reverse("contacts:list")).content.decode()

    birthdays_send(birthday_noon)
    assert not Notification.objects.filter(recipient=member).exists()


def test_changing_protection_starts_the_resealing_job(
    admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from rubrica.jobs.models import Job

    with django_capture_on_commit_callbacks(execute=True):
        definition_save(
            actor=admin_user,
            data={
                "entity": "contact",
                "key": "ssn",
                "label": "SSN",
                "field_type": "text",
                "sensitive": True,
            },
        )
    with django_capture_on_commit_callbacks(execute=True):
        protected_field_save(actor=admin_user, entity="contact", field_name="notes", sensitive=True)
    jobs = list(Job.objects.filter(kind="keys_reseal").order_by("pk"))
    assert [job.params for job in jobs] == [
        {"reindex": False, "reason": "protection"},
        {"reindex": True, "reason": "protection"},
    ]
    assert all(job.owner_id == admin_user.pk for job in jobs)


def test_a_cleaning_preview_neither_shows_nor_plans_a_field_one_may_not_change(
    admin_user: Any, member: Any
) -> None:
    from rubrica.quality import services as quality

    person = make_contact(member, given_name="Tidy", notes="  two   spaces  zebracorn ")
    Contact.objects.filter(pk=person.pk).update(notes="  two   spaces  zebracorn ")
    seen = quality.preview_cleaning(member, "trim")
    assert any("zebracorn" in change.before for change in seen.changes)
    _protect_notes(admin_user, read_roles=[])
    hidden = quality.preview_cleaning(member, "trim")
    assert all("zebracorn" not in change.before for change in hidden.changes)
    assert Contact.objects.get(pk=person.pk).notes == "  two   spaces  zebracorn "


def test_the_cli_shows_what_the_acting_user_may_read_and_audits_it(
    rubrica: Any, person: Contact, member: Any, admin_user: Any
) -> None:
    _protect_notes(admin_user, read_roles=[])
    for flags in ([], ["--json"]):
        code, out, err = rubrica("contacts", "show", str(person.pk), "--as", "member", *flags)
        assert code == 0, err
        assert "Greta" in out and SECRET not in out and "zebracorn" not in out
        assert "1980" not in without_moments(out)
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()
    code, out, _ = rubrica("contacts", "show", str(person.pk), "--as", "admin", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["custom_fields"]["tax_id"] == SECRET and shown["notes"] == NOTE
    entry = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ)
    assert (entry.actor_id, entry.details["door"]) == (admin_user.pk, "cli")


def test_a_reader_edits_the_opened_value_and_an_unchanged_one_stays_as_stored(
    client: Any, person: Contact, admin_user: Any
) -> None:
    client.force_login(admin_user)
    form = client.get(reverse("contacts:edit", args=[person.pk])).content.decode()
    assert f'value="{SECRET}"' in form
    stored = Contact.objects.get(pk=person.pk).custom_fields["tax_id"]
    base = {"given_name": "Greta", "visibility": "everyone", "notes": NOTE}
    answer = client.post(
        reverse("contacts:edit", args=[person.pk]),
        {**base, "version": person.version, "family_name": "Kept", "cf_tax_id": SECRET},
    )
    assert answer.status_code == 302
    after = Contact.objects.get(pk=person.pk)
    assert after.custom_fields["tax_id"] == stored  # same ciphertext: no change recorded
    latest = HistoryEntry.objects.filter(object_id=person.pk).order_by("-pk").first()
    assert latest is not None and "custom_fields" not in latest.changes
    answer = client.post(
        reverse("contacts:edit", args=[person.pk]),
        {**base, "version": after.version, "family_name": "Kept", "cf_tax_id": "XK-NEW"},
    )
    assert answer.status_code == 302
    changed = Contact.objects.get(pk=person.pk).custom_fields["tax_id"]
    assert changed != stored
    assert sealing.open_sealed(changed, "contact.custom_fields.tax_id") == "XK-NEW"
    assert "XK-NEW" not in _raw_custom_fields(person.pk)
