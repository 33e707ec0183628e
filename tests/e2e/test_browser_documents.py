"""Attach a PDF to a person in a real browser (htmx upload in the Documents panel), see it
listed, and preview it inline; an HTML page named .pdf is refused with its name."""

from __future__ import annotations

import re

import pytest

from rubrica.documents.models import Document
from tests.documents.conftest import HTML, PDF
from tests.factories import PASSWORD, UserFactory, make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def documents_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents"), "base_url": None},
        },
    }


def test_attach_a_pdf_and_preview_it(live_server, page, documents_storage, tmp_path):
    user = UserFactory(username="dora", role="member")
    person = make_contact(user, given_name="Dora", family_name="Maar")
    pdf = tmp_path / "Contract.pdf"
    pdf.write_bytes(PDF)
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(HTML)
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("dora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/people/"))
    page.goto(f"{base}/people/{person.pk}/")

    panel = page.locator("#panel-documents")
    panel.get_by_label("File", exact=True).set_input_files(str(fake))
    panel.get_by_role("button", name="Attach").click()
    page.locator("#documents-error").wait_for()
    assert "fake.pdf" in page.locator("#documents-error").inner_text()
    assert Document.objects.count() == 0

    panel = page.locator("#panel-documents")
    panel.get_by_label("File", exact=True).set_input_files(str(pdf))
    panel.get_by_label("Title (optional)").fill("Signed contract")
    panel.get_by_role("button", name="Attach").click()
    page.locator("#documents").get_by_role("link", name="Signed contract").wait_for()
    document = Document.objects.get()
    assert document.contact_id == person.pk
    assert document.current.content_type == "application/pdf"

    with page.expect_popup() as opened:
        page.locator(f"#document-{document.pk}").get_by_role("link", name="Preview").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.url == f"{base}/documents/{document.pk}/preview/"
    response = page.request.get(preview.url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.body() == PDF
    # Chromium shows the PDF in its own viewer (an <embed> of the PDF), not as a download.
    assert preview.evaluate("document.contentType") == "application/pdf"
