"""Shipped list entries (lifecycle stages, organization kinds, call outcomes) carry a stable key:
shown in the reader's language while they keep their shipped name, found by key after a rename."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rubrica.activities.models import Activity, Outcome
from rubrica.contacts.models import Contact
from rubrica.taxonomy.models import LifecycleStage, OrganizationKind
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _shipped(model, key, name):  # type: ignore[no-untyped-def]
    """The shipped entry (a transactional test's flush may have removed the migration's rows)."""
    entry, _created = model.objects.get_or_create(name=name, defaults={"position": 90})
    model.objects.filter(pk=entry.pk).update(key=key)
    entry.refresh_from_db()
    return entry


def test_the_migrations_key_the_entries_still_named_as_shipped():
    taxonomy = importlib.import_module("rubrica.taxonomy.migrations.0003_choice_keys")
    activities = importlib.import_module("rubrica.activities.migrations.0004_outcome_keys")
    for model, name in (
        (LifecycleStage, "Former customer"),
        (LifecycleStage, "Lead"),
        (OrganizationKind, "Supplier"),
        (Outcome, "No answer"),
    ):
        model.objects.get_or_create(name=name, defaults={"position": 90})
    LifecycleStage.objects.update(key="")
    OrganizationKind.objects.update(key="")
    Outcome.objects.update(key="")
    LifecycleStage.objects.filter(name="Lead").update(name="Hot lead")  # renamed before upgrade

    taxonomy.key_shipped(apps, None)
    activities.key_shipped(apps, None)

    assert LifecycleStage.objects.get(name="Former customer").key == "former_customer"
    assert OrganizationKind.objects.get(name="Supplier").key == "supplier"
    assert Outcome.objects.get(name="No answer").key == "no_answer"
    assert not LifecycleStage.objects.filter(key="lead").exists()


def test_a_shipped_entry_reads_in_the_readers_language_until_renamed():
    stage = _shipped(LifecycleStage, "customer", "Customer")
    with translation.override("it"):
        italian = stage.label
    with translation.override("fa"):
        persian = stage.label
    with translation.override("en"):
        english = stage.label
    assert english == "Customer"
    assert italian == "Cliente"
    assert persian not in ("", "Customer")

    stage.name = "Key account"
    stage.save()
    with translation.override("it"):
        assert stage.label == "Key account"
        assert str(stage) == "Key account"


def test_an_entry_added_by_a_user_reads_as_written():
    kind = OrganizationKind.objects.create(name="Customer care", position=50)
    with translation.override("zh-hans"):
        assert kind.label == "Customer care"


def test_the_person_page_shows_the_stage_in_the_readers_language(member, member_client: Client):
    stage = _shipped(LifecycleStage, "customer", "Customer")
    ada = make_contact(member, stage=stage.name)
    assert Contact.objects.get(pk=ada.pk).stage_id == stage.pk

    body = member_client.get(
        reverse("contacts:detail", args=[ada.pk]), HTTP_ACCEPT_LANGUAGE="it"
    ).content.decode()

    assert "<bdi>Cliente</bdi>" in body
    assert "<bdi>Customer</bdi>" not in body


def test_quick_log_finds_no_answer_by_key_after_an_administrator_renamed_it(
    member, member_client: Client
):
    outcome = _shipped(Outcome, "no_answer", "No answer")
    Outcome.objects.filter(pk=outcome.pk).update(name="Nessuna risposta")
    ada = make_contact(member)

    response = member_client.post(
        reverse("activities:quick_log"),
        {
            "record_key": "person",
            "record_pk": ada.pk,
            "kind": "call",
            "direction": "out",
            "outcome": "no_answer",
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    activity = Activity.objects.get()
    assert activity.outcome_id == outcome.pk
    assert activity.outcome.name == "Nessuna risposta"


def test_the_quick_log_buttons_send_the_key_not_the_name(member, member_client: Client):
    ada = make_contact(member)
    body = member_client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()
    assert 'name="outcome" value="no_answer"' in body
    assert 'value="no answer"' not in body
