"""CSV of activities: those the user may see, with the list's filters, formulas neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from rubrica.activities import services
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _rows(client: Client, query: str = "") -> list[dict[str, str]]:
    response = client.get(reverse("activities:export") + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="activities.csv"'
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_of_visible_activities_with_filters_and_neutralised_formulas(member, other_member):
    ada = make_contact(member, visibility="everyone")
    call = services.activity_create(
        actor=member,
        data={"kind": "call", "people": [ada.pk], "outcome": "voicemail", "subject": "=1+1"},
    )
    services.activity_create(
        actor=member, data={"kind": "note", "people": [ada.pk], "subject": "Mine", "private": True}
    )
    mine = Client()
    mine.force_login(member)
    rows = _rows(mine)
    assert [r["subject"] for r in rows] == ["'=1+1", "Mine"]
    assert rows[0]["id"] == str(call.pk)
    assert rows[0]["outcome"] == "Voicemail"
    assert rows[0]["people"] == str(ada.pk)
    assert [r["kind"] for r in _rows(mine, "?kind=note")] == ["note"]

    theirs = Client()
    theirs.force_login(other_member)
    assert [r["subject"] for r in _rows(theirs)] == ["'=1+1"]


def test_the_export_needs_a_login():
    response = Client().get(reverse("activities:export"))
    assert response.status_code == 302
