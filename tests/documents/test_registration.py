"""The documents app registers with each engine it uses (CONTRIBUTING: add a domain app)."""

from __future__ import annotations

from rubrica.contacts.models import Contact
from rubrica.core.trash import trash_kind
from rubrica.documents.attachables import attachable_kind
from rubrica.documents.models import Document
from rubrica.history.registry import history_kind
from rubrica.jobs.registry import file_sweepers
from rubrica.kits.web.panels import panels_for
from rubrica.organizations.models import Organization


def test_documents_are_registered_with_every_engine_they_use():
    assert attachable_kind("contact").model is Contact
    assert attachable_kind("organization").model is Organization
    assert trash_kind("documents").model is Document
    assert history_kind("document").model is Document
    assert "documents.orphans" in [sweeper.key for sweeper in file_sweepers()]
    for model in (Contact, Organization):
        assert "documents" in [panel.key for panel in panels_for(model)]
