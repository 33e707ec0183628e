"""Row counts of every table but the session store: a GET that changes none of them wrote
nothing (the session is written at most once a minute on any request, accounts.sessions)."""

from __future__ import annotations

from django.apps import apps


def row_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in apps.get_models():
        table = model._meta.db_table
        if table == "django_session" or not model._meta.managed:
            continue
        counts[table] = model._base_manager.count()
    return counts
