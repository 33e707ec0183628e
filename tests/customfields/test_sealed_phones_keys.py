"""Sealed personal phone numbers and their keys (ADR 0052): a save while the key is missing
writes a sealed number back unchanged, with its blind index; a rotation re-seals the numbers,
their blind indexes and the duplicate keys under the new key, and ``keys status`` counts them.
Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_update, snapshot
from rubrica.customfields.protection import protected_field_save
from rubrica.dedup.keys import PHONE, PHONE_NSN
from rubrica.dedup.models import DuplicateKey
from rubrica.jobs.models import JobStatus
from rubrica.jobs.services import job_run
from rubrica.keys.services import key_usage, reseal_start
from tests.conftest import TEST_FIELD_KEYS
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

NEW_KEY = "t2 " + "B" * 43 + "="
HOME = "+39 06 8877 6655"
WORK = "+39 02 1234 5678"


def _protect(admin_user: Any) -> None:
    protected_field_save(
        actor=admin_user,
        entity="contact",
        field_name="personal_phones",
        sensitive=True,
        read_roles=[],
        edit_roles=[],
    )


def _stored(pk: int) -> dict[str, tuple[str, str, str]]:
    """label -> (raw, e164, e164_key) as stored."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT label, raw, e164, e164_key FROM contacts_contactphone WHERE contact_id = %s",
            [pk],
        )
        return {label: (raw, e164, key) for label, raw, e164, key in cursor.fetchall()}


def _phone_keys(pk: int) -> list[str]:
    return list(
        DuplicateKey.objects.filter(contact_id=pk, kind__in=(PHONE, PHONE_NSN)).values_list(
            "key", flat=True
        )
    )


def test_a_save_while_the_key_is_missing_writes_the_sealed_number_back(
    admin_user: Any, settings: Any
) -> None:
    _protect(admin_user)
    person = make_contact(
        admin_user,
        given_name="Una",
        phones=[{"label": "home", "value": HOME}, {"label": "work", "value": WORK}],
    )
    before = _stored(person.pk)
    assert before["home"][0].startswith("sealed:v1:t1:") and before["home"][2].startswith("bit1:")
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing
    person = Contact.objects.get(pk=person.pk)
    phones = snapshot(person)["phones"]
    home = next(p for p in phones if p["label"] == "home")
    assert str(home["value"]).startswith("(unreadable")
    contact_update(  # what a form posts back: the words shown, as plain text
        actor=admin_user,
        contact=person,
        data={
            "given_name": "Una-Maria",
            "phones": [{**p, "value": str(p["value"])} for p in phones],
        },
    )
    after = _stored(person.pk)
    assert after["home"] == before["home"]  # number, E.164 form and blind index, as stored
    assert after["work"][0] == WORK
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    person = Contact.objects.get(pk=person.pk)
    assert person.given_name == "Una-Maria"
    assert {p["label"]: p["value"] for p in snapshot(person)["phones"]} == {
        "home": HOME,
        "work": WORK,
    }


def test_a_rotation_reseals_numbers_blind_indexes_and_phone_keys_and_status_counts_them(
    admin_user: Any, settings: Any
) -> None:
    _protect(admin_user)
    person = make_contact(
        admin_user,
        given_name="Omar",
        phones=[{"label": "home", "value": HOME}, {"label": "work", "value": WORK}],
    )
    assert key_usage() == {"t1": 2}  # the home number as typed and as E.164
    keys = _phone_keys(person.pk)
    assert keys and all(k.startswith("bit1:") for k in keys)  # the work phone's too
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    job = job_run(reseal_start(actor=admin_user, enqueue=False).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    stored = _stored(person.pk)
    assert stored["home"][0].startswith("sealed:v1:t2:")
    assert stored["home"][1].startswith("sealed:v1:t2:")
    assert stored["home"][2].startswith("bit2:")
    assert stored["work"] == (WORK, "+390212345678", "")
    keys = _phone_keys(person.pk)
    assert keys and all(k.startswith("bit2:") for k in keys)
    assert key_usage() == {"t2": 2}
    assert Contact.objects.get(pk=person.pk).phones.get(label="home").e164 == "+390688776655"
