"""Activities follow a merge of two people to the kept person and go back on undo; the last
interaction of both follows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rubrica.activities import services
from rubrica.activities.models import ActivityPerson
from rubrica.contacts.models import NEVER, Contact
from rubrica.merges.services import contact_merge, contact_unmerge
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_activities_follow_a_merge_and_its_undo(member, member_client):
    ada = make_contact(member, emails=[{"value": "ada@example.org"}])
    twin = make_contact(member, emails=[{"value": "ada@example.net"}])
    on_ada = services.activity_create(
        actor=member,
        data={"people": [ada.pk], "kind": "call", "subject": "Ada's", "occurred_at": ago(50)},
    )
    on_twin = services.activity_create(
        actor=member,
        data={"people": [twin.pk], "kind": "email", "subject": "Twin's", "occurred_at": ago(3)},
    )
    on_both = services.activity_create(
        actor=member, data={"people": [ada.pk, twin.pk], "kind": "note", "subject": "Both"}
    )
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    assert set(ActivityPerson.objects.filter(contact=ada).values_list("activity", flat=True)) == {
        on_ada.pk,
        on_twin.pk,
        on_both.pk,
    }
    assert Contact.all_objects.get(pk=ada.pk).last_interaction_at == on_twin.occurred_at
    html = member_client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()
    assert "Ada&#x27;s" in html and "Twin&#x27;s" in html and "Both" in html

    contact_unmerge(actor=member, merge=merge)
    assert set(ActivityPerson.objects.filter(contact=ada).values_list("activity", flat=True)) == {
        on_ada.pk,
        on_both.pk,
    }
    assert set(ActivityPerson.objects.filter(contact=twin).values_list("activity", flat=True)) == {
        on_twin.pk,
        on_both.pk,
    }
    assert Contact.all_objects.get(pk=ada.pk).last_interaction_at == on_ada.occurred_at
    assert Contact.all_objects.get(pk=twin.pk).last_interaction_at == on_twin.occurred_at
    assert on_ada.occurred_at > NEVER
