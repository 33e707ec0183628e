"""The per-person export (ADR 0032): one ZIP with the JSON of everything held about them, their
vCard and their documents' files; audited without their name; refused to those who may not
change the person, with nothing recorded."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied

from rubrica.audit.models import AuditEntry
from rubrica.privacy.export import person_export
from tests.privacy import scenario

pytestmark = pytest.mark.django_db


def _open(archive) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(archive.read()))


def test_the_zip_holds_json_vcard_and_files(admin_user):
    world = scenario.build(admin_user)

    with _open(person_export(actor=admin_user, contact=world.ada)) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("person.json"))
        vcard = archive.read("person.vcf").decode()
        files = [n for n in names if n.startswith("documents/")]
        content = archive.read(files[0])

    assert data["format"] == "rubrica-person"
    person = data["person"]
    assert person["family_name"] == scenario.FAMILY
    assert person["emails"][0]["value"] == scenario.EMAIL
    assert person["email_consent"] == "granted"
    assert person["email_consent_source"] == "user"
    assert person["tags"] == ["analyst"]
    assert person["custom_fields"] == {"backup_mail": f"home of {scenario.FAMILY}"}
    assert [e["action"] for e in data["history"]][:2] == ["create", "update"]
    subjects = {a["subject"] for a in data["activities"]}
    assert f"Call with Ada {scenario.FAMILY}" in subjects
    assert f"Lunch with Grace and Ada {scenario.FAMILY}" in subjects
    assert [t["title"] for t in data["tasks"]] == [f"Send Ada {scenario.FAMILY} the notes"]
    assert [a["title"] for a in data["appointments"]] == [f"Review with Ada {scenario.FAMILY}"]
    assert [m["subject"] for m in data["mail"]] == [f"Notes from Ada {scenario.FAMILY}"]
    assert [d["title"] for d in data["documents"]] == [f"{scenario.FAMILY} notes"]
    assert [p["other_person"] for p in data["duplicates"]] == [world.grace.pk]
    assert len(data["merges"]) == 1
    assert vcard.startswith("BEGIN:VCARD") and f"N:{scenario.FAMILY};Ada" in vcard
    assert files == [f"documents/{world.document.pk}/v1-{scenario.FAMILY}-notes.txt"]
    assert content == f"Notes on Ada {scenario.FAMILY}\n".encode()


def test_the_export_is_audited_with_the_id_and_not_the_name(admin_user):
    world = scenario.build(admin_user)

    person_export(actor=admin_user, contact=world.ada)

    entry = AuditEntry.objects.get(action="privacy.export")
    assert entry.details == {"person_id": world.ada.pk, "documents": 1}
    assert entry.target_repr == ""
    assert entry.actor_name == admin_user.username


def test_someone_who_may_not_change_the_person_cannot_export_and_nothing_is_recorded(
    admin_user, viewer
):
    world = scenario.build(admin_user)
    before = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied):
        person_export(actor=viewer, contact=world.ada)

    assert AuditEntry.objects.count() == before
