"""Bulk actions on selected rows, all or nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.contacts.models import Contact
from rubrica.taxonomy.models import LifecycleStage
from tests.factories import UserFactory, make_contact

pytestmark = pytest.mark.django_db
BULK = reverse("contacts:bulk")
LIST = reverse("contacts:list")


def _people(actor, count: int, **data):
    return [
        make_contact(actor, given_name=f"B{index}", family_name="", **data)
        for index in range(count)
    ]


def test_list_rows_have_checkboxes_and_select_all(member_client, member):
    people = _people(member, 2)

    html = member_client.get(LIST).content.decode()

    assert 'data-select-all aria-label="Select all on this page"' in html
    for contact in people:
        assert f'name="selected" value="{contact.pk}"' in html
    assert f'action="{BULK}"' in html


def test_bulk_tag_tags_the_selected_people_and_says_how_many(member_client, member):
    tagged, _second, untouched = _people(member, 3)

    response = member_client.post(
        BULK,
        {"selected": [tagged.pk, _second.pk], "action": "tag", "tag": "press", "next": LIST},
        follow=True,
    )

    assert response.redirect_chain == [(LIST, 302)]
    assert "2 people were changed." in response.content.decode()
    assert list(tagged.tags.values_list("name", flat=True)) == ["press"]
    assert list(_second.tags.values_list("name", flat=True)) == ["press"]
    assert untouched.tags.count() == 0


def test_bulk_untag_and_stage(member_client, member):
    people = _people(member, 2, tags=["old", "keep"])
    ids = [contact.pk for contact in people]
    lead = LifecycleStage.objects.get(name="Lead")

    member_client.post(BULK, {"selected": ids, "action": "untag", "tag": "OLD"})
    member_client.post(BULK, {"selected": ids, "action": "stage", "stage": lead.pk})

    for contact in people:
        contact.refresh_from_db()
        assert list(contact.tags.values_list("name", flat=True)) == ["keep"]
        assert contact.stage == lead


def test_bulk_delete_asks_first_then_moves_to_trash(member_client, member):
    doomed = _people(member, 2)
    ids = [contact.pk for contact in doomed]

    confirm = member_client.post(BULK, {"selected": ids, "action": "delete", "next": LIST})
    assert confirm.status_code == 200
    assert "Move 2 people to the Trash?" in confirm.content.decode()
    assert Contact.objects.count() == 2

    response = member_client.post(
        BULK, {"selected": ids, "action": "delete", "confirmed": "yes", "next": LIST}, follow=True
    )

    assert "2 people were moved to the Trash." in response.content.decode()
    assert Contact.objects.count() == 0
    assert Contact.trash.count() == 2


def test_bulk_is_all_or_nothing_when_one_person_may_not_be_changed(
    member_client, member, other_member
):
    mine = make_contact(member, given_name="Mine")
    theirs = make_contact(other_member, given_name="Theirs")

    third = UserFactory(username="third")

    # member may hand over their own person, but not someone else's: the whole action fails
    response = member_client.post(
        BULK,
        {"selected": [mine.pk, theirs.pk], "action": "owner", "owner": third.pk},
        follow=True,
    )

    assert "nothing was changed" in response.content.decode()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.owner, mine.version) == (member, 1)
    assert (theirs.owner, theirs.version) == (other_member, 1)


def test_bulk_ignores_people_the_user_cannot_see(member_client, member, other_member):
    mine = make_contact(member, given_name="Mine")
    secret = make_contact(other_member, given_name="Secret", visibility="private")

    response = member_client.post(
        BULK, {"selected": [mine.pk, secret.pk], "action": "tag", "tag": "x"}, follow=True
    )

    assert "1 person was changed." in response.content.decode()
    assert secret.tags.count() == 0


def test_bulk_without_selection_or_value_explains(member_client, member):
    contact = make_contact(member)

    nothing = member_client.post(BULK, {"action": "tag", "tag": "x"}, follow=True)
    assert "Select at least one person first." in nothing.content.decode()
    no_value = member_client.post(BULK, {"selected": [contact.pk], "action": "tag"}, follow=True)
    assert "Choose a value for this action." in no_value.content.decode()
    assert contact.tags.count() == 0
