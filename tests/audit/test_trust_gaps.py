"""Audit gaps closed by ADR 0036: a single appointment's .ics download and fetches of a public
calendar feed are recorded (the feed at most once per feed and hour), and entries about people
and organizations keep the id and kind only: the page shows the current name, "(erased)" or
"(deleted)"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction, record, verify
from rubrica.calendars.services import appointment_create, calendar_create
from rubrica.contacts.models import Contact
from rubrica.organizations.models import Organization
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _appointment(member):
    calendar = calendar_create(actor=member, data={"name": "Mine"})
    appointment = appointment_create(
        actor=member,
        data={"calendar": calendar.pk, "title": "Review", "start": "2026-12-07T10:00"},
    )
    return calendar, appointment


def test_downloading_one_appointment_as_ics_is_audited(member_client, member):
    _calendar, appointment = _appointment(member)

    response = member_client.get(reverse("calendars:appointment_ics", args=[appointment.pk]))

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.APPOINTMENT_EXPORT)
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        member.pk,
        "calendars.appointment",
        str(appointment.pk),
    )


def test_a_feed_fetch_is_audited_at_most_once_an_hour_per_feed(member_client, member, monkeypatch):
    calendar, _made = _appointment(member)
    member_client.post(reverse("calendars:feed_set", args=[calendar.pk]), {"enabled": "1"})
    calendar.refresh_from_db()
    url = reverse("calendars:feed", args=[calendar.feed_token])
    anonymous = Client()

    for _ in range(3):
        assert anonymous.get(url).status_code == 200

    fetches = AuditEntry.objects.filter(action=AuditAction.CALENDAR_FEED)
    assert fetches.count() == 1
    assert fetches.get().actor_id is None
    assert fetches.get().target_id == str(calendar.pk)
    # An hour later (the clock moved on; entries cannot be changed), it is recorded again.
    later = timezone.now() + dt.timedelta(hours=1, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert anonymous.get(url).status_code == 200
    assert fetches.count() == 2


def test_entries_about_people_and_organizations_keep_no_name(admin_user, member):
    person = make_contact(member, given_name="Grace", family_name="Hopper")
    organization = Organization.objects.create(owner=member, name="Navy Lab")

    first = record(admin_user, "test.person", person)
    second = record(admin_user, "test.organization", organization)

    assert (first.target_type, first.target_id, first.target_repr) == (
        "contacts.contact",
        str(person.pk),
        "",
    )
    assert (second.target_type, second.target_repr) == ("organizations.organization", "")
    assert verify().ok


def test_the_audit_page_shows_the_current_name_erased_or_deleted(client, admin_user, member):
    from rubrica.privacy.erasure import contact_erase

    kept = make_contact(member, given_name="Grace", family_name="Hopper")
    erased = make_contact(member, given_name="Ada", family_name="Lovelace")
    gone = make_contact(member, given_name="Alan", family_name="Turing")
    for person in (kept, erased, gone):
        record(admin_user, "test.person", person)
    contact_erase(actor=admin_user, contact=erased)
    Contact.all_objects.filter(pk=gone.pk).delete()
    client.force_login(admin_user)

    html = client.get(reverse("audit:list"), {"action": ""}).content.decode()

    assert "Grace Hopper" in html
    assert f"contacts.contact {erased.pk}</span> <bdi>(erased)</bdi>" in html
    assert f"contacts.contact {gone.pk}</span> <bdi>(deleted)</bdi>" in html
    assert "Lovelace" not in html and "Turing" not in html
