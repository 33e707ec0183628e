"""Sealed personal phones (ADR 0052), the cases a review found: several numbers that do not open
survive a save each as itself; a number that does not open never becomes the list phone; a sealed
number is found by phone while a rotation or an unmarking is still under way; a cleaning preview
shows no personal number to a user who may not read it. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from rubrica.contacts.matching import phone_lookup
from rubrica.contacts.models import Contact, ContactPhone
from rubrica.contacts.services import contact_update, snapshot
from rubrica.core import sealing
from rubrica.customfields.models import ProtectedField
from rubrica.customfields.protection import forget_protected
from rubrica.jobs.models import JobStatus
from rubrica.jobs.services import job_run
from rubrica.keys.services import reseal_start
from rubrica.merges.services import contact_merge
from tests.conftest import TEST_FIELD_KEYS
from tests.customfields.test_sealed_phones import NEW_KEY, _protect, _rows, _sealed_now
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

E164 = "+390688776655"


@pytest.fixture(autouse=True)
def _private_root(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def _numbers(pk: int) -> list[tuple[str, str]]:
    return [
        (p.label, p.raw) for p in ContactPhone.objects.filter(contact_id=pk).order_by("position")
    ]


def test_several_numbers_that_do_not_open_survive_a_save_each_as_itself(
    admin_user: Any, settings: Any
) -> None:
    _sealed_now(admin_user)
    person = make_contact(
        admin_user,
        given_name="Due",
        family_name="Case",
        phones=[
            {"label": "home", "value": "+39 06 8877 6655"},
            {"label": "private", "value": "+39 02 4455 6677"},
        ],
    )
    stored = _rows(person.pk)
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing
    person = Contact.objects.get(pk=person.pk)
    shown = snapshot(person)["phones"]
    assert [str(r["value"]) for r in shown] == [str(shown[0]["value"])] * 2  # the same words
    contact_update(
        actor=admin_user,
        contact=person,
        data={
            "given_name": "Tre",
            "phones": [{"label": r["label"], "value": str(r["value"])} for r in shown],
        },
    )
    assert _rows(person.pk) == stored  # each row as it was stored
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"
    assert _numbers(person.pk) == [("home", "+39 06 8877 6655"), ("private", "+39 02 4455 6677")]


def test_a_number_that_does_not_open_never_becomes_the_list_phone(
    admin_user: Any, settings: Any
) -> None:
    _sealed_now(admin_user)
    person = make_contact(
        admin_user,
        given_name="Lista",
        phones=[{"label": "home", "value": "+39 06 8877 6655", "is_preferred": True}],
    )
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing
    person = Contact.objects.get(pk=person.pk)
    shown = snapshot(person)["phones"]
    contact_update(  # relabelled "work": no longer left out of the list as a personal phone
        actor=admin_user,
        contact=person,
        data={"phones": [{"label": "work", "value": str(shown[0]["value"]), "is_preferred": True}]},
    )
    assert Contact.objects.get(pk=person.pk).primary_phone == ""
    # unmarking while the key is missing: the job cannot open the row, and shows no words
    _protect(admin_user, sensitive=False)
    job = job_run(reseal_start(actor=admin_user, enqueue=False, reindex=True).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert Contact.objects.get(pk=person.pk).primary_phone == ""


def test_a_sealed_number_is_found_while_a_rotation_is_under_way(
    admin_user: Any, settings: Any
) -> None:
    _sealed_now(admin_user)
    make_contact(admin_user, given_name="Ruota", phones=[{"label": "home", "value": E164}])
    assert ContactPhone.objects.filter(phone_lookup([E164])).count() == 1
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"  # new key
    assert ContactPhone.objects.filter(phone_lookup([E164])).count() == 1  # job not run yet
    assert not ContactPhone.objects.filter(phone_lookup(["+390699999999"])).exists()


def test_a_sealed_number_is_found_after_unmarking_until_the_job_opens_it(
    admin_user: Any,
) -> None:
    _sealed_now(admin_user)
    make_contact(admin_user, given_name="Apre", phones=[{"label": "home", "value": E164}])
    ProtectedField.objects.filter(field="personal_phones").delete()  # the job not run yet
    forget_protected()
    assert _rows_sealed()
    assert ContactPhone.objects.filter(phone_lookup([E164])).count() == 1


def _rows_sealed() -> bool:
    return all(
        sealing.is_sealed_text(row["raw"])
        for pk in ContactPhone.objects.values_list("contact_id", flat=True)
        for row in _rows(pk)
    )


def test_a_cleaning_preview_shows_no_personal_number_to_whom_may_not_read_it(
    admin_user: Any, member: Any, settings: Any
) -> None:
    from rubrica.quality.services import preview_cleaning

    settings.RUBRICA_DEFAULT_PHONE_REGION = "IT"
    _sealed_now(admin_user)
    make_contact(
        admin_user,
        given_name="Tidy",
        owner=member.pk,
        visibility="everyone",
        phones=[
            {"label": "home", "value": "06 8877 6655"},
            {"label": "work", "value": "02 1234 5678"},
        ],
    )
    text = repr(preview_cleaning(member, "phones").changes)
    assert "8877" not in text and "1234 5678" in text  # the work phone is theirs to tidy
    assert "8877" in repr(preview_cleaning(admin_user, "phones").changes)


def test_a_number_written_without_its_row_is_refused_while_phones_may_be_sealed(admin_user):
    """``QuerySet.update`` and ``bulk_update`` never ask a row's policy: while personal phones
    are sealed they are refused, and nothing is stored in clear; a save seals the personal row
    and keeps the work row in clear, as its label says; unmarked, a bare update is a write."""
    person = make_contact(
        admin_user,
        phones=[{"label": "home", "value": "+39 06 8877 6655"}, {"label": "work", "value": E164}],
    )
    _sealed_now(admin_user)
    before = _rows(person.pk)
    home = ContactPhone.objects.get(contact=person, label="home")

    with pytest.raises(ValueError, match="sealed row by row"), transaction.atomic():
        ContactPhone.objects.filter(pk=home.pk).update(raw="+39 06 1111 2222")
    home.raw = "+39 06 1111 2222"
    with pytest.raises(ValueError, match="sealed row by row"), transaction.atomic():
        ContactPhone.objects.bulk_update([home], ["raw"])
    assert _rows(person.pk) == before
    assert "1111" not in str(_rows(person.pk))

    home.save()
    work = ContactPhone.objects.get(contact=person, label="work")
    work.raw = "+39 06 3333 4444"
    work.save()
    stored = {row["label"]: row["raw"] for row in _rows(person.pk)}
    assert sealing.is_sealed_text(stored["home"]) and "1111" not in stored["home"]
    assert stored["work"] == "+39 06 3333 4444"
    assert ContactPhone.objects.get(pk=home.pk).raw == "+39 06 1111 2222"

    ProtectedField.objects.all().delete()
    forget_protected()
    ContactPhone.objects.filter(pk=work.pk).update(raw="+39 06 5555 6666")
    assert {row["label"]: row["raw"] for row in _rows(person.pk)}["work"] == "+39 06 5555 6666"


def test_a_merge_while_the_key_is_missing_keeps_both_peoples_numbers_as_stored(
    admin_user: Any, settings: Any
) -> None:
    """Every number that does not open reads as the same words: a merge once took two people's
    sealed home numbers for one and kept the survivor's only. Each is now only itself, and the
    merged person's moves over as stored (number, E.164 form, blind index)."""
    _sealed_now(admin_user)
    survivor = make_contact(
        admin_user, given_name="Ada", phones=[{"label": "home", "value": "+39 06 8877 6655"}]
    )
    merged = make_contact(
        admin_user,
        given_name="Ada",
        phones=[
            {"label": "home", "value": "+39 02 4455 6677"},
            {"label": "work", "value": "+39 02 1111 2222"},
        ],
    )
    stored = sorted(map(str, _rows(survivor.pk) + _rows(merged.pk)))
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing

    contact_merge(
        actor=admin_user,
        survivor=Contact.objects.get(pk=survivor.pk),
        merged=Contact.objects.get(pk=merged.pk),
    )

    assert sorted(map(str, _rows(survivor.pk))) == stored
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"  # back
    assert sorted(_numbers(survivor.pk)) == [
        ("home", "+39 02 4455 6677"),
        ("home", "+39 06 8877 6655"),
        ("work", "+39 02 1111 2222"),
    ]
    assert [r["label"] for r in _rows(survivor.pk) if r["e164_key"]] == ["home", "home"]


def test_erasing_someone_whose_sealed_number_does_not_open_is_refused_until_the_key_is_back(
    admin_user: Any, settings: Any
) -> None:
    """An erasure removes the person's numbers from shared notes too; with the key missing it
    cannot know them, so it refuses (preview and erasure alike) and changes nothing, rather
    than say it is done; with the key back it erases and the number leaves the shared note."""
    from rubrica.activities.services import activity_create
    from rubrica.privacy.erasure import REDACTED, contact_erase, erasure_preview
    from rubrica.privacy.models import Erasure

    _sealed_now(admin_user)
    ada = make_contact(
        admin_user, given_name="Ada", phones=[{"label": "home", "value": "+39 06 8877 6655"}]
    )
    grace = make_contact(admin_user, given_name="Grace", family_name="Hopper")
    shared = activity_create(
        actor=admin_user,
        data={
            "kind": "call",
            "subject": "Call",
            "body": "Grace will ring +39 06 8877 6655 tonight.",
            "people": [ada.pk, grace.pk],
        },
    )
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing
    before = _rows(ada.pk)

    for attempt in (erasure_preview, contact_erase):
        with pytest.raises(ValidationError) as refused:
            attempt(actor=admin_user, contact=Contact.objects.get(pk=ada.pk))
        assert "key" in str(refused.value.message_dict["person"])
    assert not Erasure.objects.exists()
    assert _rows(ada.pk) == before
    shared.refresh_from_db()
    assert "+39 06 8877 6655" in shared.body

    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: f"{NEW_KEY}\n{TEST_FIELD_KEYS}"  # back
    contact_erase(actor=admin_user, contact=Contact.objects.get(pk=ada.pk))
    shared.refresh_from_db()
    assert "8877" not in shared.body and REDACTED in shared.body


def test_an_erasing_rule_passes_over_someone_it_cannot_erase_and_erases_the_others(
    admin_user: Any, settings: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from rubrica.privacy.models import Erasure
    from rubrica.privacy.retention import (
        retention_preview,
        retention_rule_activate,
        retention_rule_save,
        retention_run,
    )
    from rubrica.taxonomy.models import LifecycleStage

    _sealed_now(admin_user)
    lead = LifecycleStage.objects.get_or_create(name="Lead")[0]
    sealed = make_contact(
        admin_user,
        given_name="Sealed",
        stage=lead.pk,
        phones=[{"label": "home", "value": "+39 06 8877 6655"}],
    )
    plain = make_contact(admin_user, given_name="Plain", stage=lead.pk)
    rule = retention_rule_save(
        actor=admin_user,
        data={"name": "Old leads", "stage": str(lead.pk), "age_days": "30", "action": "erase"},
    )
    retention_preview(actor=admin_user, rule=rule)
    retention_rule_activate(actor=admin_user, rule=rule, active=True)
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: NEW_KEY  # the key went missing

    done = retention_run(rule, now=timezone.now() + dt.timedelta(days=365))

    assert done == [plain.pk]
    assert list(Erasure.objects.values_list("contact_id", flat=True)) == [plain.pk]
    assert Contact.objects.get(pk=sealed.pk).given_name == "Sealed"
