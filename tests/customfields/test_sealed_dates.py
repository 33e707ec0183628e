"""Birthdays and anniversaries sealed at rest while marked sensitive (ADR 0051): the column and
every copy (history) hold ciphertext (read here with raw SQL), the duplicate index blocks by
blind indexes of the full date and its month-day, the scan and the form check still pair
namesakes born the same day, birthday reminders still arrive for those who may read them, a save
while a key is missing writes the sealed date back, and unmarking opens them. Runs on SQLite and
PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_revert, contact_update, snapshot
from rubrica.customfields.protection import protected_field_save
from rubrica.dedup.keys import BIRTHDAY, NAME_BIRTHDAY
from rubrica.dedup.models import DuplicateKey
from rubrica.history.models import HistoryEntry
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run
from rubrica.keys.services import key_usage, reseal_start
from rubrica.notifications.models import Notification
from rubrica.notifications.scheduling import tick
from rubrica.notifications.services import preferences_update
from tests.api.conftest import bearer
from tests.conftest import TEST_FIELD_KEYS
from tests.factories import make_contact
from tests.moments import without_moments

pytestmark = pytest.mark.django_db

ROME = zoneinfo.ZoneInfo("Europe/Rome")
NEW_KEY = "t2 " + "B" * 43 + "="


def _raw(column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM contacts_contact WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def _raw_history(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes FROM history_historyentry WHERE object_id = %s", [pk])
        rows = cursor.fetchall()
    return " ".join(r[0] if isinstance(r[0], str) else json.dumps(r[0]) for r in rows)


def _protect(admin_user: Any, name: str = "birthday", sensitive: bool = True) -> None:
    protected_field_save(
        actor=admin_user,
        entity="contact",
        field_name=name,
        sensitive=sensitive,
        read_roles=[],
        edit_roles=[],
    )


def _reseal(admin_user: Any) -> Job:
    job = job_run(reseal_start(actor=admin_user, enqueue=False, reindex=True).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def _without_timestamps(response: Any) -> str:
    return without_moments(response.content.decode())


def _keys(pk: int) -> list[str]:
    return list(
        DuplicateKey.objects.filter(contact_id=pk, kind__in=(BIRTHDAY, NAME_BIRTHDAY)).values_list(
            "key", flat=True
        )
    )


def test_marking_the_birthday_sensitive_seals_it_and_its_copies_and_blinds_its_keys(
    client: Any, admin_user: Any, member: Any
) -> None:
    person = make_contact(
        admin_user,
        given_name="Nora",
        family_name="Born",
        visibility="everyone",
        birthday="1971-03-09",
        anniversary="1999-06-12",
    )
    assert _raw("birthday", person.pk) == "1971-03-09"
    assert "1971-03-09" in _keys(person.pk)
    _protect(admin_user)
    job = _reseal(admin_user)
    assert job.result["sealed"] >= 2  # the column and the creation's history entry
    assert _raw("birthday", person.pk).startswith("sealed:v1:t1:")
    assert _raw("anniversary", person.pk) == "1999-06-12"  # not marked: clear
    assert "1971" not in _raw_history(person.pk)
    keys = _keys(person.pk)
    assert keys and all(k.startswith("bi") and "03-09" not in k for k in keys)

    assert Contact.objects.get(pk=person.pk).birthday == "1971-03-09"  # read back opened
    shown = client.get(f"/api/v1/contacts/{person.pk}", **bearer(admin_user)).json()
    assert shown["birthday"] == "1971-03-09"
    hidden = client.get(f"/api/v1/contacts/{person.pk}", **bearer(member))
    assert "birthday" not in hidden.json() and "1971" not in _without_timestamps(hidden)

    contact_update(actor=admin_user, contact=person, data={"birthday": "1972-04-10"})
    assert _raw("birthday", person.pk).startswith("sealed:")
    assert "1972" not in _raw_history(person.pk) and "1971" not in _raw_history(person.pk)
    client.force_login(admin_user)
    page = client.get(reverse("history:contact", args=[person.pk])).content.decode()
    assert "1971" in page or "9 Mar 1971" in page or "1971-03-09" in page
    assert 'name="field" value="birthday"' in page  # the editor is offered the restore
    client.force_login(member)
    page = _without_timestamps(client.get(reverse("history:contact", args=[person.pk])))
    assert "1971" not in page and "1972" not in page
    # may change the person but not the birthday: no restore of a value they may not write
    assert 'name="field" value="birthday"' not in page
    entry = HistoryEntry.objects.filter(object_id=person.pk, action="update").latest("id")
    contact_revert(actor=admin_user, contact=person, entry=entry, field="birthday")
    assert Contact.objects.get(pk=person.pk).birthday == "1971-03-09"
    assert _raw("birthday", person.pk).startswith("sealed:")


def test_the_scan_and_the_form_check_still_pair_namesakes_born_the_same_day(
    admin_user: Any,
) -> None:
    from rubrica.contacts.matching import input_identity
    from rubrica.dedup.keys import blocking_keys
    from rubrica.dedup.selectors import find_duplicates

    _protect(admin_user)
    first = make_contact(
        admin_user, given_name="Marguerite", family_name="Oyelaran", birthday="1984-11-02"
    )
    second = make_contact(
        admin_user, given_name="Margarite", family_name="Oyelaran-Smith", birthday="1984-11-02"
    )
    assert set(_keys(first.pk)) & set(_keys(second.pk))  # the scan compares them
    typed = {"given_name": "Marguerite", "family_name": "Oyelaran", "birthday": "1984-11-02"}
    person = input_identity(typed)
    assert person.birthday == "1984-11-02" and person.birthday_block.startswith("bit1:")
    assert set(_keys(first.pk)) <= {key for _kind, key in blocking_keys(person)}
    assert first.pk in {match.pk for match in find_duplicates(user=admin_user, data=typed)}


def test_reminders_still_come_for_a_sealed_birthday(admin_user: Any, settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Rome"
    _protect(admin_user)
    _protect(admin_user, "anniversary")
    make_contact(admin_user, given_name="Ada", birthday="--12-07")
    make_contact(admin_user, given_name="Cy", anniversary="2001-12-07")
    make_contact(admin_user, given_name="Dee", birthday="1980-12-08")  # tomorrow
    preferences_update(actor=admin_user, channels={"tasks.birthday": ["in_app"]})
    assert _raw("birthday", Contact.objects.get(given_name="Ada").pk).startswith("sealed:")
    tick(now=dt.datetime(2026, 12, 7, 9, 0, tzinfo=ROME))
    titles = sorted(
        Notification.objects.filter(kind="tasks.birthday", recipient=admin_user).values_list(
            "title", flat=True
        )
    )
    assert titles == ["Anniversary: Cy Lovelace", "Birthday: Ada Lovelace"]


def test_a_save_while_the_key_is_missing_writes_the_sealed_date_back(
    admin_user: Any, settings: Any
) -> None:
    _protect(admin_user)
    person = make_contact(admin_user, given_name="Una", birthday="1970-01-31")
    stored = _raw("birthday", person.pk)
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing
    person = Contact.objects.get(pk=person.pk)
    data = snapshot(person)
    assert str(data["birthday"]).startswith("(unreadable")
    contact_update(  # what the edit form posts back: the words shown, as plain text
        actor=admin_user,
        contact=person,
        data={"given_name": "Una-Maria", "birthday": str(data["birthday"])},
    )
    assert _raw("birthday", person.pk) == stored
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    person = Contact.objects.get(pk=person.pk)
    assert (person.given_name, person.birthday) == ("Una-Maria", "1970-01-31")


def test_unmarking_opens_the_dates_and_their_keys_and_rotation_counts_them(
    admin_user: Any, settings: Any
) -> None:
    _protect(admin_user)
    person = make_contact(admin_user, given_name="Omar", birthday="1966-07-21")
    assert key_usage() == {"t1": 1}
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    _reseal(admin_user)
    assert _raw("birthday", person.pk).startswith("sealed:v1:t2:")
    assert all(k.startswith("bit2:") for k in _keys(person.pk))
    _protect(admin_user, sensitive=False)
    job = _reseal(admin_user)
    assert job.result["opened"] >= 1
    assert _raw("birthday", person.pk) == "1966-07-21"
    assert "1966-07-21" in _keys(person.pk)
    assert "1966-07-21" in _raw_history(person.pk)


def test_the_migration_seals_the_dates_of_a_site_that_protected_them_before(
    admin_user: Any,
) -> None:
    from importlib import import_module

    from django.apps import apps as django_apps

    person = make_contact(admin_user, given_name="Vic", birthday="1950-05-05")
    _protect(admin_user)  # its job not run: as an older version left the row and the keys
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contacts_contact SET birthday = %s WHERE id = %s", ["1950-05-05", person.pk]
        )
    DuplicateKey.objects.filter(contact_id=person.pk).delete()
    from rubrica.dedup.index import key_rows
    from rubrica.dedup.keys import identity

    DuplicateKey.objects.bulk_create(
        key_rows(
            person.pk, identity(given_name="Vic", family_name="Lovelace", birthday="1950-05-05")
        )
    )
    assert "1950-05-05" in _keys(person.pk)
    migration = import_module("rubrica.keys.migrations.0001_sealed_addresses_and_dates")
    migration.seal_if_protected(django_apps, None)
    assert _raw("birthday", person.pk).startswith("sealed:")
    assert "1950" not in _raw_history(person.pk)
    blinded = sorted(_keys(person.pk))
    assert blinded and all(k.startswith("bi") for k in blinded)
    from rubrica.dedup.index import index_contact

    index_contact(Contact.objects.get(pk=person.pk))
    assert sorted(_keys(person.pk)) == blinded  # the index's own form


def test_gender_is_sealed_too_and_an_unreadable_one_survives_a_save(
    admin_user: Any, settings: Any
) -> None:
    _protect(admin_user, "gender")
    person = make_contact(admin_user, given_name="Gia", gender="F")
    stored = _raw("gender", person.pk)
    assert stored.startswith("sealed:v1:t1:")
    other = make_contact(admin_user, given_name="Hal", gender="M")
    assert len(_raw("gender", other.pk)) == len(stored)  # every code seals to one length
    assert Contact.objects.get(pk=person.pk).gender == "F"
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing
    person = Contact.objects.get(pk=person.pk)
    # the edit form's select cannot show the words: it posts the gender empty
    contact_update(actor=admin_user, contact=person, data={"given_name": "Gianna", "gender": ""})
    assert _raw("gender", person.pk) == stored
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    assert Contact.objects.get(pk=person.pk).gender == "F"
