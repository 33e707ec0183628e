"""Merging two people moves the merged person's documents to the kept one; undo moves them back
(merges/services.py finds the foreign key by introspection)."""

from __future__ import annotations

import pytest

from rubrica.documents import services
from rubrica.documents.models import Document
from rubrica.merges.services import contact_merge, contact_unmerge, link_specs
from tests.documents.conftest import PDF, upload
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_documents_follow_a_merge_and_its_undo(member):
    kept = make_contact(member, given_name="Ada", family_name="Lovelace")
    merged = make_contact(member, given_name="Ada", family_name="King")
    own = services.document_create(actor=member, record=kept, upload=upload("a.pdf", PDF))
    theirs = services.document_create(actor=member, record=merged, upload=upload("b.pdf", PDF))
    assert (Document, "contact_id", None) in link_specs()

    merge = contact_merge(actor=member, survivor=kept, merged=merged)
    assert set(Document.objects.filter(contact=kept).values_list("pk", flat=True)) == {
        own.pk,
        theirs.pk,
    }
    contact_unmerge(actor=member, merge=merge)
    assert list(Document.objects.filter(contact=kept).values_list("pk", flat=True)) == [own.pk]
    assert list(Document.objects.filter(contact=merged).values_list("pk", flat=True)) == [theirs.pk]
