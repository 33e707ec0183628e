"""Documents through their services: upload checks, storage, versions, permissions following
the record, Trash, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rubrica.core.models import Action
from rubrica.core.services import ConflictError
from rubrica.documents import services
from rubrica.documents.models import Document, DocumentVersion
from rubrica.history.models import HistoryEntry
from tests.documents.conftest import HTML, PDF, SVG, png_bytes, stored_files, upload
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def _entries(instance):
    return list(
        HistoryEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(instance)), object_id=instance.pk
        ).order_by("id")
    )


def test_a_pdf_is_stored_under_a_generated_name_with_what_was_learnt_from_it(
    member, documents_root
):
    contact = make_contact(member)
    document = services.document_create(
        actor=member, record=contact, upload=upload("../../etc/passwd/Contract.pdf", PDF)
    )
    version = document.current
    assert document.contact_id == contact.pk and document.organization_id is None
    assert document.title == "Contract.pdf"
    assert document.owner == member
    assert (version.number, version.original_name, version.size) == (1, "Contract.pdf", len(PDF))
    assert version.content_type == "application/pdf"
    import hashlib

    assert version.sha256 == hashlib.sha256(PDF).hexdigest()
    files = stored_files(documents_root)
    assert len(files) == 1
    assert files[0].read_bytes() == PDF
    assert files[0].relative_to(documents_root).as_posix() == version.stored_name
    assert "Contract" not in version.stored_name and ".." not in version.stored_name
    assert files[0].resolve().is_relative_to(documents_root.resolve())


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("..\\..\\windows\\system32\\a.pdf", "a.pdf"),
        ("/etc/passwd", "passwd"),
        ("....pdf", "pdf"),
        ("..", "document"),
        ("", "document"),
        ("evil\u202egnp.pdf", "evilgnp.pdf"),
        ("line\r\nbreak.pdf", "linebreak.pdf"),
    ],
)
def test_names_with_paths_or_control_characters_are_cleaned(name, shown):
    assert services.clean_filename(name) == shown


def test_html_named_pdf_is_refused_with_its_name_and_nothing_is_stored(member, documents_root):
    contact = make_contact(member)
    with pytest.raises(ValidationError) as caught:
        services.document_create(
            actor=member, record=contact, upload=upload("contract.pdf", HTML, "application/pdf")
        )
    message = caught.value.message_dict["file"][0]
    assert "contract.pdf" in message and "text/html" in message
    assert Document.all_objects.count() == 0
    assert stored_files(documents_root) == []
    assert _entries(contact)[-1].action == "create"  # no "documents" note on the person


def test_a_file_larger_than_the_cap_is_refused_naming_it(member, settings, documents_root):
    settings.RUBRICA_DOCUMENTS_MAX_BYTES = 100
    contact = make_contact(member)
    with pytest.raises(ValidationError) as caught:
        services.document_create(actor=member, record=contact, upload=upload("big.pdf", PDF))
    assert "big.pdf" in caught.value.message_dict["file"][0]
    assert "100" in caught.value.message_dict["file"][0]
    assert Document.all_objects.count() == 0
    assert stored_files(documents_root) == []


def test_allowed_types_are_a_setting(member, settings):
    contact = make_contact(member)
    settings.RUBRICA_DOCUMENTS_ALLOWED_TYPES = ["application/pdf"]
    with pytest.raises(ValidationError):
        services.document_create(actor=member, record=contact, upload=upload("a.png", png_bytes()))
    settings.RUBRICA_DOCUMENTS_ALLOWED_TYPES = ["application/pdf", "image/png"]
    document = services.document_create(
        actor=member, record=contact, upload=upload("a.png", png_bytes())
    )
    assert document.current.content_type == "image/png"


def test_a_new_version_keeps_the_old_ones(member, documents_root):
    organization = make_organization(member)
    document = services.document_create(
        actor=member, record=organization, upload=upload("plan.pdf", PDF), title="Plan"
    )
    second = services.document_add_version(
        actor=member,
        document=document,
        upload=upload("plan-v2.png", png_bytes()),
        expected_version=document.version,
    )
    document.refresh_from_db()
    assert (second.number, document.current_id, document.version) == (2, second.pk, 2)
    numbers = list(document.versions.values_list("number", "original_name", "content_type"))
    assert numbers == [(2, "plan-v2.png", "image/png"), (1, "plan.pdf", "application/pdf")]
    assert len(stored_files(documents_root)) == 2
    with pytest.raises(ConflictError):
        services.document_add_version(
            actor=member, document=document, upload=upload("x.pdf", PDF), expected_version=1
        )
    assert document.versions.count() == 2
    assert len(stored_files(documents_root)) == 2  # the refused upload's file was removed


def test_someone_who_cannot_see_the_person_cannot_attach_nor_see_and_nothing_changes(
    member, other_member, documents_root
):
    contact = make_contact(member, visibility="private")
    with pytest.raises(PermissionDenied):
        services.document_create(actor=other_member, record=contact, upload=upload("a.pdf", PDF))
    document = services.document_create(actor=member, record=contact, upload=upload("a.pdf", PDF))
    assert not Document.objects.restrict(other_member, Action.VIEW).filter(pk=document.pk).exists()
    with pytest.raises(PermissionDenied):
        services.document_add_version(
            actor=other_member, document=document, upload=upload("b.pdf", PDF)
        )
    with pytest.raises(PermissionDenied):
        services.document_delete(actor=other_member, document=document)
    document.refresh_from_db()
    assert (document.version, document.deleted_at, document.versions.count()) == (1, None, 1)
    assert len(stored_files(documents_root)) == 1


def test_documents_follow_the_team_of_their_record(member, other_member, sales, support):
    shared = make_contact(member, visibility="team", team=sales.pk)
    document = services.document_create(actor=member, record=shared, upload=upload("a.pdf", PDF))
    assert Document.objects.restrict(member).filter(pk=document.pk).exists()
    assert not Document.objects.restrict(other_member).filter(pk=document.pk).exists()
    sales.members.add(other_member)
    assert Document.objects.restrict(other_member).filter(pk=document.pk).exists()


def test_a_viewer_sees_documents_but_cannot_attach(member, viewer):
    contact = make_contact(member)
    document = services.document_create(actor=member, record=contact, upload=upload("a.pdf", PDF))
    assert Document.objects.restrict(viewer).filter(pk=document.pk).exists()
    assert not Document.objects.restrict(viewer, Action.DELETE).filter(pk=document.pk).exists()
    with pytest.raises(PermissionDenied):
        services.document_create(actor=viewer, record=contact, upload=upload("b.pdf", PDF))
    assert Document.all_objects.count() == 1


def test_a_private_document_is_its_owners_among_those_who_see_the_record(member, other_member):
    contact = make_contact(member)
    document = services.document_create(
        actor=member, record=contact, upload=upload("a.pdf", PDF), visibility="private"
    )
    assert Document.objects.restrict(member).filter(pk=document.pk).exists()
    assert not Document.objects.restrict(other_member).filter(pk=document.pk).exists()


def test_trash_and_restore_with_history_on_the_document_and_the_person(member):
    contact = make_contact(member)
    document = services.document_create(
        actor=member, record=contact, upload=upload("a.pdf", PDF), title="Contract"
    )
    services.document_delete(actor=member, document=document)
    assert not Document.objects.filter(pk=document.pk).exists()
    assert Document.trash.filter(pk=document.pk).exists()
    services.document_restore(actor=member, document=document)
    assert Document.objects.filter(pk=document.pk).exists()
    assert [e.action for e in _entries(document)] == ["create", "delete", "restore"]
    assert _entries(document)[0].changes["title"] == {"before": None, "after": "Contract"}
    notes = [e.changes["documents"] for e in _entries(contact) if "documents" in e.changes]
    assert notes == [
        {"before": None, "after": "Contract"},
        {"before": "Contract", "after": None},
        {"before": None, "after": "Contract"},
    ]
    contact.refresh_from_db()
    assert contact.version == 1  # the person's fields did not change


def test_the_purge_deletes_the_rows_history_and_files(
    member, documents_root, django_capture_on_commit_callbacks
):
    contact = make_contact(member)
    document = services.document_create(actor=member, record=contact, upload=upload("a.pdf", PDF))
    services.document_add_version(actor=member, document=document, upload=upload("b.pdf", PDF))
    services.document_delete(actor=member, document=document)
    assert len(stored_files(documents_root)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        purged = services.document_trash_purge(cutoff=timezone.now() + dt.timedelta(seconds=1))
    assert purged == 1
    assert not Document.all_objects.filter(pk=document.pk).exists()
    assert DocumentVersion.objects.count() == 0
    assert _entries(document) == []
    assert stored_files(documents_root) == []


def test_files_no_version_names_are_swept(member, documents_root):
    contact = make_contact(member)
    services.document_create(actor=member, record=contact, upload=upload("a.pdf", PDF))
    stray = documents_root / "ab" / "abcdef"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left over")
    assert services.orphan_sweep(older_than=dt.timedelta(0)) == 1
    assert not stray.exists()
    assert len(stored_files(documents_root)) == 1


def test_an_svg_may_be_attached(member):
    contact = make_contact(member)
    document = services.document_create(actor=member, record=contact, upload=upload("a.svg", SVG))
    assert document.current.content_type == "image/svg+xml"
