"""Sealed postal addresses (ADR 0048), the paths around the rows: vCard extras and the kept
forms of addresses, merge snapshots of them, the re-sealing job's own view of the protection,
the migration forwards (copies included) and backwards, refused addresses of an import, a save
while a key is missing, and what a JSON export gives a reader who may not read addresses. Found
by an independent review; each test failed before its fix."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection

from rubrica.contacts.models import Contact, ContactAddress
from rubrica.customfields import protection
from rubrica.customfields.models import ProtectedField
from rubrica.jobs.models import Job
from tests.customfields.test_sealed_addresses import (
    HOME,
    _clear_anywhere,
    _postcode_keys,
    _protect,
    _raw,
    _raw_address,
    _reseal,
)
from tests.factories import make_contact
from tests.moments import without_moments

pytestmark = pytest.mark.django_db


def _raw_contact(pk: int, column: str) -> str:
    return _raw("contacts_contact", column, "id", pk)


# 1. vCard kept forms -----------------------------------------------------------------------

APPLE_CARD = "\r\n".join(
    [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "UID:urn:uuid:kept-adr",
        "N:Kept;Kim;;;",
        "FN:Kim Kept",
        "item1.ADR;TYPE=HOME:PO 4711;Flat 3 Okapiwing;17 Quokkaberry Lane;Lindenfeld;"
        "Nordmark;QX7 9ZZ;Freeland",
        "item1.X-ABADR:de",
        "END:VCARD",
        "",
    ]
)

LABEL_CARD = "\r\n".join(
    [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "UID:urn:uuid:kept-label",
        "N:Label;Lou;;;",
        "FN:Lou Label",
        'ADR;TYPE=home;LABEL="17 Quokkaberry Lane\\nQX7 9ZZ Lindenfeld":PO 4711;'
        "Flat 3 Okapiwing;17 Quokkaberry Lane;Lindenfeld;Nordmark;QX7 9ZZ;Freeland",
        "END:VCARD",
        "",
    ]
)


@pytest.mark.parametrize("content", [APPLE_CARD, LABEL_CARD], ids=["apple-group", "label"])
def test_no_vcard_kept_form_of_a_sealed_address_is_stored(
    admin_user: Any, settings: Any, tmp_path: Any, content: str
) -> None:
    from tests.dataio.import_helpers import run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    _protect(admin_user)
    job = run_import(admin_user, content)
    person = Contact.objects.get(uid__startswith="urn:uuid:kept-")
    assert ContactAddress.objects.get(contact=person).street == "17 Quokkaberry Lane", job.result
    assert _clear_anywhere(json.dumps(_raw_address(person.pk))) == []  # the row is sealed...
    # nor the verbatim ADR (and its group) that vcard_extra would have kept
    extra = _raw_contact(person.pk, "vcard_extra")
    assert _clear_anywhere(extra) == [] and "X-ABADR" not in extra.upper()


def test_a_merge_snapshot_keeps_no_address_of_the_vcard_extras(
    admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    from rubrica.merges.services import contact_merge
    from tests.dataio.import_helpers import run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    _protect(admin_user)
    run_import(admin_user, APPLE_CARD)
    merged = Contact.objects.get(uid="urn:uuid:kept-adr")
    survivor = make_contact(admin_user, given_name="Kim", family_name="Kept")
    merge = contact_merge(actor=admin_user, survivor=survivor, merged=merged)
    assert _clear_anywhere(_raw("merges_merge", "snapshot", "id", merge.pk)) == []


# 2. stale protection cache of the worker re-indexes postcodes in clear ---------------------


def test_the_reseal_job_reindexes_postcode_keys_by_its_own_fresh_view_of_the_protection(
    admin_user: Any,
) -> None:
    person = make_contact(admin_user, given_name="Nora", family_name="Home", addresses=[HOME])
    _protect(admin_user)
    # The worker that runs the job read the protected names a few seconds before the change
    # (any save, import or search indexing does): its cache says "not protected" for 30 s.
    protection._protected_cache["contact"] = (time.monotonic(), frozenset())
    job = _reseal(admin_user)
    assert job.result["sealed"] >= 4
    assert _raw_address(person.pk)["postal_code"].startswith("sealed:")  # job: fresh answer
    protection.forget_protected()
    keys = _postcode_keys(person.pk)
    assert keys and all(k.startswith("bi") for k in keys), keys
    again = _reseal(admin_user)
    assert all(k.startswith("bi") for k in _postcode_keys(person.pk))
    assert again.result["changed"] == 0


# 3. the migration leaves every copy clear and starts no re-sealing ------------------------


def test_the_migration_seals_the_copies_of_a_site_that_protected_addresses(
    admin_user: Any,
) -> None:
    from importlib import import_module

    person = make_contact(admin_user, given_name="Vic", family_name="Old", addresses=[HOME])
    # an older version's protection: a ProtectedField row, its job long done (addresses
    # were not sealable then, so history kept them clear)
    ProtectedField.objects.create(entity="contact", field="addresses")
    protection.forget_protected()
    Job.objects.all().delete()
    migration = import_module("rubrica.keys.migrations.0001_sealed_addresses_and_dates")
    migration.seal_if_protected(django_apps, None)
    assert _raw_address(person.pk)["street"].startswith("sealed:")
    history = _raw("history_historyentry", "changes", "object_id", person.pk)
    assert _clear_anywhere(history) == []  # the creation's history entry too
    assert ContactAddress.objects.get(contact=person).street == HOME["street"]


# 4. the migration run for real (historical models), forwards and backwards ----------------

BEFORE_0009 = [("contacts", "0008_merge_sealed_notes_and_consent_purposes")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_with_historical_models_and_its_reverse(admin_user: Any) -> None:
    from django.db.migrations.executor import MigrationExecutor

    from rubrica.dedup.keys import POSTCODE_NAME
    from rubrica.dedup.models import DuplicateKey

    person = make_contact(admin_user, given_name="Vic", family_name="Old", addresses=[HOME])
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_0009)
    ProtectedField.objects.create(entity="contact", field="addresses")
    protection.forget_protected()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    stored = _raw_address(person.pk)
    assert _clear_anywhere(json.dumps(stored)) == [], stored
    keys = DuplicateKey.objects.filter(contact_id=person.pk, kind=POSTCODE_NAME)
    assert all(k.key.startswith("bi") for k in keys)
    # Going back to 0008 opens every part before the columns shrink (a sealed postcode cut
    # to 32 characters could never be opened again) and the copies with them.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(BEFORE_0009)
    try:
        back = _raw_address(person.pk)
        assert (back["street"], back["postal_code"]) == (HOME["street"], HOME["postal_code"])
        history = _raw("history_historyentry", "changes", "object_id", person.pk)
        assert HOME["street"] in history
        assert not DuplicateKey.objects.filter(kind=POSTCODE_NAME, key__startswith="bi").exists()
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


# 5. an address the services refuse is set aside in clear (notes / vCard extras) ------------


def test_a_refused_address_is_never_set_aside_in_clear_while_addresses_are_sealed(
    admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    from tests.dataio.import_helpers import card, run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    _protect(admin_user)
    person = make_contact(admin_user, given_name="Sam", family_name="Row")
    Contact.all_objects.filter(pk=person.pk).update(uid="urn:uuid:sam")
    long_street = "17 Quokkaberry Lane " + "x" * 250  # over the 255 the services allow
    job = run_import(
        admin_user,
        card("urn:uuid:sam", "Sam", "Row", extra=f"ADR;TYPE=home:;;{long_street};L;;QX7 9ZZ;F"),
        on_duplicate="update",
        match="uid",
    )
    from rubrica.dataio.models import ImportRow

    row = ImportRow.objects.get(job=job)
    assert row.outcome == "updated", row.message
    assert not ContactAddress.objects.filter(contact=person).exists()  # refused...
    stored = _raw_contact(person.pk, "notes") + _raw_contact(person.pk, "vcard_extra")
    assert _clear_anywhere(stored) == [], stored[:200]  # ...and not kept in clear
    assert (
        "not kept, as postal addresses are stored encrypted"
        in Contact.objects.get(pk=person.pk).notes
    )
    assert "address.0" in row.message or "addresses.0" in row.message  # named in the report


# 6. an address part that does not open is overwritten by its "(unreadable ...)" message ----

NEW_KEY = "t2 " + "B" * 43 + "="


def test_a_save_of_a_person_whose_address_does_not_open_keeps_the_sealed_value(
    admin_user: Any, settings: Any
) -> None:
    from rubrica.contacts.services import contact_update, snapshot
    from tests.conftest import TEST_FIELD_KEYS

    _protect(admin_user)
    person = make_contact(admin_user, given_name="Una", family_name="Read", addresses=[HOME])
    # the old key is missing for a while (removed too early, key file not mounted...)
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY
    person = Contact.objects.get(pk=person.pk)
    data = snapshot(person)
    assert data["addresses"][0]["street"].startswith("(unreadable")
    # what the edit form posts back: the words shown, as plain text
    posted = [
        {k: str(v) if isinstance(v, str) else v for k, v in a.items()} for a in data["addresses"]
    ]
    contact_update(
        actor=admin_user,
        contact=person,
        data={"given_name": "Una-Maria", "addresses": posted},
    )
    assert Contact.objects.get(pk=person.pk).given_name == "Una-Maria"
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"  # key back
    address = ContactAddress.objects.get(contact=person)
    assert (address.street, address.postal_code) == (HOME["street"], HOME["postal_code"])


def test_a_json_export_gives_no_kept_address_to_a_reader_who_may_not_read_addresses(
    admin_user: Any, member: Any, settings: Any, tmp_path: Any
) -> None:
    from rubrica.dataio.exporting import export_start
    from rubrica.jobs.services import job_run
    from tests.dataio.import_helpers import run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    _protect(admin_user)  # read_roles=[]: a member may not read addresses
    run_import(admin_user, LABEL_CARD)
    Contact.objects.update(visibility="everyone")
    job = job_run(
        export_start(actor=member, format="json", selection={"filters": {}}, enqueue=False).pk
    )
    with job.output.open("rb") as handle:
        exported = handle.read().decode()
    assert '"addresses"' not in exported  # the addresses are left out for the member...
    assert _clear_anywhere(exported) == []  # ...and so are the vCard extras' forms of them


def test_a_json_export_gives_no_kept_form_of_a_personal_phone_to_a_reader_who_may_not_read_it(
    admin_user: Any, member: Any, settings: Any, tmp_path: Any
) -> None:
    from rubrica.customfields.protection import protected_field_save
    from rubrica.dataio.exporting import export_start
    from rubrica.jobs.services import job_run
    from tests.dataio.import_helpers import run_import

    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    protected_field_save(
        actor=admin_user,
        entity="contact",
        field_name="personal_phones",
        sensitive=True,
        read_roles=[],
        edit_roles=[],
    )
    card = "\r\n".join(
        [
            "BEGIN:VCARD",
            "VERSION:4.0",
            "UID:urn:uuid:kept-tel",
            "N:Phone;Pat;;;",
            "FN:Pat Phone",
            "TEL;VALUE=uri;TYPE=home;PREF=1:tel:+39-06-7777-1234",
            "TEL;VALUE=uri;TYPE=work:tel:+39-02-5555-9876",
            "END:VCARD",
            "",
        ]
    )
    run_import(admin_user, card)
    person = Contact.objects.get(uid="urn:uuid:kept-tel")
    # sealed (ADR 0052): no kept TEL form stored, the home number's row holds ciphertext
    assert "7777" not in _raw_contact(person.pk, "vcard_extra")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT raw, e164 FROM contacts_contactphone WHERE contact_id = %s", [person.pk]
        )
        stored = " ".join(" ".join(row) for row in cursor.fetchall())
    assert "7777" not in stored and "5555" in stored
    Contact.objects.update(visibility="everyone")
    job = job_run(
        export_start(actor=member, format="json", selection={"filters": {}}, enqueue=False).pk
    )
    with job.output.open("rb") as handle:
        exported = without_moments(handle.read().decode())
    assert "7777" not in exported  # the home phone: neither its row nor its kept form
    assert "5555" in exported  # the work phone is the member's to read
