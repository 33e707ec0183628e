"""Appointments in the search: their title, location and description are searchable, and a hit
opens the appointment. Registered by ``rubrica.calendars.apps`` (see
``rubrica.search.registry``); the engine reads them through ``Appointment.objects.restrict()``,
so an appointment is found only by those the appointment policy lets read it: a private
appointment of someone else (which they see as busy time) is never a hit, its title never shown.
Written by ``calendars.services`` on every write (create, change, a changed occurrence, Trash and
back)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rubrica.calendars.models import Appointment
from rubrica.core.filters import Params
from rubrica.search.documents import folded_lines
from rubrica.search.registry import Narrowing

KIND = "appointment"
#: What appointment_fields reads: nothing beyond the row.
APPOINTMENT_PREFETCH: tuple[str, ...] = ()
#: Appointments have none of the search's filters: a filter in use leaves no appointments.
FILTER_KEYS: tuple[str, ...] = ()


def appointment_fields(appointment: Appointment) -> dict[str, str]:
    """The title as the name; the location where the search keeps places; the description in
    the other text. The attendees' names are left out: their own documents carry them."""
    return {
        "name": folded_lines([appointment.title]),
        "email": "",
        "phone": "",
        "org": folded_lines([appointment.location]),
        "tag": "",
        "other": folded_lines([appointment.description, _("appointment")]),
    }


def parse_filters(params: Params) -> tuple[Narrowing, dict[str, str]]:
    return Narrowing(apply=lambda qs: qs, used=frozenset()), {}
