"""restrict(user, action): who sees and changes what."""

from __future__ import annotations

import pytest

from rubrica.contacts.models import Contact
from tests.factories import TeamFactory, UserFactory, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(member):
    team = TeamFactory(name="Sales")
    team.members.add(member)
    return {
        "private": make_contact(member, given_name="Private", visibility="private"),
        "team": make_contact(member, given_name="Team", visibility="team", team=team.pk),
        "everyone": make_contact(member, given_name="Everyone", visibility="everyone"),
    }


def names(user, action):
    return sorted(Contact.objects.restrict(user, action).values_list("given_name", flat=True))


@pytest.mark.parametrize(
    ("who", "view", "change"),
    [
        ("owner", ["Everyone", "Private", "Team"], ["Everyone", "Private", "Team"]),
        ("teammate", ["Everyone", "Team"], ["Everyone", "Team"]),
        ("outsider", ["Everyone"], ["Everyone"]),
        ("viewer_in_team", ["Everyone", "Team"], []),
        ("admin", ["Everyone", "Private", "Team"], ["Everyone", "Private", "Team"]),
    ],
)
def test_permission_matrix(records, member, who, view, change):
    team = records["team"].team
    users = {
        "owner": member,
        "teammate": UserFactory(username="mate"),
        "outsider": UserFactory(username="outsider"),
        "viewer_in_team": UserFactory(username="ro", role="viewer"),
        "admin": UserFactory(username="boss", role="admin"),
    }
    team.members.add(users["teammate"], users["viewer_in_team"])
    user = users[who]

    assert names(user, "view") == view
    assert names(user, "change") == change
    assert names(user, "delete") == change


def test_anonymous_and_inactive_users_see_nothing(records):
    from django.contrib.auth.models import AnonymousUser

    inactive = UserFactory(username="gone", is_active=False, role="admin")

    assert names(AnonymousUser(), "view") == []
    assert names(inactive, "view") == []


def test_trash_is_hidden_from_default_reads(records, member):
    from rubrica.contacts.services import contact_delete

    contact_delete(actor=member, contact=records["everyone"])

    assert names(member, "view") == ["Private", "Team"]
    assert list(Contact.trash.restrict(member, "view").values_list("given_name", flat=True)) == [
        "Everyone"
    ]


def test_unknown_action_is_a_programming_error(member):
    with pytest.raises(ValueError, match="unknown action"):
        Contact.objects.restrict(member, "explode")
