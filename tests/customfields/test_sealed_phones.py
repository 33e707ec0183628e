"""Personal phone numbers sealed at rest while marked sensitive (ADR 0052): a person's phone
rows whose label makes them personal (home, personal, private) store their number as typed and
its E.164 form sealed (read here with raw SQL), with a blind index of the E.164 form beside
them, while the other rows stay clear; every copy of the phones (history, merge snapshots,
import and cleaning rows) is sealed whole; every phone key of the duplicate index is a blind
index, so that a home number still meets the same number filed as someone's work phone; saves,
imports, the duplicate scan, merges and their undo, phone cleaning, unmarking and the data
migration all keep to that; the tests at the end cover defects found while writing these (a
number that does not open makes no duplicate key; a refused home number is never set aside in
clear). Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import json
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse

from rubrica.contacts.models import Contact, ContactPhone
from rubrica.contacts.services import contact_revert, contact_update, snapshot
from rubrica.customfields import protection
from rubrica.customfields.models import ProtectedField
from rubrica.customfields.protection import protected_field_save
from rubrica.dedup.keys import PHONE, PHONE_NSN
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

HOME = "+39 06 8877 6655"
HOME_E164 = "+390688776655"
SECRET = "88776655"  # the home number's own digits, spaces removed
WORK = "+39 02 1234 5678"
WORK_E164 = "+390212345678"
HOME_ROW: Any = {"label": "home", "value": HOME}  # service input (PhoneInput)
WORK_ROW: Any = {"label": "work", "value": WORK}
OTHER_HOME: Any = {"label": "home", "value": "+39 02 4455 6677"}
NEW_KEY = "t2 " + "B" * 43 + "="


@pytest.fixture(autouse=True)
def _private_root(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def _protect(admin_user: Any, sensitive: bool = True) -> None:
    protected_field_save(
        actor=admin_user,
        entity="contact",
        field_name="personal_phones",
        sensitive=sensitive,
        read_roles=[],
        edit_roles=[],
    )


def _reseal(admin_user: Any) -> Job:
    job = job_run(reseal_start(actor=admin_user, enqueue=False, reindex=True).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def _sealed_now(admin_user: Any) -> None:
    """Personal phones marked sensitive, and the job that follows run here."""
    _protect(admin_user)
    _reseal(admin_user)


def _rows(pk: int) -> list[dict[str, str]]:
    """A person's phone rows as stored, in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT label, raw, e164, e164_key FROM contacts_contactphone "
            "WHERE contact_id = %s ORDER BY position, id",
            [pk],
        )
        rows = cursor.fetchall()
    return [dict(zip(("label", "raw", "e164", "e164_key"), row, strict=True)) for row in rows]


def _row(pk: int, label: str) -> dict[str, str]:
    (row,) = [r for r in _rows(pk) if r["label"] == label]
    return row


def _raw(table: str, column: str, where: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {where} = %s", [pk])  # noqa: S608
        rows = cursor.fetchall()
    return " ".join(r[0] if isinstance(r[0], str) else json.dumps(r[0]) for r in rows)


def _raw_history(pk: int) -> str:
    return _raw("history_historyentry", "changes", "object_id", pk)


def _clear(text: str, secret: str = SECRET) -> bool:
    """Does ``text`` hold ``secret`` (digits) in clear, whatever spaces it is written with?"""
    return secret in without_moments(text).replace(" ", "")


def _phone_keys(pk: int) -> list[str]:
    return list(
        DuplicateKey.objects.filter(contact_id=pk, kind__in=(PHONE, PHONE_NSN)).values_list(
            "key", flat=True
        )
    )


def _assert_sealed(row: dict[str, str]) -> None:
    assert row["raw"].startswith("sealed:v1:t1:"), row
    assert row["e164"].startswith("sealed:v1:t1:"), row
    assert row["e164_key"].startswith("bi"), row


def _assert_clear(row: dict[str, str], raw: str, e164: str) -> None:
    assert (row["raw"], row["e164"], row["e164_key"]) == (raw, e164, ""), row


# 1. marking ---------------------------------------------------------------------------------


def test_marking_personal_phones_seals_the_home_row_its_copies_and_blinds_every_phone_key(
    client: Any, admin_user: Any, member: Any
) -> None:
    person = make_contact(
        admin_user,
        given_name="Paola",
        family_name="Privata",
        visibility="everyone",
        phones=[{**HOME_ROW, "is_preferred": True}, WORK_ROW],
    )
    _assert_clear(_row(person.pk, "home"), HOME, HOME_E164)  # not marked yet: clear
    assert HOME_E164 in _phone_keys(person.pk)
    assert _clear(_raw_history(person.pk))

    _protect(admin_user)
    job = _reseal(admin_user)
    assert job.result["sealed"] >= 3  # two columns of the home row, the history's list
    _assert_sealed(_row(person.pk, "home"))
    _assert_clear(_row(person.pk, "work"), WORK, WORK_E164)  # not a personal one: clear
    assert not any(_clear(json.dumps(row)) for row in _rows(person.pk))
    assert not _clear(_raw_history(person.pk))
    assert not _clear(_raw("contacts_contact", "primary_phone", "id", person.pk))
    keys = _phone_keys(person.pk)
    assert keys and all(key.startswith("bi") for key in keys)  # the work number's too
    assert not any(_clear(key) or "12345678" in key for key in keys)

    phones = ContactPhone.objects.filter(contact=person).order_by("position", "id")
    assert [(p.label, p.raw, p.e164) for p in phones] == [
        ("home", HOME, HOME_E164),
        ("work", WORK, WORK_E164),
    ]  # read back opened
    shown = client.get(f"/api/v1/contacts/{person.pk}", **bearer(admin_user))
    assert shown.status_code == 200, shown.content
    assert {(p["label"], p["value"]) for p in shown.json()["phones"]} == {
        ("home", HOME),
        ("work", WORK),
    }
    hidden = client.get(f"/api/v1/contacts/{person.pk}", **bearer(member))
    assert hidden.status_code == 200, hidden.content
    assert [p["label"] for p in hidden.json()["phones"]] == ["work"]
    assert not _clear(without_moments(hidden.content.decode()))


def test_the_history_page_opens_the_sealed_list_and_shows_a_reader_only_the_other_phones(
    client: Any, admin_user: Any, member: Any
) -> None:
    _sealed_now(admin_user)
    person = make_contact(
        admin_user,
        given_name="Hilde",
        family_name="Storia",
        visibility="everyone",
        phones=[HOME_ROW, WORK_ROW],
    )
    contact_update(
        actor=admin_user,
        contact=person,
        data={"phones": [{"label": "home", "value": "+39 06 5544 3322"}, WORK_ROW]},
    )
    history = _raw_history(person.pk)
    assert not _clear(history) and not _clear(history, "55443322")
    client.force_login(admin_user)
    page = without_moments(
        client.get(reverse("history:contact", args=[person.pk])).content.decode()
    )
    assert "8877" in page and "5544" in page  # opened for one who may read them
    client.force_login(member)
    page = without_moments(
        client.get(reverse("history:contact", args=[person.pk])).content.decode()
    )
    assert "8877" not in page and "5544" not in page
    assert "1234" in page  # the work phone is still shown to the member


# 2. saves while sealed ----------------------------------------------------------------------


def test_a_save_while_sealed_seals_or_opens_each_row_by_its_label_at_once(
    admin_user: Any,
) -> None:
    _sealed_now(admin_user)
    person = make_contact(admin_user, given_name="Sara", family_name="Salva", phones=[WORK_ROW])
    _assert_clear(_row(person.pk, "work"), WORK, WORK_E164)
    Job.objects.all().delete()  # from here on no job runs: each save decides by itself

    contact_update(
        actor=admin_user,
        contact=Contact.objects.get(pk=person.pk),
        data={"phones": [WORK_ROW, HOME_ROW]},
    )
    _assert_sealed(_row(person.pk, "home"))
    _assert_clear(_row(person.pk, "work"), WORK, WORK_E164)
    assert not _clear(_raw_history(person.pk))
    keys = _phone_keys(person.pk)
    assert len(keys) >= 2 and all(key.startswith("bi") for key in keys)

    # the home phone relabelled "work": a work phone now, stored clear on that save
    contact_update(
        actor=admin_user,
        contact=Contact.objects.get(pk=person.pk),
        data={"phones": [{"label": "mobile", "value": WORK}, {"label": "work", "value": HOME}]},
    )
    _assert_clear(_row(person.pk, "work"), HOME, HOME_E164)
    _assert_clear(_row(person.pk, "mobile"), WORK, WORK_E164)

    # and the other way: the work phone relabelled "home" is sealed on that save
    contact_update(
        actor=admin_user,
        contact=Contact.objects.get(pk=person.pk),
        data={"phones": [{"label": "mobile", "value": WORK}, {"label": "Home", "value": HOME}]},
    )
    _assert_sealed(_row(person.pk, "Home"))
    _assert_clear(_row(person.pk, "mobile"), WORK, WORK_E164)
    phones = ContactPhone.objects.filter(contact_id=person.pk).order_by("position", "id")
    assert [(p.label, p.raw, p.e164) for p in phones] == [
        ("mobile", WORK, WORK_E164),
        ("Home", HOME, HOME_E164),
    ]
    assert not Job.objects.exists()  # no re-sealing job was needed


def test_restoring_a_home_number_from_a_sealed_history_entry_stores_it_sealed(
    admin_user: Any,
) -> None:
    _sealed_now(admin_user)
    person = make_contact(admin_user, given_name="Rina", family_name="Ritorno", phones=[HOME_ROW])
    contact_update(
        actor=admin_user,
        contact=Contact.objects.get(pk=person.pk),
        data={"phones": [OTHER_HOME]},
    )
    assert not _clear(_raw_history(person.pk)) and not _clear(_raw_history(person.pk), "44556677")
    entry = HistoryEntry.objects.filter(object_id=person.pk, action="update").latest("id")
    contact_revert(
        actor=admin_user, contact=Contact.objects.get(pk=person.pk), entry=entry, field="phones"
    )
    assert [p.raw for p in ContactPhone.objects.filter(contact=person)] == [HOME]
    _assert_sealed(_row(person.pk, "home"))
    assert not _clear(_raw_history(person.pk))


def test_relabelled_behind_the_services_back_the_job_seals_or_opens_the_row(
    admin_user: Any,
) -> None:
    _sealed_now(admin_user)
    person = make_contact(
        admin_user, given_name="Lara", family_name="Etichetta", phones=[WORK_ROW, HOME_ROW]
    )
    ContactPhone.objects.filter(contact=person, label="work").update(label="private")
    ContactPhone.objects.filter(contact=person, label="home").update(label="office")
    _assert_clear(_row(person.pk, "private"), WORK, WORK_E164)  # no save: nothing decided yet
    job = _reseal(admin_user)
    assert job.result["sealed"] >= 2 and job.result["opened"] >= 2
    _assert_sealed(_row(person.pk, "private"))
    _assert_clear(_row(person.pk, "office"), HOME, HOME_E164)
    again = _reseal(admin_user)
    assert (again.result["sealed"], again.result["opened"]) == (0, 0)


def test_a_save_while_the_key_is_missing_writes_the_sealed_number_back(
    admin_user: Any, settings: Any
) -> None:
    _sealed_now(admin_user)
    person = make_contact(
        admin_user, given_name="Una", family_name="Chiave", phones=[HOME_ROW, WORK_ROW]
    )
    stored = _rows(person.pk)
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing
    person = Contact.objects.get(pk=person.pk)
    shown = snapshot(person)["phones"]
    assert str(shown[0]["value"]).startswith("(unreadable")
    contact_update(  # what the edit form posts back: the words shown, as plain text
        actor=admin_user,
        contact=person,
        data={
            "given_name": "Una-Maria",
            "phones": [{"label": row["label"], "value": str(row["value"])} for row in shown],
        },
    )
    assert _rows(person.pk) == stored
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    person = Contact.objects.get(pk=person.pk)
    assert person.given_name == "Una-Maria"
    assert [(p.raw, p.e164) for p in person.phones.all()] == [
        (HOME, HOME_E164),
        (WORK, WORK_E164),
    ]


# 3. imports ---------------------------------------------------------------------------------


def test_an_import_while_sealed_stores_new_home_phones_sealed_and_matches_by_them(
    admin_user: Any,
) -> None:
    from rubrica.dataio.models import ImportRow
    from tests.dataio.import_helpers import card, outcomes, run_import

    _sealed_now(admin_user)
    job = run_import(
        admin_user,
        card("urn:uuid:ines", "Ines", "Casa", extra=f"TEL;TYPE=home:{HOME}")
        + card("urn:uuid:olga", "Olga", "Ufficio", extra=f"TEL;TYPE=work:{WORK}"),
    )
    assert outcomes(job) == [(1, "created"), (8, "created")]
    ines = Contact.objects.get(uid="urn:uuid:ines")
    olga = Contact.objects.get(uid="urn:uuid:olga")
    _assert_sealed(_row(ines.pk, "home"))
    _assert_clear(_row(olga.pk, "work"), WORK, WORK_E164)
    assert not _clear(_raw_history(ines.pk))
    assert all(key.startswith("bi") for key in _phone_keys(ines.pk) + _phone_keys(olga.pk))
    assert [p.e164 for p in ContactPhone.objects.filter(contact=ines)] == [HOME_E164]

    # matched by the phone: the sealed home number is found, the person updated, not doubled
    people = Contact.objects.count()
    again = run_import(
        admin_user,
        card("urn:uuid:somebody-else", "Ines Maria", "Casa", extra="TEL;TYPE=home:+390688776655"),
        on_duplicate="update",
        match="phone",
    )
    assert outcomes(again) == [(1, "updated")]
    row = ImportRow.objects.get(job=again)
    assert row.contact_id == ines.pk
    assert Contact.objects.count() == people
    assert Contact.objects.get(pk=ines.pk).given_name == "Ines Maria"
    assert not _clear(_raw("dataio_importrow", "before", "id", row.pk))
    _assert_sealed(_row(ines.pk, "home"))


def test_no_kept_tel_form_of_an_imported_card_is_stored_while_sealed(admin_user: Any) -> None:
    from tests.dataio.import_helpers import outcomes, run_import

    _sealed_now(admin_user)
    content = "\r\n".join(
        [
            "BEGIN:VCARD",
            "VERSION:3.0",
            "UID:urn:uuid:kept-tel",
            "N:Kept;Kim;;;",
            "FN:Kim Kept",
            f"item1.TEL;TYPE=HOME:{HOME}",
            "item1.X-ABLabel:_$!<Home>!$_",
            "TEL;TYPE=home;X-CUSTOM=yes:+39 06 7766 5544",
            "END:VCARD",
            "",
        ]
    )
    job = run_import(admin_user, content)
    assert outcomes(job) == [(1, "created")]
    person = Contact.objects.get(uid="urn:uuid:kept-tel")
    extra = _raw("contacts_contact", "vcard_extra", "id", person.pk)
    assert not _clear(extra) and not _clear(extra, "77665544"), extra
    stored = json.dumps(_rows(person.pk))
    assert not _clear(stored) and not _clear(stored, "77665544")
    assert sorted(p.e164 for p in ContactPhone.objects.filter(contact=person)) == [
        "+390677665544",
        HOME_E164,
    ]


# 4. the duplicate scan ----------------------------------------------------------------------


def test_the_scan_pairs_a_sealed_home_number_with_the_same_number_filed_as_work(
    admin_user: Any,
) -> None:
    from rubrica.dedup.models import DuplicatePair
    from rubrica.dedup.services import scan_start

    _sealed_now(admin_user)
    first = make_contact(
        admin_user, given_name="Marguerite", family_name="Oyelaran", phones=[HOME_ROW]
    )
    second = make_contact(
        admin_user,
        given_name="Margarite",
        family_name="Oyelaran",
        phones=[{"label": "work", "value": HOME}],
    )
    _assert_sealed(_row(first.pk, "home"))
    _assert_clear(_row(second.pk, "work"), HOME, HOME_E164)
    shared = set(_phone_keys(first.pk)) & set(_phone_keys(second.pk))
    assert shared and all(key.startswith("bi") for key in shared)

    job = job_run(scan_start(actor=admin_user, enqueue=False).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    pair = DuplicatePair.objects.get()
    assert (pair.contact_a_id, pair.contact_b_id) == (first.pk, second.pk)
    assert "phone_exact" in pair.reasons


def test_the_form_check_finds_a_person_by_a_sealed_home_number(admin_user: Any) -> None:
    from rubrica.contacts.matching import input_identity
    from rubrica.dedup.keys import blocking_keys
    from rubrica.dedup.selectors import find_duplicates

    _sealed_now(admin_user)
    first = make_contact(
        admin_user, given_name="Rosalind", family_name="Pemberton", phones=[HOME_ROW]
    )
    typed = {
        "given_name": "Rosalind",
        "family_name": "Pemberton",
        "phones": [{"label": "mobile", "value": "+39 06 88 77 66 55"}],
    }
    person = input_identity(typed)
    blocks = {key for kind, key in blocking_keys(person) if kind in (PHONE, PHONE_NSN)}
    assert blocks and all(key.startswith("bi") for key in blocks)
    assert set(_phone_keys(first.pk)) == blocks
    assert first.pk in {match.pk for match in find_duplicates(user=admin_user, data=typed)}


# 5. unmarking -------------------------------------------------------------------------------


def test_unmarking_opens_the_rows_their_keys_and_their_copies(admin_user: Any) -> None:
    _sealed_now(admin_user)
    person = make_contact(
        admin_user, given_name="Omar", family_name="Aperto", phones=[HOME_ROW, WORK_ROW]
    )
    _assert_sealed(_row(person.pk, "home"))
    assert not _clear(_raw_history(person.pk))
    assert all(key.startswith("bi") for key in _phone_keys(person.pk))

    _protect(admin_user, sensitive=False)
    job = _reseal(admin_user)
    assert job.result["opened"] >= 3  # two columns of the home row, the history's list
    _assert_clear(_row(person.pk, "home"), HOME, HOME_E164)
    _assert_clear(_row(person.pk, "work"), WORK, WORK_E164)
    keys = _phone_keys(person.pk)
    assert keys and not any(key.startswith("bi") for key in keys)
    assert HOME_E164 in keys
    assert _clear(_raw_history(person.pk))
    assert "sealed" not in _raw_history(person.pk)


def test_rotation_reseals_the_numbers_and_their_keys_under_the_new_key(
    admin_user: Any, settings: Any
) -> None:
    from rubrica.dataio.models import ImportRow
    from tests.dataio.import_helpers import card, outcomes, run_import

    _sealed_now(admin_user)
    person = make_contact(
        admin_user, given_name="Pia", family_name="Chiave", phones=[HOME_ROW, WORK_ROW]
    )
    assert key_usage() == {"t1": 2}  # the two sealed columns of the one home row
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    job = _reseal(admin_user)
    assert job.result["unreadable"] == 0
    home = _row(person.pk, "home")
    assert home["raw"].startswith("sealed:v1:t2:") and home["e164"].startswith("sealed:v1:t2:")
    assert home["e164_key"].startswith("bit2:")
    assert key_usage() == {"t2": 2}
    keys = _phone_keys(person.pk)
    assert keys and all(key.startswith("bit2:") for key in keys)
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the old key can go now
    assert ContactPhone.objects.get(contact=person, label="home").raw == HOME
    again = run_import(
        admin_user,
        card("urn:uuid:pia", "Pia", "Chiave", extra=f"TEL;TYPE=home:{HOME}"),
        on_duplicate="update",
        match="phone",
    )
    assert outcomes(again) == [(1, "updated")]
    assert ImportRow.objects.get(job=again).contact_id == person.pk


# 6. merges ----------------------------------------------------------------------------------


def test_a_merge_while_sealed_keeps_no_clear_home_number_and_its_undo_puts_the_phones_back(
    admin_user: Any,
) -> None:
    from rubrica.merges.models import Merge
    from rubrica.merges.services import contact_merge, contact_unmerge
    from tests.merges.conftest import state

    _sealed_now(admin_user)
    survivor = make_contact(admin_user, given_name="Rita", family_name="Twin", phones=[WORK_ROW])
    merged = make_contact(admin_user, given_name="Rita", family_name="Twin", phones=[HOME_ROW])
    before = (state(survivor), state(merged))
    merge = contact_merge(actor=admin_user, survivor=survivor, merged=merged)
    phones = ContactPhone.objects.filter(contact=survivor).order_by("position", "id")
    assert {(p.label, p.e164) for p in phones} == {("work", WORK_E164), ("home", HOME_E164)}
    _assert_sealed(_row(survivor.pk, "home"))
    _assert_clear(_row(survivor.pk, "work"), WORK, WORK_E164)
    assert not _clear(_raw("merges_merge", "snapshot", "id", merge.pk))
    assert not _clear(_raw_history(survivor.pk)) and not _clear(_raw_history(merged.pk))

    contact_unmerge(actor=admin_user, merge=Merge.objects.get(pk=merge.pk))
    after = (state(survivor), state(merged))
    assert after == before
    assert [p.e164 for p in ContactPhone.objects.filter(contact=survivor)] == [WORK_E164]
    assert [p.raw for p in ContactPhone.objects.filter(contact=merged)] == [HOME]
    _assert_sealed(_row(merged.pk, "home"))
    _assert_clear(_row(survivor.pk, "work"), WORK, WORK_E164)


# 7. the data migration ----------------------------------------------------------------------


def test_the_migration_seals_a_site_that_protected_personal_phones_and_its_reverse_opens_it(
    admin_user: Any,
) -> None:
    from rubrica.dedup.index import index_contact

    migration = import_module("rubrica.keys.migrations.0002_sealed_personal_phones")
    person = make_contact(
        admin_user, given_name="Vic", family_name="Vecchio", phones=[HOME_ROW, WORK_ROW]
    )
    # an older version's protection: a ProtectedField row, its job long done (phones were not
    # sealable then, so the rows, their keys and history kept them clear)
    ProtectedField.objects.create(entity="contact", field="personal_phones")
    protection.forget_protected()
    Job.objects.all().delete()
    _assert_clear(_row(person.pk, "home"), HOME, HOME_E164)
    old_keys = sorted(_phone_keys(person.pk))
    assert HOME_E164 in old_keys and _clear(_raw_history(person.pk))

    migration.seal_if_protected(django_apps, None)
    _assert_sealed(_row(person.pk, "home"))
    _assert_clear(_row(person.pk, "work"), WORK, WORK_E164)
    assert not _clear(_raw_history(person.pk))
    blinded = sorted(_phone_keys(person.pk))
    assert len(blinded) == len(old_keys) and all(k.startswith("bi") for k in blinded)
    index_contact(Contact.objects.get(pk=person.pk))
    assert sorted(_phone_keys(person.pk)) == blinded  # the index's own form
    home = ContactPhone.objects.get(contact=person, label="home")
    assert (home.raw, home.e164) == (HOME, HOME_E164)
    migration.seal_if_protected(django_apps, None)  # run twice: nothing sealed twice
    assert ContactPhone.objects.get(contact=person, label="home").raw == HOME

    ProtectedField.objects.filter(entity="contact", field="personal_phones").delete()
    protection.forget_protected()
    migration.open_if_sealed(django_apps, None)
    _assert_clear(_row(person.pk, "home"), HOME, HOME_E164)
    _assert_clear(_row(person.pk, "work"), WORK, WORK_E164)
    assert _clear(_raw_history(person.pk)) and "sealed" not in _raw_history(person.pk)
    assert not any(key.startswith("bi") for key in _phone_keys(person.pk))


def test_the_migration_leaves_a_site_without_protected_personal_phones_alone(
    admin_user: Any,
) -> None:
    migration = import_module("rubrica.keys.migrations.0002_sealed_personal_phones")
    person = make_contact(admin_user, given_name="Wes", family_name="Open", phones=[HOME_ROW])
    keys = sorted(_phone_keys(person.pk))
    migration.seal_if_protected(django_apps, None)
    _assert_clear(_row(person.pk, "home"), HOME, HOME_E164)
    assert sorted(_phone_keys(person.pk)) == keys


# 8. phone cleaning --------------------------------------------------------------------------


def test_phone_cleaning_tidies_a_sealed_home_number_and_keeps_it_sealed(
    admin_user: Any, settings: Any
) -> None:
    from rubrica.quality.models import CleaningChange
    from rubrica.quality.services import cleaning_start, cleaning_undo_start

    settings.RUBRICA_DEFAULT_PHONE_REGION = "IT"
    _sealed_now(admin_user)
    person = make_contact(
        admin_user,
        given_name="Tina",
        family_name="Ordine",
        phones=[{"label": "home", "value": "06 8877 6655"}, WORK_ROW],
    )
    home = _row(person.pk, "home")
    _assert_sealed(home)
    assert ContactPhone.objects.get(contact=person, label="home").raw == "06 8877 6655"

    job = job_run(cleaning_start(actor=admin_user, action="phones", enqueue=False).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["changed"] == 1, job.result
    tidied = ContactPhone.objects.get(contact=person, label="home")
    assert (tidied.raw, tidied.e164) == (HOME, HOME_E164)
    after = _row(person.pk, "home")
    _assert_sealed(after)
    assert after["raw"] != home["raw"]  # rewritten, and sealed again
    assert after["e164_key"] == home["e164_key"]  # the same number: the same blind index
    change = CleaningChange.objects.get(job=job)
    stored = _raw("quality_cleaningchange", "before", "id", change.pk) + _raw(
        "quality_cleaningchange", "after", "id", change.pk
    )
    assert not _clear(stored), stored
    assert not _clear(_raw_history(person.pk))

    undo = job_run(cleaning_undo_start(actor=admin_user, job=job, enqueue=False).pk)
    assert undo.status == JobStatus.SUCCEEDED, undo.error
    assert undo.result["restored"] == 1, undo.result
    assert ContactPhone.objects.get(contact=person, label="home").raw == "06 8877 6655"
    _assert_sealed(_row(person.pk, "home"))


def test_an_admin_export_writes_the_opened_home_number_and_a_member_s_leaves_it_out(
    admin_user: Any, member: Any
) -> None:
    from rubrica.dataio.exporting import export_start

    _sealed_now(admin_user)
    person = make_contact(
        admin_user,
        given_name="Elsa",
        family_name="Esporta",
        visibility="everyone",
        phones=[HOME_ROW, WORK_ROW],
    )

    def export(actor: Any, fmt: str) -> str:
        job = job_run(
            export_start(actor=actor, format=fmt, selection={"ids": [person.pk]}, enqueue=False).pk
        )
        assert job.status == JobStatus.SUCCEEDED, job.error
        with job.output.open("rb") as handle:
            data: bytes = handle.read()
        return data.decode("utf-8-sig", errors="replace")

    for fmt in ("vcard4", "json", "csv"):
        shown = export(admin_user, fmt)
        assert _clear(shown) and "sealed:" not in shown, fmt
        hidden = export(member, fmt)
        assert not _clear(hidden) and _clear(hidden, "12345678"), fmt


# Found while writing these tests, and fixed ------------------------------------------------


def test_a_save_while_the_key_is_missing_makes_no_phone_key_of_the_unreadable_words(
    admin_user: Any, settings: Any
) -> None:
    _sealed_now(admin_user)
    first = make_contact(admin_user, given_name="Alberto", family_name="Rossi", phones=[HOME_ROW])
    second = make_contact(
        admin_user, given_name="Giovanna", family_name="Bianchi", phones=[OTHER_HOME]
    )
    assert not set(_phone_keys(first.pk)) & set(_phone_keys(second.pk))
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing
    for person in (first, second):
        contact_update(
            actor=admin_user, contact=Contact.objects.get(pk=person.pk), data={"title": "Dr"}
        )
    _assert_sealed(_row(first.pk, "home"))  # the rows themselves are untouched
    # two different numbers: no block in common made of "(unreadable: ...)"
    assert not set(_phone_keys(first.pk)) & set(_phone_keys(second.pk))


def test_once_the_key_is_back_the_job_gives_people_the_phone_keys_of_their_numbers(
    admin_user: Any, settings: Any
) -> None:
    from rubrica.dedup.index import index_contact

    _sealed_now(admin_user)
    person = make_contact(admin_user, given_name="Alba", family_name="Ritorno", phones=[HOME_ROW])
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing
    contact_update(
        actor=admin_user, contact=Contact.objects.get(pk=person.pk), data={"title": "Dr"}
    )
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"  # back
    _reseal(admin_user)
    stored = sorted(_phone_keys(person.pk))
    index_contact(Contact.objects.get(pk=person.pk))
    assert stored == sorted(_phone_keys(person.pk))  # what the index makes of the number


def test_a_refused_home_phone_is_never_set_aside_in_clear_while_sealed(admin_user: Any) -> None:
    from rubrica.dataio.models import ImportRow
    from tests.dataio.import_helpers import card, run_import

    _sealed_now(admin_user)
    person = make_contact(admin_user, given_name="Sam", family_name="Row")
    Contact.all_objects.filter(pk=person.pk).update(uid="urn:uuid:sam")
    job = run_import(
        admin_user,
        card("urn:uuid:sam", "Sam", "Row", extra=f"TEL;TYPE=home:{HOME} 123456"),
        on_duplicate="update",
        match="uid",
    )
    row = ImportRow.objects.get(job=job)
    assert row.outcome == "updated", row.message
    assert "phones.0" in row.message  # refused: the wrong number of digits
    assert not _clear(_raw("contacts_contact", "notes", "id", person.pk))
    assert not _clear(_raw_history(person.pk))


@pytest.mark.parametrize("label", ["home", "work"])
def test_a_refused_phone_of_a_new_card_is_kept_where_the_report_says(
    admin_user: Any, label: str
) -> None:
    from rubrica.dataio.models import ImportRow
    from tests.dataio.import_helpers import card, run_import

    _sealed_now(admin_user)
    number = f"{HOME} 123456"
    job = run_import(
        admin_user, card("urn:uuid:nina", "Nina", "Nuova", extra=f"TEL;TYPE={label}:{number}")
    )
    row = ImportRow.objects.get(job=job)
    assert row.outcome == "created" and "phones.0" in row.message, row.message
    person = Contact.objects.get(uid="urn:uuid:nina")
    extras = [str(item.get("value")) for item in person.vcard_extra if isinstance(item, dict)]
    if "kept in the vCard extras" in row.message:
        assert number in extras, (row.message, person.vcard_extra)
    elif "kept in the notes" in row.message:
        assert number in person.notes, (row.message, person.notes)
    if label == "home":  # notes are not sealed: the number is not kept, and the report says so
        assert "Set aside (not kept)" in row.message, row.message
        assert not _clear(_raw("contacts_contact", "notes", "id", person.pk))
        assert not _clear(_raw("contacts_contact", "vcard_extra", "id", person.pk))
