"""Calendars and appointments in record history (pages, entries for create/change/Trash,
"Restore this value") and appointments in the search (title, location, description; only for
those who may read them: a private appointment seen as busy time is never a hit), including
``rubrica search reindex`` (ADR 0037)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rubrica import search
from rubrica.calendars.models import Appointment, Calendar
from rubrica.calendars.services import (
    appointment_create,
    appointment_delete,
    appointment_restore,
    appointment_update,
    calendar_create,
    calendar_share,
    calendar_update,
)
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def _meeting(actor, calendar, **data):
    base = {
        "calendar": calendar.pk,
        "title": "Quarterly review",
        "location": "Sala Verdi",
        "description": "Budget and hiring plan",
        "start": "2026-12-07T10:00",
        "end": "2026-12-07T11:00",
        "time_zone": "Europe/Rome",
    }
    base.update(data)
    return appointment_create(actor=actor, data=base)


def _entries(record) -> list[str]:
    return list(
        HistoryEntry.objects.filter(
            object_id=record.pk, content_type__model=type(record)._meta.model_name
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_appointment_history_page_lists_changes_and_restores_a_value(member, member_client):
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    appointment = _meeting(member, calendar)
    appointment_update(actor=member, appointment=appointment, data={"title": "Renamed"})
    appointment_delete(actor=member, appointment=Appointment.objects.get(pk=appointment.pk))
    appointment_restore(actor=member, appointment=Appointment.all_objects.get(pk=appointment.pk))
    assert _entries(appointment) == [
        HistoryAction.CREATE,
        HistoryAction.UPDATE,
        HistoryAction.DELETE,
        HistoryAction.RESTORE,
    ]
    page = member_client.get(reverse("history:appointment", args=[appointment.pk]))
    assert page.status_code == 200
    assert "Quarterly review" in page.content.decode() and "Renamed" in page.content.decode()
    detail = member_client.get(reverse("calendars:appointment", args=[appointment.pk]))
    assert reverse("history:appointment", args=[appointment.pk]) in detail.content.decode()
    change = HistoryEntry.objects.get(object_id=appointment.pk, action=HistoryAction.UPDATE)
    response = member_client.post(
        reverse("history:appointment_revert", args=[appointment.pk]),
        {"entry": change.pk, "field": "title"},
    )
    assert response.status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).title == "Quarterly review"


def test_history_of_an_appointment_is_shown_only_to_who_may_read_it(member, other_member, client):
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    open_one = _meeting(member, calendar)
    secret = _meeting(member, calendar, title="Doctor", private=True)
    calendar_share(actor=member, calendar=calendar, user=other_member, access="write")
    client.force_login(other_member)
    assert client.get(reverse("history:appointment", args=[open_one.pk])).status_code == 200
    assert client.get(reverse("history:appointment", args=[secret.pk])).status_code == 404
    change = HistoryEntry.objects.filter(object_id=secret.pk).first()
    response = client.post(
        reverse("history:appointment_revert", args=[secret.pk]),
        {"entry": change.pk, "field": "title"},
    )
    assert response.status_code == 404
    assert Appointment.objects.get(pk=secret.pk).title == "Doctor"


def test_calendar_history_page_and_restore_by_its_owner(
    member, member_client, other_member, client
):
    calendar = calendar_create(actor=member, data={"name": "Team"})
    calendar_update(actor=member, calendar=calendar, data={"name": "Sales team"})
    assert _entries(calendar) == [HistoryAction.CREATE, HistoryAction.UPDATE]
    page = member_client.get(reverse("history:calendar", args=[calendar.pk]))
    assert page.status_code == 200 and "Sales team" in page.content.decode()
    change = HistoryEntry.objects.get(
        object_id=calendar.pk, action=HistoryAction.UPDATE, content_type__model="calendar"
    )
    calendar_share(
        actor=member,
        calendar=Calendar.objects.get(pk=calendar.pk),
        user=other_member,
        access="write",
    )
    client = Client()
    client.force_login(other_member)  # may write appointments, not change the calendar
    client.post(
        reverse("history:calendar_revert", args=[calendar.pk]),
        {"entry": change.pk, "field": "name"},
    )
    assert Calendar.objects.get(pk=calendar.pk).name == "Sales team"
    answer = member_client.post(
        reverse("history:calendar_revert", args=[calendar.pk]),
        {"entry": change.pk, "field": "name"},
        follow=True,
    )
    assert answer.status_code == 200
    assert Calendar.objects.get(pk=calendar.pk).name == "Team"


def _found(user, text: str) -> set[int]:
    return {hit.pk for hit in search.query(user, text) if hit.kind == "appointment"}


def test_appointments_are_found_by_title_location_and_description(member, other_member, viewer):
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    meeting = _meeting(member, calendar)
    secret = _meeting(
        member,
        calendar,
        title="Cardiologist",
        location="Ospedale",
        description="Tests",
        private=True,
    )
    for text in ("quarterly", "verdi", "hiring"):
        assert _found(member, text) == {meeting.pk}
    assert _found(member, "cardiologist") == {secret.pk}
    # Not shared: the other member finds nothing.
    assert _found(other_member, "quarterly") == set()
    calendar_share(actor=member, calendar=calendar, user=other_member, access="read")
    assert _found(other_member, "quarterly") == {meeting.pk}
    # A private appointment of someone else shows as busy time: never a hit, by any word.
    for text in ("cardiologist", "ospedale", "tests"):
        assert _found(other_member, text) == set()
    hits = search.query(other_member, "cardiologist")
    assert all("Cardiologist" not in hit.display for hit in hits)


def test_search_follows_changes_and_the_trash(member):
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    meeting = _meeting(member, calendar)
    appointment_update(actor=member, appointment=meeting, data={"location": "Sala Rossini"})
    assert _found(member, "rossini") == {meeting.pk}
    assert _found(member, "verdi") == set()
    appointment_delete(actor=member, appointment=Appointment.objects.get(pk=meeting.pk))
    assert _found(member, "quarterly") == set()
    appointment_restore(actor=member, appointment=Appointment.all_objects.get(pk=meeting.pk))
    assert _found(member, "quarterly") == {meeting.pk}


def test_reindex_writes_appointments_and_keeps_private_ones_hidden(member, other_member, rubrica):
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    meeting = _meeting(member, calendar)
    secret = _meeting(member, calendar, title="Cardiologist", private=True)
    calendar_share(actor=member, calendar=calendar, user=other_member, access="read")
    SearchDocument.objects.all().delete()
    assert _found(member, "quarterly") == set()

    code, _out, _err = rubrica("search", "reindex")

    assert code == 0
    assert set(
        SearchDocument.objects.filter(kind="appointment").values_list("record_id", flat=True)
    ) == {meeting.pk, secret.pk}
    assert _found(member, "quarterly") == {meeting.pk}
    assert _found(member, "cardiologist") == {secret.pk}
    assert _found(other_member, "cardiologist") == set()
