"""The tables the duplicate engine reads (rubrica.dedup.registry): a missing one fails loudly, the
contacts domain and the merges feature fill theirs in at start-up, and the engine works with
whatever records a test registers."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from rubrica import dedup
from rubrica.contacts import matching
from rubrica.contacts.models import Contact
from rubrica.dedup import registry
from rubrica.dedup.keys import identity
from rubrica.dedup.models import DuplicateKey, DuplicatePair
from rubrica.dedup.services import scan_start
from rubrica.jobs.services import job_run
from rubrica.merges import cli as merges_cli
from rubrica.merges.services import auto_merge_exact
from tests.factories import make_contact

ADA = {"given_name": "Ada", "family_name": "Lovelace", "emails": [{"value": "ada@example.org"}]}


@pytest.fixture
def no_records():
    with registry.RECORDS.isolated():
        yield


@pytest.fixture
def no_merging():
    with registry.MERGING.isolated():
        yield


def test_a_kind_nobody_registered_fails_loudly():
    with pytest.raises(
        ImproperlyConfigured, match=r"No dedup records 'nowhere\.Thing' is registered"
    ):
        registry.records_of("nowhere.Thing")


@pytest.mark.django_db
def test_the_engine_refuses_to_work_without_the_records_its_tables_point_at(no_records, member):
    with pytest.raises(
        ImproperlyConfigured, match=r"No dedup records 'contacts\.Contact' is registered"
    ):
        dedup.find_duplicates(user=member, data=ADA)
    with pytest.raises(ImproperlyConfigured):
        dedup.reindex()


def test_registering_the_same_records_twice_fails_loudly():
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register(registry.records())


def test_registering_merging_twice_fails_loudly():
    merging = registry.merging()
    assert merging is not None
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register_merging(merging)


def test_contacts_registered_the_people_the_tables_point_at():
    records = registry.records()
    assert records.model is Contact
    assert registry.matched_label() == records.label == "contacts.Contact"
    assert records.identities is matching.identities
    assert records.input_identity is matching.input_identity
    assert records.stored_input is matching.stored_input
    assert records.restrict is matching.restrict
    assert records.alive is matching.alive
    assert records.name_field == "display_name"
    assert records.card == registry.Card(
        template="contacts/_duplicate_card.html", related=("organization",), sides=matching.sides
    )
    assert records.url(42) == reverse("contacts:detail", args=[42])


def test_merges_registered_its_hook_page_and_actions():
    merging = registry.merging()
    assert merging is not None
    assert merging.auto_merge_exact is auto_merge_exact
    assert merging.page == "merges:new"
    assert merging.cli.names == ("merge", "undo")
    assert merging.cli.add_subcommands is merges_cli.add_subcommands
    assert merging.cli.handle is merges_cli.handle
    assert "rubrica dedup merge 12 34" in str(merging.cli.examples)


@pytest.mark.django_db
def test_the_engine_reads_people_through_the_records_a_test_registers(member, monkeypatch):
    # Given two people unlike each other in the database, read by a test's records as the same
    ada = make_contact(member, **ADA)
    bob = make_contact(member, given_name="Bob", family_name="Smith")
    twins = {
        pk: identity(given_name="Ada", family_name="Lovelace", emails=["ada@example.org"])
        for pk in (ada.pk, bob.pk)
    }
    read: list[list[int]] = []

    def identities(ids):
        read.append(sorted(ids))
        return {pk: twins[pk] for pk in ids if pk in twins}

    records = dataclasses.replace(
        registry.records(), identities=identities, url=lambda pk: f"/people/{pk}/"
    )
    with registry.RECORDS.isolated(records):
        # When the keys are rebuilt and someone types Ada again
        assert dedup.reindex() == 2
        found = dedup.find_duplicates(user=member, data=ADA)

        # Then both are found, as the registered records read and link them
        assert read[0] == sorted([ada.pk, bob.pk])
        assert set(DuplicateKey.objects.values_list("contact_id", flat=True)) == {ada.pk, bob.pk}
        assert {(c.pk, c.display_name, c.url) for c in found} == {
            (ada.pk, "Ada Lovelace", f"/people/{ada.pk}/"),
            (bob.pk, "Bob Smith", f"/people/{bob.pk}/"),
        }
        job = job_run(scan_start(actor=member, enqueue=False).pk)
        assert job.status == "succeeded", job.error
        assert set(DuplicatePair.objects.values_list("contact_a_id", "contact_b_id")) == {
            (ada.pk, bob.pk)
        }


@pytest.mark.django_db
def test_without_merging_a_scan_merges_nothing_and_no_merge_is_offered(
    no_merging, member, member_client, settings, rubrica
):
    settings.RUBRICA_AUTO_MERGE_EXACT = True
    make_contact(member, **ADA)
    make_contact(member, **ADA)

    job = job_run(scan_start(actor=member, enqueue=False).pk)

    assert (job.status, job.result["auto_merged"]) == ("succeeded", 0)
    assert Contact.objects.count() == 2
    html = member_client.get(reverse("dedup:list")).content.decode()
    assert "Not a duplicate" in html
    assert reverse("merges:new") not in html
    code, _out, err = rubrica("dedup", "merge", "1", "2", "--as", "member")
    assert code == 2
    assert "invalid choice: 'merge'" in err


def test_the_help_names_the_actions_merging_added(rubrica):
    code, out, _err = rubrica("dedup", "--help")
    assert code == 0
    assert "Duplicate people: scan | list | dismiss | merge | undo | reindex." in out
    assert (
        "  rubrica dedup dismiss 42           pair 42 is not a duplicate (kept so by later scans)\n"
        "  rubrica dedup merge 12 34          merge person 34 into person 12 (undoable)\n"
        "  rubrica dedup undo                 undo your last merge\n"
        "  rubrica dedup reindex              rebuild the match keys from scratch\n"
    ) in out


def test_without_merging_the_help_names_only_the_engines_actions(no_merging, rubrica):
    code, out, _err = rubrica("dedup", "--help")
    assert code == 0
    assert "Duplicate people: scan | list | dismiss | reindex." in out
    assert "rubrica dedup merge" not in out
