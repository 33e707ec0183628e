"""Tasks in the search: their title and description are searchable, and a hit opens the task,
which links its people and organizations. Registered by ``rubrica.tasks.apps`` (see
``rubrica.search.registry``); the engine reads them through ``Task.objects.restrict()``, so a
private task is found only by those the task policy lets see it. Written by ``tasks.services``
on every write (create, change, completion, the next occurrence, Trash and back)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rubrica.core.filters import Params
from rubrica.search.documents import folded_lines
from rubrica.search.registry import Narrowing
from rubrica.tasks.models import Task

KIND = "task"
#: What task_fields reads: nothing beyond the row.
TASK_PREFETCH: tuple[str, ...] = ()
#: Tasks have none of the search's filters: a filter in use leaves no tasks.
FILTER_KEYS: tuple[str, ...] = ()


def task_fields(task: Task) -> dict[str, str]:
    """The title as the name; the description in the other text."""
    return {
        "name": folded_lines([task.title]),
        "email": "",
        "phone": "",
        "org": "",
        "tag": "",
        "other": folded_lines([task.description, _("task")]),
    }


def parse_filters(params: Params) -> tuple[Narrowing, dict[str, str]]:
    return Narrowing(apply=lambda qs: qs, used=frozenset()), {}
