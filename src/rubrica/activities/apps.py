from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "rubrica.activities"
    label = "activities"

    def ready(self) -> None:
        _register_panels()
        _register_search()
        _register_notifications()
        _register_history()
        _register_trash()
        _register_cadence_hooks()
        _register_grant_entity()
        _register_jobs()


def _register_panels() -> None:
    """The timeline on a person's and an organization's page, the keep-in-touch card beside a
    person, and quick-log on each row of the people list (kits.web.panels and row_actions: the
    pages of contacts and organizations know nothing of this)."""
    from rubrica.activities import views
    from rubrica.contacts.models import Contact
    from rubrica.kits.web.panels import Panel, register_panel
    from rubrica.kits.web.row_actions import RowAction, register_row_action
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
    register_row_action(RowAction("quick-log", Contact, "activities/_row_quick_log.html"))
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


def _register_search() -> None:
    """Activity text is searchable; a hit opens the activity, which links its people."""
    from django.utils.translation import gettext_lazy

    from rubrica.activities import search
    from rubrica.activities.models import Activity
    from rubrica.search import registry

    registry.register(
        registry.SearchKind(
            kind=search.KIND,
            model=Activity,
            display_field="subject",
            document=search.activity_fields,
            prefetch=search.ACTIVITY_PREFETCH,
            filter_keys=search.FILTER_KEYS,
            parse_filters=search.parse_filters,
            label=gettext_lazy("Activities"),
            detail_url="activities:detail",
        )
    )


def _register_notifications() -> None:
    """Mentions and overdue keep-in-touch cadences are told through the notifications engine,
    when it is installed (it arrives with the tasks work of issue 15)."""
    from django.apps import apps

    if not apps.is_installed("rubrica.notifications"):
        return
    from django.utils.translation import gettext_lazy

    from rubrica.activities import reminders
    from rubrica.activities.services import register_mention_hook
    from rubrica.notifications.registry import (
        Channel,
        NotificationKind,
        Schedule,
        register_kind,
        register_schedule,
    )

    register_kind(
        NotificationKind(
            key=reminders.MENTION, label=gettext_lazy("Someone mentioned me in an activity")
        )
    )
    register_kind(
        NotificationKind(
            key=reminders.KEEP_IN_TOUCH,
            label=gettext_lazy("A person I own is due a call (keep in touch)"),
        )
    )
    register_kind(
        NotificationKind(
            key=reminders.KEEP_IN_TOUCH_DIGEST,
            label=gettext_lazy("Daily digest of the people I should contact"),
            default_channels=(Channel.EMAIL,),
        )
    )
    register_schedule(Schedule(key=reminders.KEEP_IN_TOUCH, run=reminders.keep_in_touch_send))
    register_schedule(
        Schedule(key=reminders.KEEP_IN_TOUCH_DIGEST, run=reminders.keep_in_touch_digest_send)
    )
    register_mention_hook(reminders.notify_mentions)


def _register_cadence_hooks() -> None:
    """Keep the stored effective cadences right when people's tags change or a tag goes
    (contacts.hooks, taxonomy.hooks: the apps below know nothing of cadences)."""
    from rubrica.activities.services import tag_deleting, tags_changed
    from rubrica.contacts.hooks import TagsHook, register_tags_hook
    from rubrica.taxonomy.hooks import TagDeleteHook, register_tag_delete_hook

    register_tags_hook(TagsHook(key="activities.cadences", run=tags_changed))
    register_tag_delete_hook(TagDeleteHook(key="activities.cadences", run=tag_deleting))


def _register_jobs() -> None:
    """A tag's cadence set on many people is stored on them in the background."""
    from rubrica.activities.services import CADENCE_JOB, run_cadence_refresh
    from rubrica.jobs.registry import JobKind, register_job_kind

    register_job_kind(JobKind(key=CADENCE_JOB, run=run_cadence_refresh))


def _register_grant_entity() -> None:
    """Roles grant actions on activities under the key "activities" (issue 17)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.core.policies import Action, GrantEntity, register_entity

    register_entity(
        GrantEntity(
            "activities",
            _("Activities"),
            (Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE, Action.EXPORT),
            position=30,
        )
    )
