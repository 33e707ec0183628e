"""The activities app registers with the engines it uses: record panels, history, Trash."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.activities import services
from rubrica.activities.models import Activity
from rubrica.contacts.models import Contact
from rubrica.core.trash import trash_kind
from rubrica.history.registry import history_kind
from rubrica.kits.web.panels import panels_for
from rubrica.organizations.models import Organization
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_panels_history_and_trash_are_registered():
    assert {p.key for p in panels_for(Contact)} >= {"timeline", "keep-in-touch"}
    assert "timeline" in {p.key for p in panels_for(Organization)}
    assert history_kind("activity").model is Activity
    assert trash_kind("activities").model is Activity


def test_history_and_trash_pages_show_an_activity(member, member_client):
    ada = make_contact(member)
    activity = services.activity_create(
        actor=member, data={"people": [ada.pk], "kind": "call", "subject": "Hello"}
    )
    services.activity_update(actor=member, activity=activity, data={"subject": "Hello again"})
    history = member_client.get(reverse("history:activity", args=[activity.pk]))
    assert history.status_code == 200 and "Hello again" in history.content.decode()
    services.activity_delete(actor=member, activity=activity)
    trash = member_client.get(reverse("trash")).content.decode()
    assert 'id="trash-activities"' in trash and "Hello again" in trash
