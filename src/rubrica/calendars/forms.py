"""The forms of calendars: shapes only; the services validate the content."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rubrica.accounts.models import Team, User
from rubrica.calendars import selectors
from rubrica.calendars.models import Appointment, Calendar, CalendarShare
from rubrica.calendars.services import zone
from rubrica.calendars.types import AppointmentInput
from rubrica.kits.web.forms import BootstrapMixin, LocalDateTimeInput

REPEAT_CHOICES = [
    ("", _("Does not repeat")),
    ("FREQ=DAILY", _("Every day")),
    ("FREQ=WEEKLY", _("Every week")),
    ("FREQ=MONTHLY", _("Every month")),
    ("FREQ=YEARLY", _("Every year")),
]
LOCAL = "%Y-%m-%dT%H:%M"


class AppointmentForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    calendar = forms.ModelChoiceField(label=_("Calendar"), queryset=Calendar.objects.none())
    start = forms.DateTimeField(
        label=_("Start"),
        input_formats=[LOCAL, "%Y-%m-%d"],
        widget=LocalDateTimeInput(),
    )
    end = forms.DateTimeField(
        label=_("End"),
        required=False,
        input_formats=[LOCAL, "%Y-%m-%d"],
        widget=LocalDateTimeInput(),
    )
    all_day = forms.BooleanField(label=_("All day"), required=False)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, required=False)
    location = forms.CharField(label=_("Location"), max_length=500, required=False)
    rrule = forms.CharField(
        label=_("Repeat"),
        required=False,
        max_length=500,
        help_text=_("An RRULE such as FREQ=WEEKLY;BYDAY=MO; see the choices."),
        widget=forms.TextInput(attrs={"list": "repeat-choices"}),
    )
    users = forms.ModelMultipleChoiceField(
        label=_("Colleagues"), queryset=User.objects.none(), required=False
    )
    guests = forms.CharField(
        label=_("Outside guests"),
        required=False,
        help_text=_("E-mail addresses, separated by commas."),
    )
    reminders = forms.CharField(
        label=_("Reminders"),
        required=False,
        help_text=_("Minutes before the start, separated by commas."),
    )
    private = forms.BooleanField(
        label=_("Private (others see only that you are busy)"), required=False
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    scope = forms.ChoiceField(
        label=_("Change"),
        choices=[
            ("this", _("Only this occurrence")),
            ("following", _("This one and the following")),
        ],
        required=False,
    )
    people = forms.CharField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        user: User,
        appointment: Appointment | None = None,
        occurrence: dt.datetime | None = None,
        **kwargs: Any,
    ) -> None:
        if appointment is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(appointment)
            if occurrence is not None:
                tz = zone(appointment.time_zone)
                length = appointment.end - appointment.start
                kwargs["initial"].update(
                    start=occurrence.astimezone(tz).replace(tzinfo=None),
                    end=(occurrence + length).astimezone(tz).replace(tzinfo=None),
                    scope="this",
                )
        super().__init__(*args, **kwargs)
        if occurrence is None:
            del self.fields["scope"]
        else:
            del self.fields["rrule"]
            del self.fields["calendar"]
        calendar = self.fields.get("calendar")
        if isinstance(calendar, forms.ModelChoiceField):
            calendar.queryset = selectors.writable_calendars(user).order_by("name", "id")
            if not calendar.queryset.exists():
                # Nobody's calendar to write in yet: the service makes "My calendar" when the
                # appointment is saved, not when this form is shown (ADR 0036).
                calendar.required = False
                calendar.empty_label = _("My calendar (made when you save)")
        users = self.fields["users"]
        assert isinstance(users, forms.ModelMultipleChoiceField)
        users.queryset = User.objects.filter(is_active=True).exclude(pk=user.pk)
        users.widget.attrs.update(
            {
                "size": 4,
                "hx-get": reverse("calendars:freebusy"),
                "hx-trigger": "change, load",
                "hx-include": "[name='users'], [name='start']",
                "hx-target": "#freebusy",
            }
        )

    def to_data(self) -> AppointmentInput:
        data = self.cleaned_data
        guests = [g.strip() for g in data["guests"].replace(";", ",").split(",") if g.strip()]
        reminders = [r.strip() for r in data["reminders"].split(",") if r.strip()]
        values: AppointmentInput = {
            "title": data["title"],
            "calendar": data["calendar"].pk if data.get("calendar") else None,
            "start": data["start"].replace(tzinfo=None),
            "end": data["end"].replace(tzinfo=None) if data["end"] else None,
            "all_day": data["all_day"],
            "location": data["location"],
            "rrule": data.get("rrule", ""),
            "users": [u.pk for u in data["users"]],
            "guests": guests,
            "reminders": reminders,
            "private": data["private"],
            "description": data["description"],
            "people": [p for p in data["people"].split(",") if p.strip()],
        }
        if data["time_zone"]:
            values["time_zone"] = data["time_zone"]
        if values.get("end") is None:
            values.pop("end")
        if values.get("calendar") is None:
            values.pop("calendar")
        return values


def initial_of(appointment: Appointment) -> dict[str, Any]:
    tz = zone(appointment.time_zone)
    end = appointment.end.astimezone(tz)
    if appointment.all_day:
        end -= dt.timedelta(days=1)
    attendees = list(appointment.attendees.all())
    return {
        "title": appointment.title,
        "calendar": appointment.calendar_id,
        "start": appointment.start.astimezone(tz).replace(tzinfo=None),
        "end": end.replace(tzinfo=None),
        "all_day": appointment.all_day,
        "time_zone": appointment.time_zone,
        "location": appointment.location,
        "rrule": appointment.rrule,
        "users": [a.user_id for a in attendees if a.user_id],
        "guests": ", ".join(a.email for a in attendees if not a.user_id and not a.contact_id),
        "reminders": ", ".join(str(m) for m in appointment.reminders),
        "private": appointment.private,
        "description": appointment.description,
        "people": ",".join(str(a.contact_id) for a in attendees if a.contact_id),
        "version": appointment.version,
    }


class CalendarForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    color = forms.CharField(
        label=_("Colour"),
        max_length=7,
        initial="#3a87ad",
        widget=forms.TextInput({"type": "color"}),
    )
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ShareForm(BootstrapMixin, forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    access = forms.ChoiceField(label=_("Access"), choices=CalendarShare.AccessChoices.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        team = self.fields["team"]
        assert isinstance(user, forms.ModelChoiceField)
        assert isinstance(team, forms.ModelChoiceField)
        user.queryset = User.objects.filter(is_active=True).order_by("username")
        team.queryset = Team.objects.order_by("name")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("iCalendar file (.ics)"))
