from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "rubrica.tasks"
    label = "tasks"

    def ready(self) -> None:
        _register_history()
        _register_trash()
        _register_notifications()
        _register_panels()
        _register_search()
        _register_grant_entity()


def _register_history() -> None:
    """Tasks have history pages at history/tasks/<pk>/ (names history:task...)."""
    from django.utils.translation import gettext_lazy

    from rubrica.history.registry import HistoryKind, register_history
    from rubrica.tasks.models import Task
    from rubrica.tasks.services import REVERTABLE, task_revert

    register_history(
        HistoryKind(
            key="task",
            model=Task,
            url_prefix="tasks",
            list_url_name="tasks:mine",
            list_label=gettext_lazy("Tasks"),
            custom_field_entity="",
            revertable=REVERTABLE,
            revert=lambda actor, task, entry, field: task_revert(
                actor=actor, task=task, entry=entry, field=field
            ),
            name_field="title",
        )
    )


def _register_trash() -> None:
    """Tasks go to the Trash; the Trash page lists them after organizations."""
    from django.utils.translation import gettext_lazy

    from rubrica.core.trash import TrashKind, register_trash
    from rubrica.tasks.models import Task
    from rubrica.tasks.services import task_restore, task_trash_purge

    register_trash(
        TrashKind(
            key="tasks",
            model=Task,
            label=gettext_lazy("Tasks"),
            empty_text=gettext_lazy("No tasks in the Trash."),
            pages_label=gettext_lazy("Pages of tasks"),
            restore_url_name="tasks:restore",
            restore=lambda actor, task: task_restore(actor=actor, task=task),
            purge=lambda cutoff: task_trash_purge(cutoff=cutoff),
        )
    )


def _register_notifications() -> None:
    """What tasks tell people (reminders, assignments, the daily digest, opt-in birthdays) and
    the scheduled work that finds them due."""
    from django.utils.translation import gettext_lazy

    from rubrica.notifications.registry import (
        Channel,
        NotificationKind,
        Schedule,
        register_kind,
        register_schedule,
    )
    from rubrica.tasks.services import birthdays_send, task_reminders_send, tasks_digest_send

    register_kind(NotificationKind(key="tasks.reminder", label=gettext_lazy("Task reminders")))
    register_kind(
        NotificationKind(key="tasks.assigned", label=gettext_lazy("A task was assigned to me"))
    )
    register_kind(
        NotificationKind(
            key="tasks.digest",
            label=gettext_lazy("Daily digest of my tasks"),
            default_channels=(Channel.EMAIL,),
        )
    )
    register_kind(
        NotificationKind(
            key="tasks.birthday",
            label=gettext_lazy("Birthdays and anniversaries of my people"),
            default_channels=(),
            description=gettext_lazy("Off until you choose it."),
        )
    )
    register_schedule(Schedule(key="tasks.reminders", run=task_reminders_send))
    register_schedule(Schedule(key="tasks.digest", run=tasks_digest_send))
    register_schedule(Schedule(key="tasks.birthdays", run=birthdays_send))


def _register_panels() -> None:
    """A "Tasks" panel on the pages of people and organizations."""
    from rubrica.contacts.models import Contact
    from rubrica.kits.web.panels import Panel, register_panel
    from rubrica.organizations.models import Organization
    from rubrica.tasks.views import record_panel

    for model in (Contact, Organization):
        register_panel(
            Panel(
                key="tasks",
                model=model,
                template="tasks/_panel.html",
                context=record_panel,
                placement="side",
                order=20,
            )
        )


def _register_search() -> None:
    """Task text is searchable; a hit opens the task, which links its people."""
    from django.utils.translation import gettext_lazy

    from rubrica.search import registry
    from rubrica.tasks import search
    from rubrica.tasks.models import Task

    registry.register(
        registry.SearchKind(
            kind=search.KIND,
            model=Task,
            display_field="title",
            document=search.task_fields,
            prefetch=search.TASK_PREFETCH,
            filter_keys=search.FILTER_KEYS,
            parse_filters=search.parse_filters,
            label=gettext_lazy("Tasks"),
            detail_url="tasks:detail",
        )
    )


def _register_grant_entity() -> None:
    """Roles grant actions on tasks under the key "tasks" (issue 17)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.core.policies import Action, GrantEntity, register_entity

    register_entity(
        GrantEntity(
            "tasks",
            _("Tasks"),
            (Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE, Action.EXPORT),
            position=40,
        )
    )
