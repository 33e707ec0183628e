"""A person's postal addresses sealed at rest while marked sensitive (ADR 0048): the PO box,
extended address, street and postal code of each address row are stored sealed (read here with
raw SQL), and so is every copy Rubrica keeps (history, merge snapshots, import report rows),
while city, region and country stay clear for the list; the duplicate index keeps the postcode
as a blind index only, and the scan still pairs namesakes at one postcode; the re-sealing job
seals, rotates and opens them. Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse

from rubrica.contacts.models import Contact, ContactAddress
from rubrica.contacts.services import contact_revert, contact_update
from rubrica.customfields.protection import protected_field_save
from rubrica.dedup.keys import POSTCODE_NAME
from rubrica.dedup.models import DuplicateKey
from rubrica.history.models import HistoryEntry
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run
from rubrica.keys.services import key_usage, reseal_start
from tests.api.conftest import bearer
from tests.conftest import TEST_FIELD_KEYS
from tests.factories import make_contact
from tests.moments import without_moments

pytestmark = pytest.mark.django_db

STREET = "17 Quokkaberry Lane"
POSTCODE = "QX7 9ZZ"
HOME = {
    "label": "home",
    "street": STREET,
    "extended": "Flat 3 Okapiwing",
    "po_box": "PO 4711",
    "city": "Lindenfeld",
    "region": "Nordmark",
    "postal_code": POSTCODE,
    "country": "Freeland",
}
SECRETS = ("Quokkaberry", "Okapiwing", "4711", "QX7")
NEW_KEY = "t2 " + "B" * 43 + "="


def _raw_address(pk: int) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT po_box, extended, street, postal_code, city, region, country "
            "FROM contacts_contactaddress WHERE contact_id = %s",
            [pk],
        )
        row = cursor.fetchone()
    names = ("po_box", "extended", "street", "postal_code", "city", "region", "country")
    return dict(zip(names, row, strict=True))


def _raw(table: str, column: str, where: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {where} = %s", [pk])  # noqa: S608
        rows = cursor.fetchall()
    return " ".join(r[0] if isinstance(r[0], str) else json.dumps(r[0]) for r in rows)


def _clear_anywhere(text: str) -> list[str]:
    text = without_moments(text)
    return [secret for secret in SECRETS if secret in text]


def _protect(admin_user: Any, sensitive: bool = True) -> None:
    protected_field_save(
        actor=admin_user,
        entity="contact",
        field_name="addresses",
        sensitive=sensitive,
        read_roles=[],
        edit_roles=[],
    )


def _reseal(admin_user: Any) -> Job:
    job = job_run(reseal_start(actor=admin_user, enqueue=False, reindex=True).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def _postcode_keys(pk: int) -> list[str]:
    return list(
        DuplicateKey.objects.filter(contact_id=pk, kind=POSTCODE_NAME).values_list("key", flat=True)
    )


def test_marking_addresses_sensitive_seals_the_parts_that_place_a_home_and_their_copies(
    client: Any, admin_user: Any, member: Any
) -> None:
    person = make_contact(
        admin_user, given_name="Nora", family_name="Home", visibility="everyone", addresses=[HOME]
    )
    stored = _raw_address(person.pk)
    assert stored["street"] == STREET  # not protected yet: clear
    assert any(key.startswith("QX79ZZ|") for key in _postcode_keys(person.pk))

    _protect(admin_user)
    job = _reseal(admin_user)
    assert job.result["sealed"] >= 5  # four parts of the row, the history entry's list
    stored = _raw_address(person.pk)
    for part in ("po_box", "extended", "street", "postal_code"):
        assert stored[part].startswith("sealed:v1:t1:"), part
    assert (stored["city"], stored["region"], stored["country"]) == (
        "Lindenfeld",
        "Nordmark",
        "Freeland",
    )  # the place stays clear: the list sorts and filters on it
    assert _clear_anywhere(json.dumps(stored)) == []
    assert _clear_anywhere(_raw("history_historyentry", "changes", "object_id", person.pk)) == []
    keys = _postcode_keys(person.pk)
    assert keys and all(key.startswith("bit1:") and "QX7" not in key for key in keys)

    address = ContactAddress.objects.get(contact=person)  # read back opened
    assert (address.street, address.postal_code, address.po_box) == (STREET, POSTCODE, "PO 4711")
    shown = client.get(f"/api/v1/contacts/{person.pk}", **bearer(admin_user)).json()
    assert shown["addresses"][0]["street"] == STREET
    hidden = client.get(f"/api/v1/contacts/{person.pk}", **bearer(member)).json()
    assert "addresses" not in hidden and _clear_anywhere(json.dumps(hidden)) == []

    moved = {**HOME, "street": "2 Wombatgate Road", "postal_code": "QX8 1AA"}
    contact_update(actor=admin_user, contact=person, data={"addresses": [moved]})
    stored = _raw_address(person.pk)
    assert "Wombatgate" not in json.dumps(stored) and stored["street"].startswith("sealed:")
    history = _raw("history_historyentry", "changes", "object_id", person.pk)
    assert "Wombatgate" not in history and _clear_anywhere(history) == []

    client.force_login(admin_user)
    page = client.get(reverse("history:contact", args=[person.pk])).content.decode()
    assert "Wombatgate" in page and "Quokkaberry" in page  # opened for a reader
    client.force_login(member)
    page = client.get(reverse("history:contact", args=[person.pk])).content.decode()
    assert "Wombatgate" not in page and "Quokkaberry" not in page

    entry = HistoryEntry.objects.filter(object_id=person.pk, action="update").latest("id")
    contact_revert(actor=admin_user, contact=person, entry=entry, field="addresses")
    assert ContactAddress.objects.get(contact=person).street == STREET
    assert _raw_address(person.pk)["street"].startswith("sealed:")


def test_addresses_written_while_protected_are_sealed_at_once_and_unmarking_opens_them(
    admin_user: Any,
) -> None:
    _protect(admin_user)
    person = make_contact(admin_user, given_name="Omar", family_name="Sealed", addresses=[HOME])
    assert _clear_anywhere(json.dumps(_raw_address(person.pk))) == []  # sealed on write
    assert _clear_anywhere(_raw("history_historyentry", "changes", "object_id", person.pk)) == []
    assert all(key.startswith("bi") for key in _postcode_keys(person.pk))

    _protect(admin_user, sensitive=False)
    job = _reseal(admin_user)
    assert job.result["opened"] >= 5
    assert _raw_address(person.pk)["street"] == STREET
    assert STREET in _raw("history_historyentry", "changes", "object_id", person.pk)
    assert any(key.startswith("QX79ZZ|") for key in _postcode_keys(person.pk))


def test_the_scan_and_the_form_check_still_pair_namesakes_at_one_sealed_postcode(
    admin_user: Any,
) -> None:
    from rubrica.contacts.matching import input_identity
    from rubrica.dedup.keys import blocking_keys
    from rubrica.dedup.selectors import find_duplicates

    _protect(admin_user)
    first = make_contact(
        admin_user, given_name="Rosalind", family_name="Pemberton-Quayle", addresses=[HOME]
    )
    second = make_contact(
        admin_user,
        given_name="Rosalind",
        family_name="Quayle",
        addresses=[{**HOME, "street": "17 Quokkaberry Ln"}],
    )
    shared = set(_postcode_keys(first.pk)) & set(_postcode_keys(second.pk))
    assert shared  # the same blind postcode key: the scan compares the two
    typed = {"given_name": "Rosalind", "family_name": "Pemberton-Quayle", "addresses": [HOME]}
    person = input_identity(typed)
    assert person.postcode == "QX79ZZ" and person.postcode_block.startswith("bit1:")
    assert shared <= {key for kind, key in blocking_keys(person) if kind == POSTCODE_NAME}
    assert first.pk in {match.pk for match in find_duplicates(user=admin_user, data=typed)}


def test_rotation_moves_sealed_addresses_to_the_new_key_and_status_counts_them(
    admin_user: Any, settings: Any
) -> None:
    _protect(admin_user)
    person = make_contact(admin_user, given_name="Pia", family_name="Key", addresses=[HOME])
    assert key_usage() == {"t1": 4}  # four parts of one address row
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    job = _reseal(admin_user)
    assert job.result["unreadable"] == 0
    assert _raw_address(person.pk)["street"].startswith("sealed:v1:t2:")
    assert key_usage() == {"t2": 4}
    assert all(key.startswith("bit2:") for key in _postcode_keys(person.pk))
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the old key can go now
    assert ContactAddress.objects.get(contact=person).street == STREET


def test_merge_snapshot_keeps_addresses_sealed_and_undo_puts_them_back(admin_user: Any) -> None:
    from rubrica.merges.models import Merge
    from rubrica.merges.services import contact_merge, contact_unmerge

    _protect(admin_user)
    survivor = make_contact(admin_user, given_name="Rita", family_name="Twin")
    merged = make_contact(admin_user, given_name="Rita", family_name="Twin", addresses=[HOME])
    merge = contact_merge(actor=admin_user, survivor=survivor, merged=merged)
    assert ContactAddress.objects.get(contact=survivor).street == STREET
    assert _clear_anywhere(_raw("merges_merge", "snapshot", "id", merge.pk)) == []
    assert _clear_anywhere(json.dumps(_raw_address(survivor.pk))) == []
    contact_unmerge(actor=admin_user, merge=Merge.objects.get(pk=merge.pk))
    assert not ContactAddress.objects.filter(contact=survivor).exists()
    assert ContactAddress.objects.get(contact=merged).street == STREET


def test_protecting_addresses_later_seals_existing_merge_snapshots_and_undo_still_works(
    admin_user: Any,
) -> None:
    from rubrica.merges.models import Merge
    from rubrica.merges.services import contact_merge, contact_unmerge

    survivor = make_contact(admin_user, given_name="Tom", family_name="Twin")
    merged = make_contact(admin_user, given_name="Tom", family_name="Twin", addresses=[HOME])
    merge = contact_merge(actor=admin_user, survivor=survivor, merged=merged)
    assert "Quokkaberry" in _raw("merges_merge", "snapshot", "id", merge.pk)
    _protect(admin_user)
    _reseal(admin_user)
    assert _clear_anywhere(_raw("merges_merge", "snapshot", "id", merge.pk)) == []
    again = _reseal(admin_user)
    assert again.result["changed"] == 0  # nothing left to seal: nothing rewritten
    contact_unmerge(actor=admin_user, merge=Merge.objects.get(pk=merge.pk))
    assert ContactAddress.objects.get(contact=merged).street == STREET
    assert not ContactAddress.objects.filter(contact=survivor).exists()


def test_import_report_rows_keep_replaced_addresses_sealed_and_revert_opens_them(
    admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    from rubrica.dataio.imports.services import import_revert
    from rubrica.dataio.models import ImportRow
    from tests.dataio.import_helpers import card, run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    _protect(admin_user)
    person = make_contact(admin_user, given_name="Sam", family_name="Row", addresses=[HOME])
    Contact.all_objects.filter(pk=person.pk).update(uid="urn:uuid:sam")
    job = run_import(
        admin_user,
        card("urn:uuid:sam", "Sam", "Row", extra="ADR;TYPE=home:;;9 Emuway;Elsewhere;;E1;X"),
        on_duplicate="update",
        match="uid",
    )
    row = ImportRow.objects.get(job=job)
    assert row.outcome == "updated", row.message
    assert _clear_anywhere(_raw("dataio_importrow", "before", "id", row.pk)) == []
    assert "Emuway" not in json.dumps(_raw_address(person.pk))
    revert = job_run(import_revert(actor=admin_user, job=job, enqueue=False).pk)
    assert revert.status == JobStatus.SUCCEEDED, revert.error
    assert [a.street for a in ContactAddress.objects.filter(contact=person)] == [STREET]


def _raw_update_street(pk: int, street: str, postcode: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contacts_contactaddress SET street = %s, postal_code = %s "
            "WHERE contact_id = %s",
            [street, postcode, pk],
        )


def test_the_migration_seals_a_site_that_protected_addresses_before(admin_user: Any) -> None:
    from importlib import import_module

    from rubrica.dedup.index import index_contact

    person = make_contact(admin_user, given_name="Vic", family_name="Old", addresses=[HOME])
    old_keys = _postcode_keys(person.pk)
    assert old_keys and all(key.startswith("QX79ZZ|") for key in old_keys)
    _protect(admin_user)  # its re-sealing job not run: the rows as an older version left them
    _raw_update_street(person.pk, STREET, POSTCODE)
    assert _raw_address(person.pk)["street"] == STREET

    migration = import_module("rubrica.keys.migrations.0001_sealed_addresses_and_dates")
    migration.seal_if_protected(django_apps, None)
    stored = _raw_address(person.pk)
    assert _clear_anywhere(json.dumps(stored)) == [] and stored["street"].startswith("sealed:")
    assert ContactAddress.objects.get(contact=person).postal_code == POSTCODE
    blinded = sorted(_postcode_keys(person.pk))
    assert len(blinded) == len(old_keys) and all(k.startswith("bit1:") for k in blinded)
    index_contact(Contact.objects.get(pk=person.pk))
    assert sorted(_postcode_keys(person.pk)) == blinded  # the index's own form


def test_the_migration_leaves_a_site_without_protected_addresses_alone(admin_user: Any) -> None:
    from importlib import import_module

    person = make_contact(admin_user, given_name="Wes", family_name="Open", addresses=[HOME])
    keys = sorted(_postcode_keys(person.pk))
    migration = import_module("rubrica.keys.migrations.0001_sealed_addresses_and_dates")
    migration.seal_if_protected(django_apps, None)
    assert _raw_address(person.pk)["street"] == STREET
    assert sorted(_postcode_keys(person.pk)) == keys
