"""The people list's "last interaction": a column, a sort, the "not contacted for N days" filter
(list page, API, segments)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rubrica.activities import services
from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.models import Contact
from rubrica.segments.selectors import segment_contacts
from rubrica.segments.services import segment_create
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def people(member):
    recent = make_contact(member, given_name="Recent")
    stale = make_contact(member, given_name="Stale")
    never = make_contact(member, given_name="Never")
    services.activity_create(
        actor=member, data={"people": [recent.pk], "kind": "call", "occurred_at": ago(5)}
    )
    services.activity_create(
        actor=member, data={"people": [stale.pk], "kind": "email", "occurred_at": ago(120)}
    )
    return recent, stale, never


def test_filter_not_contacted_for_n_days_includes_the_never_contacted(member, people):
    _recent, stale, never = people
    flt, errors = ContactFilter.parse({"not_contacted_days": "90"})
    assert errors == {}
    found = set(flt.apply(Contact.objects.restrict(member)).values_list("pk", flat=True))
    assert found == {stale.pk, never.pk}


def test_a_bad_number_of_days_is_named(member):
    _flt, errors = ContactFilter.parse({"not_contacted_days": "ninety"})
    assert set(errors) == {"not_contacted_days"}


def test_list_page_column_sort_and_filter(member, member_client, people):
    _recent, _stale, _never = people
    url = reverse("contacts:list")
    member_client.post(reverse("contacts:columns"), {"columns": ["last_interaction"]}, follow=True)
    html = member_client.get(url, {"sort": "-last_interaction"}).content.decode()
    assert html.index("Recent") < html.index("Stale") < html.index("Never")
    filtered = member_client.get(url, {"not_contacted_days": "90"}).content.decode()
    assert "Stale" in filtered and "Never" in filtered and "Recent" not in filtered


def test_api_filter_and_value(member, client, people):
    _recent, stale, never = people
    client.force_login(member)
    body = client.get("/api/v1/contacts", {"not_contacted_days": "90", "sort": "last_interaction"})
    assert body.status_code == 200
    items = body.json()["items"]
    assert [item["id"] for item in items] == [never.pk, stale.pk]
    assert items[0]["last_interaction_at"] is None
    assert items[1]["last_interaction_at"] is not None


def test_segments_filter_on_it(member, people):
    _recent, stale, never = people
    segment = segment_create(
        actor=member, data={"name": "Cold", "filters": {"not_contacted_days": "90"}}
    )
    found = set(segment_contacts(member, segment).values_list("pk", flat=True))
    assert found == {stale.pk, never.pk}
