"""The history page and "Restore this value"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rubrica.contacts.services import contact_update
from rubrica.history.models import HistoryEntry
from rubrica.organizations.services import organization_update
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def test_history_shows_who_changed_what(member_client, member):
    contact = make_contact(member, title="Countess", phones=[{"value": "+1 202 555 0100"}])
    contact_update(
        actor=member,
        contact=contact,
        data={"title": "Analyst", "phones": [{"value": "+1 202 555 0101"}], "tags": ["a", "b"]},
    )

    response = member_client.get(reverse("history:contact", args=[contact.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<strong>Changed</strong>") == 1
    assert html.count("<strong>Created</strong>") == 1
    assert "by <bdi>member</bdi>" in html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Job title Countess Analyst Restore this value" in text
    assert "Phones +1 202 555 0100 (preferred) +1 202 555 0101 (preferred)" in text
    assert "Tags — a b" in text


def test_restore_this_value_puts_back_the_earlier_value(member_client, member):
    contact = make_contact(member, title="Countess")
    contact_update(actor=member, contact=contact, data={"title": "Analyst"})
    entry = HistoryEntry.objects.filter(object_id=contact.pk, action="update").get()

    response = member_client.post(
        reverse("history:contact_revert", args=[contact.pk]),
        {"entry": entry.pk, "field": "title"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("history:contact", args=[contact.pk]), 302)]
    assert "The earlier value of “Job title” was restored." in response.content.decode()
    contact.refresh_from_db()
    assert contact.title == "Countess"
    assert HistoryEntry.objects.filter(object_id=contact.pk, action="revert").count() == 1


def test_restore_of_a_field_the_entry_does_not_touch_is_refused(member_client, member):
    contact = make_contact(member, title="Countess")
    contact_update(actor=member, contact=contact, data={"title": "Analyst"})
    entry = HistoryEntry.objects.filter(object_id=contact.pk, action="update").get()

    response = member_client.post(
        reverse("history:contact_revert", args=[contact.pk]),
        {"entry": entry.pk, "field": "notes"},
        follow=True,
    )

    assert "This change does not concern that field." in response.content.decode()
    contact.refresh_from_db()
    assert contact.title == "Analyst"


def test_entry_of_another_record_answers_404(member_client, member):
    contact = make_contact(member, title="A")
    other = make_contact(member, title="B")
    contact_update(actor=member, contact=other, data={"title": "C"})
    entry = HistoryEntry.objects.filter(object_id=other.pk, action="update").get()

    response = member_client.post(
        reverse("history:contact_revert", args=[contact.pk]), {"entry": entry.pk, "field": "title"}
    )

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.title == "C"


def test_viewer_sees_history_without_restore_buttons_and_cannot_restore(viewer_client, member):
    contact = make_contact(member, title="Countess")
    contact_update(actor=member, contact=contact, data={"title": "Analyst"})
    entry = HistoryEntry.objects.filter(object_id=contact.pk, action="update").get()

    page = viewer_client.get(reverse("history:contact", args=[contact.pk])).content.decode()
    assert "Analyst" in page
    assert "Restore this value" not in page

    response = viewer_client.post(
        reverse("history:contact_revert", args=[contact.pk]), {"entry": entry.pk, "field": "title"}
    )
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.title == "Analyst"


def test_organization_history_and_restore(member_client, member):
    organization = make_organization(member, industry="Engines")
    organization_update(actor=member, organization=organization, data={"industry": "Looms"})
    entry = HistoryEntry.objects.filter(object_id=organization.pk, action="update").get()

    page = member_client.get(reverse("history:organization", args=[organization.pk]))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))
    assert "Industry Engines Looms Restore this value" in text

    member_client.post(
        reverse("history:organization_revert", args=[organization.pk]),
        {"entry": entry.pk, "field": "industry"},
    )
    organization.refresh_from_db()
    assert organization.industry == "Engines"


def test_history_shows_choice_labels_not_codes(member_client, member):
    contact = make_contact(member, visibility="everyone")
    contact_update(actor=member, contact=contact, data={"visibility": "private"})

    html = member_client.get(reverse("history:contact", args=[contact.pk])).content.decode()

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Visibility Everyone Private (owner only) Restore this value" in text
