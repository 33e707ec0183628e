"""Calendars and appointments: calendars shared like records, changed by their owner only."""

from __future__ import annotations

from django.urls import reverse

from tests.matrix.doors import api, exempt, web

WEEK = "?start=2026-12-07T00:00:00Z&end=2026-12-14T00:00:00Z"
SLOT = {
    "title": "Meeting",
    "start": "2026-12-11T10:00:00+00:00",
    "end": "2026-12-11T11:00:00+00:00",
}

web("calendars:page", rule="signed_in")
web(
    "calendars:events",
    rule="signed_in",
    lists=True,
    path=lambda w, c: reverse("calendars:events") + WEEK,
)
web("calendars:freebusy", rule="signed_in", path=lambda w, c: reverse("calendars:freebusy") + WEEK)
web("calendars:new", rule="add")
web("calendars:new", "POST", rule="add", data=lambda w, c: dict(SLOT))
web("calendars:calendar_new", rule="add")
web("calendars:calendar_new", "POST", rule="add", data=lambda w, c: {"name": "New calendar"})
web("calendars:detail", kind="calendar")
web(
    "calendars:share",
    "POST",
    kind="calendar",
    rule="owner_change",
    data=lambda w, c: {"user": w.users["sales"].pk, "access": "write"},
)
web(
    "calendars:feed_set",
    "POST",
    kind="calendar",
    rule="owner_change",
    data=lambda w, c: {"enabled": "on"},
)
web("calendars:export", kind="calendar")
web("calendars:import", "POST", kind="calendar", rule="owner_change", refusals=(302,))
web("calendars:delete", "POST", kind="calendar", rule="owner_change")
web("calendars:appointment", kind="appointment")
web("calendars:edit", kind="appointment", rule="owner_change")
web("calendars:edit", "POST", kind="appointment", rule="owner_change", data=lambda w, c: dict(SLOT))
web(
    "calendars:move",
    "POST",
    kind="appointment",
    rule="owner_change",
    data=lambda w, c: {"start": SLOT["start"], "end": SLOT["end"]},
)
web("calendars:appointment_delete", "POST", kind="appointment", rule="owner_change")
web("calendars:invite", "POST", kind="appointment", rule="owner_change")
web(
    "calendars:rsvp",
    "POST",
    kind="appointment",
    rule="attendee",
    data=lambda w, c: {"status": "accepted"},
)
web("calendars:appointment_ics", kind="appointment")
exempt(
    "web calendars:feed",
    "the calendar feed is read by its secret token, not by a signed-in person; "
    "tests/calendars covers a wrong or disabled token",
)

api("GET", "/calendars", rule="signed_in", lists=True)
api("POST", "/calendars", rule="add", data=lambda w, c: {"name": "New calendar"})
api("GET", "/calendars/{calendar_id}", kind="calendar")
api(
    "PATCH",
    "/calendars/{calendar_id}",
    kind="calendar",
    rule="owner_change",
    data=lambda w, c: {"name": "Changed"},
)
api("DELETE", "/calendars/{calendar_id}", kind="calendar", rule="owner_change")
api(
    "POST",
    "/calendars/{calendar_id}/shares",
    kind="calendar",
    rule="owner_change",
    data=lambda w, c: {"user": w.users["sales"].pk, "access": "write"},
)
api(
    "POST",
    "/calendars/{calendar_id}/feed",
    kind="calendar",
    rule="owner_change",
    data=lambda w, c: {"enabled": True},
)
api("GET", "/calendars/{calendar_id}/export.ics", kind="calendar")
api(
    "POST",
    "/calendars/{calendar_id}/import",
    kind="calendar",
    rule="owner_change",
    data=lambda w, c: {"ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"},
)
api("GET", "/appointments", rule="signed_in", lists=True)
api("POST", "/appointments", rule="add", data=lambda w, c: dict(SLOT))
api(
    "GET",
    "/appointments/occurrences",
    rule="signed_in",
    lists=True,
    path=lambda w, c: "/api/v1/appointments/occurrences" + WEEK,
)
api("GET", "/appointments/{appointment_id}", kind="appointment")
api(
    "PATCH",
    "/appointments/{appointment_id}",
    kind="appointment",
    rule="owner_change",
    data=lambda w, c: {"title": "Changed"},
)
api("DELETE", "/appointments/{appointment_id}", kind="appointment", rule="owner_change")
api(
    "POST",
    "/appointments/{appointment_id}/rsvp",
    kind="appointment",
    rule="attendee",
    refusals=(422,),
    data=lambda w, c: {"status": "accepted"},
)
api("POST", "/appointments/{appointment_id}/invitations", kind="appointment", rule="owner_change")
