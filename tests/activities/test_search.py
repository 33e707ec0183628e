"""Activity text is searchable through the one search; a hit opens the activity, which links
the person; private activities are found by their owner only; the Trash drops them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica import search
from rubrica.activities import services
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_activity_text_is_found_and_leads_to_the_person(member, member_client, other_member):
    ada = make_contact(member)
    activity = services.activity_create(
        actor=member,
        data={"people": [ada.pk], "kind": "call", "subject": "Pricing", "body": "zeppelin order"},
    )
    hits = search.query(member, "zeppelin")
    assert [(h.kind, h.pk) for h in hits] == [("activity", activity.pk)]
    page = member_client.get(reverse("search:results"), {"q": "zeppelin"}).content.decode()
    assert reverse("activities:detail", args=[activity.pk]) in page
    detail = member_client.get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert ada.get_absolute_url() in detail
    assert [h.pk for h in search.query(other_member, "zeppelin")] == [activity.pk]
    services.activity_update(actor=member, activity=activity, data={"private": True})
    assert search.query(other_member, "zeppelin") == []
    services.activity_delete(actor=member, activity=activity)
    assert search.query(member, "zeppelin") == []
