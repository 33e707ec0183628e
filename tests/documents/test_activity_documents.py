"""Documents attach to activities too (``Document.activity``): they follow the activity's
visibility (a private call's attachment is its owner's), appear in the Documents panel of the
activity's page, and in the activity's history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from rubrica.activities import services as activities
from rubrica.documents import selectors, services
from rubrica.documents.models import Document
from rubrica.history.models import HistoryEntry
from tests.documents.conftest import PDF, upload
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_a_pdf_attached_to_an_activity_follows_its_visibility(member, other_member):
    ada = make_contact(member, visibility="everyone")
    call = activities.activity_create(actor=member, data={"kind": "call", "people": [ada.pk]})
    secret = activities.activity_create(
        actor=member, data={"kind": "call", "people": [ada.pk], "private": True}
    )
    shown = services.document_create(actor=member, record=call, upload=upload("offer.pdf", PDF))
    hidden = services.document_create(actor=member, record=secret, upload=upload("x.pdf", PDF))
    assert shown.activity == call and shown.contact is None
    assert list(selectors.documents_of(other_member, call)) == [shown]
    assert list(selectors.documents_of(other_member, secret)) == []
    assert not Document.objects.restrict(other_member).filter(pk=hidden.pk).exists()
    assert HistoryEntry.objects.filter(
        content_type__model="activity", object_id=call.pk, changes__has_key="documents"
    ).exists()


def test_only_who_may_change_the_activity_attaches_and_nothing_is_stored(member, other_member):
    ada = make_contact(member, visibility="everyone")
    call = activities.activity_create(actor=member, data={"kind": "call", "people": [ada.pk]})
    with pytest.raises(PermissionDenied):
        services.document_create(actor=other_member, record=call, upload=upload("a.pdf", PDF))
    assert not Document.objects.exists()


def test_the_activity_page_has_a_documents_panel_that_uploads(member):
    ada = make_contact(member)
    call = activities.activity_create(actor=member, data={"kind": "call", "people": [ada.pk]})
    client = Client()
    client.force_login(member)
    html = client.get(call.get_absolute_url()).content.decode()
    assert 'id="panel-documents"' in html
    response = client.post(
        reverse("documents:upload", args=["activity", call.pk]),
        {"file": upload("minutes.pdf", PDF), "title": "Minutes"},
    )
    assert response.status_code in (200, 302)
    document = Document.objects.get()
    assert (document.activity_id, document.title) == (call.pk, "Minutes")
    assert "Minutes" in client.get(call.get_absolute_url()).content.decode()


def test_the_persons_page_lists_the_files_of_their_activities_one_may_see(member, other_member):
    ada = make_contact(member, visibility="everyone")
    call = activities.activity_create(actor=member, data={"kind": "call", "people": [ada.pk]})
    secret = activities.activity_create(
        actor=member, data={"kind": "note", "people": [ada.pk], "private": True}
    )
    shown = services.document_create(
        actor=member, record=call, upload=upload("offer.pdf", PDF), title="Offer"
    )
    services.document_create(
        actor=member, record=secret, upload=upload("x.pdf", PDF), title="Hidden minutes"
    )
    assert list(selectors.activity_documents_of(other_member, ada)) == [shown]
    client = Client()
    client.force_login(other_member)
    html = client.get(ada.get_absolute_url()).content.decode()
    assert 'id="activity-documents"' in html
    assert "Offer" in html and "Hidden minutes" not in html
    assert call.get_absolute_url() in html
