"""Importing vCard files as jobs: good cards in, broken ones reported by line."""

from __future__ import annotations

from typing import Any

import pytest

from rubrica.contacts.models import Contact
from rubrica.dataio.models import ImportRow
from rubrica.jobs.models import JobStatus
from tests.dataio.import_helpers import card, outcomes, run_import


@pytest.fixture(autouse=True)
def _private_root(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_broken_card_is_reported_with_its_line_and_the_others_are_imported(member: Any) -> None:
    text = (
        card("urn:uuid:a", "Ada", "Lovelace", "ada@example.com")
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN Broken line without colon\r\nEND:VCARD\r\n"
        + card("urn:uuid:b", "Grace", "Hopper", "grace@example.com", "X-CUSTOM;TYPE=a:kept")
    )
    job = run_import(member, text)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert outcomes(job) == [(1, "created"), (8, "failed"), (12, "created")]
    failed = ImportRow.objects.get(job=job, line=8)
    assert failed.message.startswith("line 10:")
    ada = Contact.objects.get(uid="urn:uuid:a")
    assert ada.display_name == "Ada Lovelace"
    assert ada.owner == member
    grace = Contact.objects.get(uid="urn:uuid:b")
    assert grace.vcard_extra == [
        {"group": None, "name": "X-CUSTOM", "params": [["TYPE", ["a"]]], "value": "kept"}
    ]
    assert job.result["counts"]["created"] == 2
    assert job.result["counts"]["failed"] == 1


def test_a_card_photo_and_organization_are_imported_through_their_services(member: Any) -> None:
    from rubrica.organizations.models import Affiliation

    text = card("urn:uuid:o", "Ada", "Lovelace", extra="ORG:Analytical Engines;Research")
    job = run_import(member, text)
    ada = Contact.objects.get(uid="urn:uuid:o")
    aff = Affiliation.objects.get(contact=ada)
    assert (aff.organization.name, aff.department, aff.is_primary) == (
        "Analytical Engines",
        "Research",
        True,
    )
    assert ada.organization_id == aff.organization_id
    assert ada.version == 2
    row = ImportRow.objects.get(job=job)
    assert (row.organization_id, row.affiliation_id, row.version) == (
        aff.organization_id,
        aff.pk,
        2,
    )


def test_an_inline_photo_is_stored_through_the_photo_service(member: Any) -> None:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    photo = base64.b64encode(buffer.getvalue()).decode()
    job = run_import(
        member, card("urn:uuid:p", "Pic", "Ture", extra=f"PHOTO;ENCODING=b;TYPE=PNG:{photo}")
    )
    contact = Contact.objects.get(uid="urn:uuid:p")
    assert contact.photo.name.endswith(".img")
    assert contact.version == 2
    assert ImportRow.objects.get(job=job).version == 2


def test_a_text_file_that_is_a_vcard_is_read_as_one(member: Any) -> None:
    job = run_import(member, card("urn:uuid:t", "Text", "File"), "contacts.txt")
    assert job.params["format"] == "vcard"
    assert outcomes(job) == [(1, "created")]


def test_a_refused_phone_is_set_aside_and_kept_verbatim_for_export(member: Any) -> None:
    from rubrica.dataio.exporting import contact_vcard

    text = card("urn:uuid:s", "Short", "Number", "s@example.com", "TEL;TYPE=HOME:555-12")
    job = run_import(member, text)
    assert outcomes(job) == [(1, "created")]
    row = ImportRow.objects.get(job=job)
    assert row.message == (
        "Set aside (kept in the vCard extras): phones.0.value: "
        "This phone number has the wrong number of digits."
    )
    contact = Contact.objects.get(uid="urn:uuid:s")
    assert contact.phones.count() == 0
    assert {"group": None, "name": "TEL", "params": [["TYPE", ["HOME"]]], "value": "555-12"} in (
        contact.vcard_extra
    )
    assert "TEL;TYPE=HOME:555-12" in contact_vcard(contact, "3.0", viewer=member)


def test_an_update_sets_a_refused_phone_aside_into_the_notes_once(member: Any) -> None:
    from rubrica.history.models import HistoryEntry

    first = card("urn:uuid:u", "Una", "Update", "u@example.com", "NOTE:Met in Rome")
    run_import(member, first, on_duplicate="update", match="uid")
    changed = card("urn:uuid:u", "Una", "Updated", "u@example.com", "NOTE:Met in Rome\r\nTEL:12")
    job = run_import(member, changed, on_duplicate="update", match="uid")
    assert outcomes(job) == [(1, "updated")]
    una = Contact.objects.get(uid="urn:uuid:u")
    assert una.family_name == "Updated"
    assert una.notes == "Met in Rome\n\nNot imported (refused by validation): phone: 12"
    assert (
        "Set aside (kept in the notes): phones.0.value:" in ImportRow.objects.get(job=job).message
    )
    entries = HistoryEntry.objects.count()
    again = run_import(member, changed, on_duplicate="update", match="uid")
    assert outcomes(again) == [(1, "unchanged")]
    assert HistoryEntry.objects.count() == entries


def test_a_card_with_a_refused_phone_reimports_unchanged(member: Any) -> None:
    text = card("urn:uuid:r", "Re", "Import", "r@example.com", "TEL;TYPE=HOME:555-12")
    run_import(member, text, on_duplicate="update", match="uid")
    again = run_import(member, text, on_duplicate="update", match="uid")
    assert outcomes(again) == [(1, "unchanged")]
    assert Contact.objects.get(uid="urn:uuid:r").notes == ""
