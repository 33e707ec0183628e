from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "rubrica.calendars"
    label = "calendars"

    def ready(self) -> None:
        _register_history()
        _register_search()
        _register_trash()
        _register_panels()
        _register_notifications()
        _register_inbound()
        _register_grant_entity()


def _register_history() -> None:
    """Calendars and appointments have history pages at history/calendars/<pk>/ and
    history/appointments/<pk>/ (names history:calendar..., history:appointment...)."""
    from django.utils.translation import gettext_lazy

    from rubrica.calendars.models import Appointment, Calendar
    from rubrica.calendars.services import (
        APPOINTMENT_REVERTABLE,
        CALENDAR_REVERTABLE,
        appointment_revert,
        calendar_revert,
    )
    from rubrica.history.registry import HistoryKind, register_history

    register_history(
        HistoryKind(
            key="calendar",
            model=Calendar,
            url_prefix="calendars",
            list_url_name="calendars:page",
            list_label=gettext_lazy("Calendar"),
            custom_field_entity="",
            revertable=CALENDAR_REVERTABLE,
            revert=lambda actor, calendar, entry, field: calendar_revert(
                actor=actor, calendar=calendar, entry=entry, field=field
            ),
            name_field="name",
        )
    )
    register_history(
        HistoryKind(
            key="appointment",
            model=Appointment,
            url_prefix="appointments",
            list_url_name="calendars:page",
            list_label=gettext_lazy("Calendar"),
            custom_field_entity="",
            revertable=APPOINTMENT_REVERTABLE,
            revert=lambda actor, appointment, entry, field: appointment_revert(
                actor=actor, appointment=appointment, entry=entry, field=field
            ),
            name_field="title",
        )
    )


def _register_search() -> None:
    """Appointments are searchable (title, location, description); a hit opens the appointment."""
    from django.utils.translation import gettext_lazy

    from rubrica.calendars import search
    from rubrica.calendars.models import Appointment
    from rubrica.search import registry

    registry.register(
        registry.SearchKind(
            kind=search.KIND,
            model=Appointment,
            display_field="title",
            document=search.appointment_fields,
            prefetch=search.APPOINTMENT_PREFETCH,
            filter_keys=search.FILTER_KEYS,
            parse_filters=search.parse_filters,
            label=gettext_lazy("Appointments"),
            detail_url="calendars:appointment",
        )
    )


def _register_inbound() -> None:
    """Answers to invitations (iMIP ``METHOD:REPLY``) captured by mail set the RSVP."""
    from rubrica.calendars.inbound import itip_reply_part
    from rubrica.kits.inbound import register_part_handler

    register_part_handler("text/calendar", itip_reply_part)


def _register_notifications() -> None:
    """Appointment reminders, sent by the notifications engine's tick."""
    from django.utils.translation import gettext_lazy

    from rubrica.calendars.services import appointment_reminders_send
    from rubrica.notifications.registry import (
        NotificationKind,
        Schedule,
        register_kind,
        register_schedule,
    )

    register_kind(
        NotificationKind(key="calendars.reminder", label=gettext_lazy("Appointment reminders"))
    )
    register_schedule(Schedule(key="calendars.reminders", run=appointment_reminders_send))


def _register_panels() -> None:
    """Upcoming appointments and "New appointment" on a person's page."""
    from rubrica.calendars import views
    from rubrica.contacts.models import Contact
    from rubrica.kits.web.panels import Panel, register_panel

    register_panel(
        Panel(
            key="appointments",
            model=Contact,
            template="calendars/_panel.html",
            context=views.person_panel,
            placement="side",
            order=15,
        )
    )


def _register_trash() -> None:
    """Calendars and appointments go to the Trash like every owned record."""
    from django.utils.translation import gettext_lazy

    from rubrica.calendars.models import Appointment, Calendar
    from rubrica.calendars.services import (
        appointment_restore,
        appointment_trash_purge,
        calendar_restore,
        calendar_trash_purge,
    )
    from rubrica.core.trash import TrashKind, register_trash

    register_trash(
        TrashKind(
            key="calendars",
            model=Calendar,
            label=gettext_lazy("Calendars"),
            empty_text=gettext_lazy("No calendars in the Trash."),
            pages_label=gettext_lazy("Pages of calendars"),
            restore=lambda actor, calendar: calendar_restore(actor=actor, calendar=calendar),
            purge=lambda cutoff: calendar_trash_purge(cutoff=cutoff),
        )
    )
    register_trash(
        TrashKind(
            key="appointments",
            model=Appointment,
            label=gettext_lazy("Appointments"),
            empty_text=gettext_lazy("No appointments in the Trash."),
            pages_label=gettext_lazy("Pages of appointments"),
            restore=lambda actor, appointment: appointment_restore(
                actor=actor, appointment=appointment
            ),
            purge=lambda cutoff: appointment_trash_purge(cutoff=cutoff),
        )
    )


def _register_grant_entity() -> None:
    """Roles grant actions on calendars and appointments under the key "appointments" (issue 17)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.core.policies import Action, GrantEntity, register_entity

    register_entity(
        GrantEntity(
            "appointments",
            _("Calendars and appointments"),
            (Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE, Action.EXPORT, Action.IMPORT),
            position=50,
        )
    )
