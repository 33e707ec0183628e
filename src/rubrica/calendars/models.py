"""Calendars and appointments (ADR 0023).

A ``Calendar`` is an owned record (personal, or a team's when ``team`` is set) shared with users
and teams read-only or read-write (``CalendarShare``); its secret ``feed_token`` makes a read-only
iCalendar subscription URL. An ``Appointment`` belongs to one calendar; a recurring one keeps its
RRULE and EXDATEs, and each changed occurrence is an override row (``master`` and
``recurrence_id``, the original start of the occurrence). Reads go through the policies of
``calendars.policies``; writes through ``calendars.services``.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rubrica.calendars.policies import Access, AppointmentPolicy, CalendarPolicy
from rubrica.core.models import OwnedRecord
from rubrica.core.policies import Policy, Visibility

ALIVE = Q(deleted_at__isnull=True)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class Calendar(OwnedRecord):
    """A calendar of appointments.

    Invariants: ``feed_token`` is empty (no subscription URL) or unique and unguessable; a new
    calendar is private to its owner until shared (``visibility`` defaults to private).
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    color = models.CharField(_("colour"), max_length=7, default="#3a87ad")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    feed_token = models.CharField(_("subscription token"), max_length=64, blank=True)
    ical_extra = models.TextField(_("iCalendar properties kept verbatim"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )

    permission_policy: ClassVar[Policy] = CalendarPolicy("appointments")

    class Meta(OwnedRecord.Meta):
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["feed_token"], condition=~Q(feed_token=""), name="calendar_feed_token"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("calendars:detail", args=[self.pk])


class CalendarShare(models.Model):
    """A calendar shared with one user or one team, read-only or read-write."""

    class AccessChoices(models.TextChoices):
        READ = Access.READ, _("Read only")
        WRITE = Access.WRITE, _("Read and write")

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="shares"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    access = models.CharField(
        _("access"), max_length=5, choices=AccessChoices.choices, default=Access.READ
    )

    class Meta:
        verbose_name = _("calendar share")
        verbose_name_plural = _("calendar shares")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="calendar_share_user_xor_team",
            ),
            models.UniqueConstraint(fields=["calendar", "user"], name="calendar_share_user"),
            models.UniqueConstraint(fields=["calendar", "team"], name="calendar_share_team"),
        ]

    def __str__(self) -> str:
        return f"{self.calendar_id} → {self.user_id or self.team_id} ({self.access})"


class Appointment(OwnedRecord):
    """An appointment (an iCalendar VEVENT).

    Invariants (kept by the services): ``start <= end``, both aware; an all-day appointment
    starts at midnight of its first day and ends at midnight after its last day, in its
    ``time_zone``; ``rrule`` (without ``RRULE:``) and ``exdates`` only on a series' master; an
    override has ``master`` and ``recurrence_id`` and the master's ``ical_uid``; ``ical_uid`` is
    unique among the masters of a calendar; ``ical_extra`` holds the iCalendar lines of
    properties Rubrica does not model, verbatim, written back on export; ``series_end`` is the
    end of the last occurrence (``end`` for a single appointment, empty for an endless series),
    so a window's query skips the series that are over; ``activity`` is the
    meeting on the timelines of the people invited (kept by the services).
    """

    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    ical_uid = models.CharField(_("iCalendar UID"), max_length=255)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("location"), max_length=500, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    all_day = models.BooleanField(_("all day"), default=False)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    organizer_email = models.CharField(_("organizer e-mail"), max_length=254, blank=True)
    rrule = models.CharField(_("recurrence"), max_length=500, blank=True)
    exdates = models.JSONField(_("excluded occurrences"), default=list, blank=True)
    master = models.ForeignKey(
        "self",
        verbose_name=_("series"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="overrides",
    )
    recurrence_id = models.DateTimeField(_("original start"), null=True, blank=True)
    series_end = models.DateTimeField(_("end of the last occurrence"), null=True, blank=True)
    reminders = models.JSONField(_("reminders (minutes before)"), default=list, blank=True)
    private = models.BooleanField(_("private"), default=False)
    sequence = models.PositiveIntegerField(_("iCalendar sequence"), default=0)
    ical_extra = models.TextField(_("iCalendar properties kept verbatim"), blank=True)
    people: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "contacts.Contact",
        verbose_name=_("people"),
        through="Attendee",
        related_name="appointments",
        blank=True,
    )
    organizations = models.ManyToManyField(
        "organizations.Organization",
        verbose_name=_("organizations"),
        related_name="appointments",
        blank=True,
    )
    activity = models.OneToOneField(
        "activities.Activity",
        verbose_name=_("activity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointment",
    )

    permission_policy: ClassVar[Policy] = AppointmentPolicy("appointments")

    class Meta(OwnedRecord.Meta):
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start", "id"]
        indexes = [
            models.Index(
                fields=["calendar", "start", "id"], condition=ALIVE, name="appointment_cal_start"
            ),
            models.Index(
                fields=["calendar", "end"],
                condition=ALIVE & ~Q(rrule=""),
                name="appointment_cal_series",
            ),
            models.Index(fields=["ical_uid"], name="appointment_ical_uid"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="appt_start_end"),
            models.UniqueConstraint(
                fields=["calendar", "ical_uid"],
                condition=Q(master__isnull=True),
                name="appointment_calendar_uid",
            ),
            models.UniqueConstraint(
                fields=["master", "recurrence_id"],
                condition=Q(master__isnull=False),
                name="appointment_override_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("calendars:appointment", args=[self.pk])


class Rsvp(models.TextChoices):
    NEEDS_ACTION = "NEEDS-ACTION", _("No answer yet")
    ACCEPTED = "ACCEPTED", _("Accepted")
    DECLINED = "DECLINED", _("Declined")
    TENTATIVE = "TENTATIVE", _("Maybe")


class Attendee(models.Model):
    """Someone invited: a person (contact), a user, or only an e-mail address (an outside
    attendee read from an import), with their answer."""

    appointment = models.ForeignKey(
        Appointment,
        verbose_name=_("appointment"),
        on_delete=models.CASCADE,
        related_name="attendees",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendances",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attendances",
    )
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    name = models.CharField(_("name"), max_length=300, blank=True)
    rsvp = models.CharField(
        _("answer"), max_length=12, choices=Rsvp.choices, default=Rsvp.NEEDS_ACTION
    )

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "appointment"], name="attendee_user")]

    def __str__(self) -> str:
        return self.name or self.email or str(self.contact_id or self.user_id)
