"""Hostile query strings and posts answer with a message, never a 500."""

from __future__ import annotations

import pytest

from rubrica.contacts.models import Contact
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "organization=²",
        "organization=99999999999999999999999999",
        "stage=²",
        "cursor=%00%00",
        "q=%00",
        "city=%00",
        "sort=%00",
        "created_from=2024-13-45",
        "tag=1,²,3",
        "cursor=eyJ2IjogWyJcdTAwMDAiLCAxXSwgImQiOiAibmV4dCJ9",
    ],
)
def test_people_list_survives_hostile_query(member_client, query):
    response = member_client.get(f"/people/?{query}")

    assert response.status_code in (200, 400)


@pytest.mark.parametrize("value", ["²", "9" * 30, "-1", "abc", ""])
def test_bulk_action_with_hostile_ids_changes_nothing(member_client, member, value):
    contact = make_contact(member)

    response = member_client.post(
        "/people/bulk/", {"selected": [value], "action": "tag", "value": "VIP"}
    )

    assert response.status_code < 500
    assert not Contact.objects.get(pk=contact.pk).tags.exists()


def test_form_row_with_unicode_digit_index_is_ignored(member_client):
    response = member_client.post(
        "/people/new/", {"given_name": "Ada", "emails-²-value": "ada@example.org"}
    )

    assert response.status_code < 500
