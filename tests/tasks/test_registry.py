"""Tasks register with the engines: history, Trash, notification kinds and schedules, panels."""

from __future__ import annotations

from rubrica.contacts.models import Contact
from rubrica.core.trash import trash_kinds
from rubrica.history.registry import history_kind
from rubrica.kits.web.panels import panels_for
from rubrica.notifications import registry
from rubrica.organizations.models import Organization
from rubrica.tasks.models import Task


def test_tasks_are_registered_with_each_engine() -> None:
    assert history_kind("task").model is Task
    assert any(kind.model is Task for kind in trash_kinds())
    keys = {kind.key for kind in registry.kinds()}
    assert {"tasks.reminder", "tasks.assigned", "tasks.digest", "tasks.birthday"} <= keys
    assert registry.get_kind("tasks.birthday").default_channels == ()
    schedules = {schedule.key for schedule in registry.schedules()}
    assert {"tasks.reminders", "tasks.digest", "tasks.birthdays"} <= schedules
    for model in (Contact, Organization):
        assert "tasks" in {panel.key for panel in panels_for(model)}
