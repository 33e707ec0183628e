"""The web doors: the panel, upload (htmx and plain), download and preview headers, thumbnails,
versions, delete and restore; a document of a person one cannot see is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.documents import services
from rubrica.documents.models import Document
from tests.documents.conftest import HTML, PDF, SVG, png_bytes, stored_files, upload
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def _attach(actor, record, name="Contract.pdf", data=PDF, **kwargs):
    return services.document_create(actor=actor, record=record, upload=upload(name, data), **kwargs)


def test_the_panel_shows_on_the_person_and_organization_pages(member_client, member):
    contact = make_contact(member)
    organization = make_organization(member)
    _attach(member, contact, title="Signed <b>contract</b>")
    html = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert 'id="panel-documents"' in html
    assert "<bdi>Signed &lt;b&gt;contract&lt;/b&gt;</bdi>" in html
    assert 'id="document-upload"' in html
    html = member_client.get(reverse("organizations:detail", args=[organization.pk])).content
    assert b"No documents yet." in html


def test_htmx_upload_answers_the_panel_with_the_new_document(member_client, member):
    contact = make_contact(member)
    response = member_client.post(
        reverse("documents:upload", args=["contact", contact.pk]),
        {"file": upload("Offer.pdf", PDF), "title": "Offer"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card mb-3" id="panel-documents"')
    assert "<bdi>Offer</bdi>" in html
    assert Document.objects.get().contact_id == contact.pk


def test_a_refused_upload_names_the_file_in_the_panel(member_client, member, documents_root):
    contact = make_contact(member)
    response = member_client.post(
        reverse("documents:upload", args=["contact", contact.pk]),
        {"file": upload("contract.pdf", HTML, "application/pdf")},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="documents-error"' in response.content.decode()
    assert "contract.pdf" in response.content.decode()
    assert Document.all_objects.count() == 0
    assert stored_files(documents_root) == []


def test_plain_upload_redirects_to_the_record(member_client, member):
    contact = make_contact(member)
    response = member_client.post(
        reverse("documents:upload", args=["contact", contact.pk]), {"file": upload("a.pdf", PDF)}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{contact.pk}/#panel-documents"


def test_another_teams_member_gets_404_everywhere_and_nothing_changes(
    client, member, other_member, documents_root
):
    contact = make_contact(member, visibility="private")
    document = _attach(member, contact)
    client.force_login(other_member)
    urls = [
        ("get", reverse("documents:download", args=[document.pk])),
        ("get", reverse("documents:download_version", args=[document.pk, 1])),
        ("get", reverse("documents:preview", args=[document.pk])),
        ("get", reverse("documents:versions", args=[document.pk])),
        ("post", reverse("documents:delete", args=[document.pk])),
        ("post", reverse("documents:version_upload", args=[document.pk])),
        ("post", reverse("documents:upload", args=["contact", contact.pk])),
    ]
    for method, url in urls:
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, {"file": upload("b.pdf", PDF)})
        assert response.status_code == 404, url
    document.refresh_from_db()
    assert (document.version, document.deleted_at, document.versions.count()) == (1, None, 1)
    assert Document.all_objects.count() == 1
    assert len(stored_files(documents_root)) == 1


def test_a_viewer_may_download_but_not_attach_or_delete(client, member, viewer):
    contact = make_contact(member)
    document = _attach(member, contact)
    client.force_login(viewer)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 200
    html = client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert 'id="document-upload"' not in html
    response = client.post(
        reverse("documents:upload", args=["contact", contact.pk]), {"file": upload("b.pdf", PDF)}
    )
    assert response.status_code == 403
    assert client.post(reverse("documents:delete", args=[document.pk])).status_code == 403
    assert Document.objects.count() == 1


def test_download_is_an_attachment_with_the_sniffed_type_and_safe_headers(member_client, member):
    contact = make_contact(member)
    document = _attach(member, contact, name='Vertrag "final"; 2026.pdf')
    response = member_client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="Vertrag \\"final\\"; 2026.pdf"'
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_non_ascii_name_is_encoded_per_rfc_5987(member_client, member):
    contact = make_contact(member)
    document = _attach(member, contact, name="قرارداد 合同.pdf")
    response = member_client.get(reverse("documents:download", args=[document.pk]))
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''"
        "%D9%82%D8%B1%D8%A7%D8%B1%D8%AF%D8%A7%D8%AF%20%E5%90%88%E5%90%8C.pdf"
    )


def test_a_pdf_and_an_image_preview_inline_anything_else_is_an_attachment(member_client, member):
    contact = make_contact(member)
    pdf = _attach(member, contact)
    image = _attach(member, contact, name="photo.png", data=png_bytes())
    text = _attach(member, contact, name="notes.txt", data=b"plain words")
    response = member_client.get(reverse("documents:preview", args=[pdf.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    response = member_client.get(reverse("documents:preview", args=[image.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response["Content-Security-Policy"]
    response = member_client.get(reverse("documents:preview", args=[text.pk]))
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment;")


def test_an_svg_with_a_script_is_never_served_inline(member_client, member):
    contact = make_contact(member)
    document = _attach(member, contact, name="logo.png", data=SVG)
    for name in ("documents:preview", "documents:download"):
        response = member_client.get(reverse(name, args=[document.pk]))
        assert response["Content-Type"] == "image/svg+xml"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
    assert member_client.get(reverse("documents:thumbnail", args=[document.pk])).status_code == 404


def test_an_image_gets_a_thumbnail(member_client, member):
    import io

    from PIL import Image

    contact = make_contact(member)
    document = _attach(member, contact, name="big.png", data=png_bytes((1200, 600)))
    response = member_client.get(reverse("documents:thumbnail", args=[document.pk]))
    assert response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (320, 160)
    html = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert reverse("documents:thumbnail", args=[document.pk]) in html


def test_versions_are_listed_and_each_downloads(member_client, member):
    contact = make_contact(member)
    document = _attach(member, contact)
    response = member_client.post(
        reverse("documents:version_upload", args=[document.pk]),
        {"file": upload("v2.txt", b"second"), "version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    response = member_client.get(reverse("documents:versions", args=[document.pk]))
    html = response.content.decode()
    assert "<bdi>v2.txt</bdi>" in html and "<bdi>Contract.pdf</bdi>" in html
    first = member_client.get(reverse("documents:download_version", args=[document.pk, 1]))
    assert b"".join(first.streaming_content) == PDF
    latest = member_client.get(reverse("documents:download", args=[document.pk]))
    assert b"".join(latest.streaming_content) == b"second"
    assert (
        member_client.get(reverse("documents:download_version", args=[document.pk, 3])).status_code
        == 404
    )


def test_delete_moves_to_the_trash_and_the_trash_page_restores(member_client, member):
    contact = make_contact(member)
    document = _attach(member, contact, title="Old offer")
    response = member_client.post(reverse("documents:delete", args=[document.pk]))
    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()
    trash = member_client.get(reverse("trash")).content.decode()
    assert 'id="trash-documents"' in trash and "Old offer" in trash
    response = member_client.post(reverse("documents:restore", args=[document.pk]))
    assert response.status_code == 302
    assert Document.objects.filter(pk=document.pk).exists()


def test_the_documents_history_page(member_client, member):
    contact = make_contact(member)
    document = _attach(member, contact, title="Offer")
    response = member_client.get(reverse("history:document", args=[document.pk]))
    assert response.status_code == 200
    assert "Offer" in response.content.decode()
    history = member_client.get(reverse("history:contact", args=[contact.pk])).content.decode()
    assert "Documents" in history and "Offer" in history


def test_only_me_keeps_a_document_to_its_uploader(client, member, other_member):
    from django.test import Client

    contact = make_contact(member)
    client.force_login(member)
    client.post(
        reverse("documents:upload", args=["contact", contact.pk]),
        {"file": upload("salary.pdf", PDF), "private": "1"},
    )
    document = Document.objects.get()
    assert document.visibility == "private"
    other = Client()  # a browser of their own (the uploader's flash message stays in theirs)
    other.force_login(other_member)
    html = other.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert "salary.pdf" not in html and "No documents yet." in html
    assert other.get(reverse("documents:download", args=[document.pk])).status_code == 404
    # nor is it named on the person's history (or the timeline, which folds the history in)
    history = other.get(reverse("history:contact", args=[contact.pk]))
    assert history.status_code == 200 and "salary.pdf" not in history.content.decode()
