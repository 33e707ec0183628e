"""Reads of merges shared by the web pages, the API and the CLI."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rubrica.accounts.models import User
from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.merges.models import Merge


def merge_visible_qs(user: User) -> QuerySet[Merge]:
    """Merges ``user`` may see: both people visible to them (in the Trash or not)."""
    if not user.is_authenticated or not user.is_active:
        return Merge.objects.none()
    if getattr(user, "is_administrator", False):
        return Merge.objects.all()
    visible = Contact.all_objects.restrict(user, Action.VIEW).values("pk")
    return Merge.objects.filter(survivor__in=visible, merged__in=visible)


def merge_summary(merge: Merge) -> dict[str, Any]:
    """A merge as JSON-ready data (API answers, `rubrica dedup merge --json`)."""
    snap = merge.snapshot or {}
    return {
        "id": merge.pk,
        "survivor": merge.survivor_id,
        "merged": merge.merged_id,
        "survivor_name": merge.survivor_name,
        "merged_name": merge.merged_name,
        "actor": merge.actor.get_username() if merge.actor else None,
        "at": merge.at,
        "undone_at": merge.undone_at,
        "undone_by": merge.undone_by.get_username() if merge.undone_by else None,
        "changed_fields": list(snap.get("changed", [])),
        "moved_links": len(snap.get("moved", [])),
        "kept_links": len(snap.get("kept", [])),
    }
