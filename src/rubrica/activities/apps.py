from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "rubrica.activities"
    label = "activities"

    def ready(self) -> None:
        _register_panels()
        _register_history()
        _register_trash()


def _register_panels() -> None:
    """The timeline on a person's and an organization's page, the keep-in-touch card beside a
    person (kits.web.panels: the pages of contacts and organizations know nothing of this)."""
    from rubrica.activities import views
    from rubrica.contacts.models import Contact
    from rubrica.kits.web.panels import Panel, register_panel
    from rubrica.organizations.models import Organization

    register_panel(
        Panel("timeline", Contact, "activities/panel_timeline.html", views.timeline_panel, order=10)
    )
    register_panel(
        Panel(
            "timeline",
            Organization,
            "activities/panel_timeline.html",
            views.timeline_panel,
            order=10,
        )
    )
    register_panel(
        Panel(
            "keep-in-touch",
            Contact,
            "activities/panel_keep_in_touch.html",
            views.keep_in_touch_panel,
            placement="side",
            order=10,
        )
    )


def _register_history() -> None:
    """Activities have history pages at history/activities/<pk>/."""
    from django.utils.translation import gettext_lazy

    from rubrica.activities.models import Activity
    from rubrica.activities.services import ALL_FIELDS, activity_revert
    from rubrica.history.registry import HistoryKind, register_history

    register_history(
        HistoryKind(
            key="activity",
            model=Activity,
            url_prefix="activities",
            list_url_name="activities:list",
            list_label=gettext_lazy("Activities"),
            custom_field_entity="activity",
            revertable=frozenset(ALL_FIELDS),
            revert=lambda actor, activity, entry, field: activity_revert(
                actor=actor, activity=activity, entry=entry, field=field
            ),
            name_field="subject",
        )
    )


def _register_trash() -> None:
    """Activities go to the Trash; the page lists them after people and organizations."""
    from django.utils.translation import gettext_lazy

    from rubrica.activities.models import Activity
    from rubrica.activities.services import activity_restore, activity_trash_purge
    from rubrica.core.trash import TrashKind, register_trash

    register_trash(
        TrashKind(
            key="activities",
            model=Activity,
            label=gettext_lazy("Activities"),
            empty_text=gettext_lazy("No activities in the Trash."),
            pages_label=gettext_lazy("Pages of activities"),
            restore_url_name="activities:restore",
            restore=lambda actor, activity: activity_restore(actor=actor, activity=activity),
            purge=lambda cutoff: activity_trash_purge(cutoff=cutoff),
        )
    )
