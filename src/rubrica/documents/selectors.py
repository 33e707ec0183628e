"""Reads of documents shared by the panel, the download views and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rubrica.accounts.models import User
from rubrica.activities.models import Activity
from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.documents.attachables import kind_of
from rubrica.documents.models import Document, DocumentVersion
from rubrica.organizations.models import Organization


def documents_of(user: User | Any, record: Any, action: str = Action.VIEW) -> QuerySet[Document]:
    """The documents of ``record`` the user may ``action``, newest first, with their current
    version and uploader (one query)."""
    kind = kind_of(record)
    return (
        Document.objects.restrict(user, action)
        .filter(**{kind.field: record})
        .select_related("current", "current__uploaded_by")
        .order_by("-created_at", "-id")
    )


def activity_documents_of(user: User | Any, record: Any) -> QuerySet[Document]:
    """The documents attached to the activities of a person or an organization (those on its
    timeline) that the user may see, newest first: every file of the record on its page."""
    if isinstance(record, Contact):
        activities = Activity.objects.filter(person_links__contact=record)
    elif isinstance(record, Organization):
        activities = Activity.objects.filter(organization_links__organization=record)
    else:
        return Document.objects.none()
    return (
        Document.objects.restrict(user, Action.VIEW)
        .filter(activity__in=activities.values("pk"))
        .select_related("current", "activity")
        .order_by("-created_at", "-id")
    )


def visible_document(user: User | Any, pk: int, action: str = Action.VIEW) -> Document:
    """One document the user may ``action``; Document.DoesNotExist (a 404) otherwise."""
    return Document.objects.restrict(user, action).select_related("current").get(pk=pk)


def versions_of(document: Document) -> QuerySet[DocumentVersion]:
    """Every version, newest first (the caller read the document through restrict())."""
    return document.versions.select_related("uploaded_by").order_by("-number")
