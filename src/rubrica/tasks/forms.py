"""The task form: shapes only; the services validate the content."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rubrica.accounts.models import User
from rubrica.core.models import Visibility
from rubrica.kits.web.forms import BootstrapMixin, LocalDateInput
from rubrica.tasks.models import Priority, Task
from rubrica.tasks.types import TaskInput

REMIND_CHOICES = [
    ("", _("No reminder")),
    ("0", _("At the due time")),
    ("15", _("15 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
]
REPEAT_CHOICES = [
    ("", _("Does not repeat")),
    ("FREQ=DAILY", _("Every day")),
    ("FREQ=WEEKLY", _("Every week")),
    ("FREQ=MONTHLY", _("Every month")),
    ("FREQ=YEARLY", _("Every year")),
]


class TaskForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due date"), required=False, widget=LocalDateInput())
    due_time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    remind = forms.ChoiceField(label=_("Reminder"), choices=REMIND_CHOICES, required=False)
    recurrence = forms.CharField(
        label=_("Repeat"),
        required=False,
        max_length=500,
        help_text=_("An RRULE such as FREQ=WEEKLY;BYDAY=MO; see the choices."),
        widget=forms.TextInput(attrs={"list": "repeat-choices"}),
    )
    visibility = forms.ChoiceField(
        label=_("Visible to"), choices=Visibility.choices, initial=Visibility.TEAM
    )
    people = forms.CharField(required=False, widget=forms.HiddenInput)
    organizations = forms.CharField(required=False, widget=forms.HiddenInput)
    activity = forms.IntegerField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, task: Task | None = None, **kwargs: Any) -> None:
        if task is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(task)
        super().__init__(*args, **kwargs)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = User.objects.filter(is_active=True).order_by("username")
        if task is None and not self.is_bound:
            self.initial.setdefault("assignee", user.pk)
        remind = self.fields["remind"]
        assert isinstance(remind, forms.ChoiceField)
        current = (
            ""
            if task is None or task.remind_minutes_before is None
            else str(task.remind_minutes_before)
        )
        if current and current not in dict(REMIND_CHOICES):  # set through the API or the CLI
            remind.choices = [
                *REMIND_CHOICES,
                (current, _("%(n)s minutes before") % {"n": current}),
            ]

    def to_data(self) -> TaskInput:
        data = self.cleaned_data
        due_date: dt.date | None = data["due_date"]
        due_time: dt.time | None = data["due_time"]
        values: TaskInput = {
            "title": data["title"],
            "description": data["description"],
            "assignee": data["assignee"].pk,
            "priority": data["priority"],
            "remind_minutes_before": data["remind"] or None,
            "recurrence": data["recurrence"],
            "visibility": data["visibility"],
            "people": [p for p in data["people"].split(",") if p.strip()],
            "organizations": [p for p in data["organizations"].split(",") if p.strip()],
        }
        if data["activity"] is not None:
            values["activity"] = data["activity"]
        if due_date is not None and due_time is not None:
            values["due_at"] = dt.datetime.combine(due_date, due_time)
        else:
            values["due_date"] = due_date
            values["due_at"] = None
        return values


def initial_of(task: Task) -> dict[str, Any]:
    from rubrica.tasks.recurrence import zone

    local = task.due_at.astimezone(zone(task.time_zone)) if task.due_at else None
    return {
        "title": task.title,
        "description": task.description,
        "assignee": task.assignee_id,
        "due_date": task.due_date,
        "due_time": local.time().replace(second=0, microsecond=0) if local else None,
        "priority": task.priority,
        "remind": "" if task.remind_minutes_before is None else str(task.remind_minutes_before),
        "recurrence": task.recurrence,
        "visibility": task.visibility,
        "people": ",".join(str(pk) for pk in task.people.values_list("pk", flat=True)),
        "organizations": ",".join(
            str(pk) for pk in task.organizations.values_list("pk", flat=True)
        ),
        "activity": task.activity_id,
        "version": task.version,
    }
