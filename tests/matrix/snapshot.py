"""What "nothing changed" means: every row of every table of Rubrica's apps, compared whole.

Left out: the audit log (a refused attempt may well be logged: that is its job), API tokens
(their ``last_used``), a user's ``last_login`` (signing in is how a case starts) and the
scheduler's heartbeat.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

SKIPPED = {"audit.AuditEntry", "accounts.ApiToken", "notifications.SchedulerState"}


def _models() -> list[Any]:
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("rubrica.") and model._meta.label not in SKIPPED
    ]


#: Columns left out of a table's rows.
SKIPPED_FIELDS = {"accounts.User": {"last_login"}}


def _columns(model: Any) -> list[str]:
    skipped = SKIPPED_FIELDS.get(model._meta.label, set())
    return [f.attname for f in model._meta.concrete_fields if f.name not in skipped]


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list(*_columns(model)))
        for model in _models()
    }


def changes(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    """A line per table whose rows differ (what was added, removed or changed)."""
    lines = []
    for label, rows in before.items():
        if rows != after[label]:
            old, new = set(map(repr, rows)), set(map(repr, after[label]))
            lines.append(f"{label}: -{sorted(old - new)[:3]} +{sorted(new - old)[:3]}")
    return lines
