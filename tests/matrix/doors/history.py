"""History pages and reverting one change."""

from __future__ import annotations

from tests.matrix.doors import web


def _revert(name, kind):
    def data(w, c):
        from rubrica.history.models import HistoryEntry

        if c == "missing":
            return {"entry": "987654", "field": "notes"}
        record = w.record(kind, c)
        from django.contrib.contenttypes.models import ContentType

        kind_type = ContentType.objects.get_for_model(type(record))
        entry = (
            HistoryEntry.objects.filter(content_type=kind_type, object_id=record.pk)
            .order_by("-pk")
            .first()
        )
        return {"entry": entry.pk if entry else "", "field": "notes"}

    return data


for url, kind, change in (
    ("contact", "contact", "change"),
    ("organization", "organization", "change"),
    ("activity", "activity", "owner_change"),
    ("document", "document", "change"),
    ("task", "task", "change"),
    ("calendar", "calendar", "owner_change"),
    ("appointment", "appointment", "owner_change"),
):
    web(f"history:{url}", kind=kind)
    web(f"history:{url}_revert", "POST", kind=kind, rule=change, data=_revert(url, kind))
