"""Erasure (ADR 0032): afterwards no table holds the person's name, e-mail address or phone
number anywhere (every text column of every table, read with raw SQL: history, the search
index, mail, timeline, duplicate pairs, merges...) but the audit entries written before; the
shared records stay without them; nothing can bring them back; only administrators may."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from rubrica.activities.models import Activity
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import verify
from rubrica.contacts.models import Contact
from rubrica.dedup.models import DuplicatePair
from rubrica.documents.models import Document
from rubrica.history.models import HistoryEntry
from rubrica.merges.models import Merge
from rubrica.privacy.erasure import REDACTED, contact_erase, erasure_preview
from rubrica.privacy.models import Erasure
from rubrica.search import query
from tests.privacy import scenario

pytestmark = pytest.mark.django_db(transaction=True)

TEXT_TYPES = ("char", "text", "json", "clob", "varchar", "")


def _text_columns() -> list[tuple[str, str]]:
    """Every (table, column) whose values can hold text, read from the database itself."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = %s",
                    [table],
                )
                columns = [
                    (name, kind.lower())
                    for name, kind in cursor.fetchall()
                    if kind.lower() in ("text", "character varying", "character", "json", "jsonb")
                ]
            else:
                cursor.execute(f'PRAGMA table_xinfo("{table}")')
                columns = [
                    (row[1], (row[2] or "").lower())
                    for row in cursor.fetchall()
                    if any(t in (row[2] or "").lower() for t in ("char", "text", "json", "clob"))
                    or not row[2]
                ]
            found.extend((table, name) for name, _kind in columns)
    return found


def _hits(needle: str) -> dict[str, int]:
    """``{"table.column": rows}`` holding ``needle`` (case-insensitive), by raw SQL."""
    hits = {}
    cast = "text" if connection.vendor == "postgresql" else "TEXT"
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            cursor.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE LOWER(CAST("{column}" AS {cast})) LIKE %s',  # noqa: S608 (names from the schema)
                [f"%{needle.lower()}%"],
            )
            count = cursor.fetchone()[0]
            if count:
                hits[f"{table}.{column}"] = count
    return hits


def test_the_scan_sees_the_values_before_the_erasure(admin_user):
    scenario.build(admin_user)

    hits = _hits(scenario.FAMILY)

    for place in (
        "contacts_contact.family_name",
        "contacts_contact.custom_fields",
        "history_historyentry.changes",
        "search_searchdocument.name",
        "activities_activity.subject",
        "mail_mailmessage.body",
        "tasks_task.title",
        "calendars_appointment.title",
        "documents_document.title",
    ):
        assert place in hits, place
    assert "contacts_contactemail.value" in _hits(scenario.EMAIL)
    assert "contacts_contactphone.e164" in _hits(scenario.PHONE_E164)


def test_after_erasure_no_table_holds_the_values_but_earlier_audit_entries(admin_user):
    world = scenario.build(admin_user)
    last_before = AuditEntry.objects.order_by("-seq").first().seq

    counts = contact_erase(actor=admin_user, contact=world.ada)

    for needle in scenario.NEEDLES:
        hits = _hits(needle)
        audit_hits = {k: v for k, v in hits.items() if k.startswith("audit_auditentry.")}
        assert hits == audit_hits, (needle, hits)
        for entry in AuditEntry.objects.filter(seq__gt=last_before):
            assert needle not in str(entry.target_repr).lower()
            assert needle not in str(entry.details).lower()
    assert counts["documents"] == 1
    assert counts["activities_deleted"] >= 1
    assert counts["activities_unlinked"] == 1
    assert counts["merges"] == 1
    assert counts["duplicate_pairs"] == 1


def test_the_search_index_no_longer_finds_the_person(admin_user):
    world = scenario.build(admin_user)
    assert [h.pk for h in query(admin_user, scenario.FAMILY, kinds=["contact"])] == [world.ada.pk]

    contact_erase(actor=admin_user, contact=world.ada)

    assert query(admin_user, scenario.FAMILY, kinds=["contact"]) == []
    assert query(admin_user, "Lovelase", kinds=["contact"]) == []


def test_shared_records_stay_without_the_person(admin_user):
    world = scenario.build(admin_user)

    contact_erase(actor=admin_user, contact=world.ada)

    shared = Activity.objects.get(pk=world.shared_activity.pk)
    assert list(shared.people.values_list("pk", flat=True)) == [world.grace.pk]
    assert shared.subject == f"Lunch with Grace and {REDACTED}"
    assert shared.body == f"Grace will call {REDACTED} on {REDACTED}."
    assert not Activity.all_objects.filter(pk=world.own_activity.pk).exists()
    assert list(world.task.people.values_list("pk", flat=True)) == [world.grace.pk]
    assert not Document.all_objects.filter(pk=world.document.pk).exists()
    assert Contact.objects.filter(pk=world.grace.pk).exists()


def test_the_person_becomes_an_empty_placeholder_and_their_files_go(admin_user, documents_root):
    world = scenario.build(admin_user)
    photo = world.ada.photo.path

    contact_erase(actor=admin_user, contact=world.ada)

    ada = Contact.objects.get(pk=world.ada.pk)
    assert ada.display_name == "—"
    assert (ada.given_name, ada.family_name, ada.notes, ada.primary_email) == ("", "", "", "")
    assert ada.custom_fields == {} and ada.email_consent == ""
    assert not ada.photo
    assert list(ada.emails.all()) == [] and list(ada.phones.all()) == []
    assert list(ada.tags.all()) == []
    import os

    assert not os.path.exists(photo)
    assert list(p for p in documents_root.rglob("*") if p.is_file()) == []


def test_nothing_brings_the_person_back(admin_user):
    world = scenario.build(admin_user)

    contact_erase(actor=admin_user, contact=world.ada)

    assert not HistoryEntry.objects.filter(object_id=world.ada.pk, content_type__model="contact")
    assert not Merge.objects.filter(survivor_id=world.ada.pk).exists()
    assert not DuplicatePair.objects.filter(contact_a_id=world.ada.pk).exists()
    with pytest.raises(ValidationError):
        contact_erase(actor=admin_user, contact=world.ada)


def test_the_erasure_is_audited_without_the_values_and_the_chain_holds(admin_user):
    world = scenario.build(admin_user)

    counts = contact_erase(actor=admin_user, contact=world.ada)

    entry = AuditEntry.objects.get(action="privacy.erase")
    assert entry.target_repr == ""
    assert entry.details == {"person_id": world.ada.pk, "counts": counts}
    assert Erasure.objects.get().contact_id == world.ada.pk
    assert verify().ok


def test_preview_counts_what_the_erasure_removes(admin_user):
    world = scenario.build(admin_user)

    preview = erasure_preview(actor=admin_user, contact=world.ada)
    counts = contact_erase(actor=admin_user, contact=world.ada)

    assert preview == counts


@pytest.mark.parametrize("who", ["member", "viewer"])
def test_only_administrators_may_erase_and_a_refusal_changes_nothing(request, admin_user, who):
    world = scenario.build(admin_user)
    user = request.getfixturevalue(who)
    before = _hits(scenario.FAMILY)

    with pytest.raises(PermissionDenied):
        contact_erase(actor=user, contact=world.ada)
    with pytest.raises(PermissionDenied):
        erasure_preview(actor=user, contact=world.ada)

    assert _hits(scenario.FAMILY) == before
    assert not Erasure.objects.exists()
    assert not AuditEntry.objects.filter(action="privacy.erase").exists()
