"""`rubrica tasks`: your tasks (overdue, today, upcoming in your time zone), add one, mark
done."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.accounts.models import User
from rubrica.core.models import Action
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
)
from rubrica.tasks import selectors, services
from rubrica.tasks.models import Task
from rubrica.tasks.types import TaskInput


def _json(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "status": task.status,
        "assignee": task.assignee.get_username(),
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "priority": task.priority,
        "recurrence": task.recurrence,
        "version": task.version,
    }


class Command(RubricaCommand):
    help = gettext_lazy("Tasks: list | add | done.")

    def add_arguments(self, parser: Any) -> None:
        add_acting_user_argument(parser)
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

        def sub(name: str, text: Any) -> Any:
            return actions.add_parser(
                name, help=text, formatter_class=HelpFormatter, epilog=str(EXIT_CODES_HELP)
            )

        listing = sub("list", gettext_lazy("Your open tasks: overdue, today, upcoming."))
        listing.add_argument(
            "--overdue", action="store_true", help=gettext_lazy("Overdue tasks only.")
        )
        add = sub("add", gettext_lazy("Add a task."))
        add.add_argument("title")
        add.add_argument("--due", help=gettext_lazy("YYYY-MM-DD or YYYY-MM-DDTHH:MM[+offset]."))
        add.add_argument("--assignee", help=gettext_lazy("Username; default: you."))
        add.add_argument("--priority", choices=["low", "normal", "high", "urgent"])
        add.add_argument("--remind", type=int, metavar="MINUTES", help=gettext_lazy("Before due."))
        add.add_argument("--repeat", metavar="RRULE", help=gettext_lazy("e.g. FREQ=WEEKLY."))
        add.add_argument("--person", type=int, action="append", help=gettext_lazy("Person id."))
        add.add_argument(
            "--organization", type=int, action="append", help=gettext_lazy("Organization id.")
        )
        add.add_argument("--description", default=None)
        done = sub("done", gettext_lazy("Mark tasks done (recurring ones plan the next)."))
        done.add_argument("task", type=int, nargs="+", metavar="TASK")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        action = options["action"]
        if action == "list":
            self._list(user, options)
        elif action == "add":
            self._add(user, options)
        else:
            self._done(user, options)

    def _list(self, user: User, options: dict[str, Any]) -> None:
        mine = selectors.my_tasks(user, limit=200)
        buckets = [("overdue", _("Overdue"), mine.overdue)]
        if not options["overdue"]:
            buckets += [
                ("today", _("Today"), mine.today),
                ("upcoming", _("Upcoming"), mine.upcoming),
            ]
        if options["json"]:
            self.out_json({key: [_json(t) for t in tasks] for key, _label, tasks in buckets})
            return
        for _key, label, tasks in buckets:
            self.out(f"{label} ({len(tasks)})")
            for task in tasks:
                due = services.due_text(task, user)
                self.out(f"  {task.pk}\t{due}\t{task.title}")

    def _add(self, user: User, options: dict[str, Any]) -> None:
        data: TaskInput = {"title": options["title"]}
        due = options["due"]
        if due and "T" in due:
            data["due_at"] = due
        elif due:
            data["due_date"] = due
        if options["assignee"] is not None:
            data["assignee"] = options["assignee"]
        if options["priority"] is not None:
            data["priority"] = options["priority"]
        if options["remind"] is not None:
            data["remind_minutes_before"] = options["remind"]
        if options["repeat"] is not None:
            data["recurrence"] = options["repeat"]
        if options["person"] is not None:
            data["people"] = options["person"]
        if options["organization"] is not None:
            data["organizations"] = options["organization"]
        if options["description"] is not None:
            data["description"] = options["description"]
        task = services.task_create(actor=user, data=data)
        if options["json"]:
            self.out_json(_json(task))
        else:
            self.out(_("Task %(id)d added: %(title)s") % {"id": task.pk, "title": task.title})

    def _done(self, user: User, options: dict[str, Any]) -> None:
        visible = Task.objects.restrict(user, Action.VIEW)
        results = []
        for pk in options["task"]:
            task = get_or_not_found(visible, pk, _("no task %(id)s") % {"id": pk})
            done, following = services.task_complete(actor=user, task=task)
            results.append({"task": _json(done), "next": _json(following) if following else None})
            if not options["json"]:
                self.out(_("Done: %(title)s") % {"title": done.title})
                if following is not None:
                    self.out(
                        _("Next: task %(id)d, due %(due)s")
                        % {"id": following.pk, "due": services.due_text(following, user)}
                    )
        if options["json"]:
            self.out_json(results)
