"""Tasks: My tasks, the team's, bulk actions, export, the API."""

from __future__ import annotations

from tests.matrix.doors import api, web

TRASHED = ("private_trashed", "team_trashed", "missing")

web("tasks:mine", rule="signed_in", lists=True)
web("tasks:team", rule="signed_in", lists=True)
web("tasks:new", rule="add")
web("tasks:new", "POST", rule="add", data=lambda w, c: {"title": "New task"})
web(
    "tasks:bulk",
    "POST",
    kind="task",
    rule="change",
    refusals=(200, 302, 422),
    data=lambda w, c: {"ids": [w.pk("task", c)], "action": "complete"},
)
web("tasks:export", rule="signed_in", lists=True)
web("tasks:detail", kind="task")
web("tasks:edit", kind="task", rule="change")
web("tasks:edit", "POST", kind="task", rule="change", data=lambda w, c: {"title": "Changed"})
web("tasks:complete", "POST", kind="task", rule="change")
web("tasks:delete", "POST", kind="task", rule="change")
web("tasks:restore", "POST", kind="task", rule="restore", cases=TRASHED)

api("GET", "/tasks", rule="signed_in", lists=True)
api("POST", "/tasks", rule="add", data=lambda w, c: {"title": "New task"})
api(
    "POST",
    "/tasks/bulk",
    kind="task",
    rule="change",
    refusals=(200, 302, 422),
    data=lambda w, c: {"ids": [w.pk("task", c)], "action": "complete"},
)
api("GET", "/tasks/{task_id}", kind="task")
api("PATCH", "/tasks/{task_id}", kind="task", rule="change", data=lambda w, c: {"title": "Changed"})
api("DELETE", "/tasks/{task_id}", kind="task", rule="change")
api("POST", "/tasks/{task_id}/complete", kind="task", rule="change")
