"""Shares widen the owned-record policy: read shares open view, write shares view and change,
no share opens delete; a team share follows the team's membership; unsharing closes again."""

from __future__ import annotations

import pytest

from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.shares import shared_q
from rubrica.organizations.models import Organization
from rubrica.sharing.services import share_add, share_remove
from tests.factories import TeamFactory, UserFactory, make_contact, make_organization

pytestmark = pytest.mark.django_db


def visible(user, model, action=Action.VIEW):
    return set(model.objects.restrict(user, action).values_list("pk", flat=True))


def private_person(owner, **data):
    return make_contact(owner, visibility="private", **data)


def test_a_read_share_lets_the_grantee_view_but_not_change_or_delete(member, other_member):
    ada = private_person(other_member)
    assert ada.pk not in visible(member, Contact)

    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "read"})

    assert ada.pk in visible(member, Contact)
    assert ada.pk not in visible(member, Contact, Action.CHANGE)
    assert ada.pk not in visible(member, Contact, Action.DELETE)
    policy = Contact.permission_policy
    assert policy.user_can(member, Action.VIEW, ada)
    assert not policy.user_can(member, Action.CHANGE, ada)


def test_a_write_share_lets_the_grantee_change_but_never_delete(member, other_member):
    ada = private_person(other_member)

    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "write"})

    assert ada.pk in visible(member, Contact)
    assert ada.pk in visible(member, Contact, Action.CHANGE)
    assert ada.pk not in visible(member, Contact, Action.DELETE)


def test_a_share_opens_only_the_record_shared_and_only_to_its_grantee(member, other_member):
    ada = private_person(other_member)
    grace = private_person(other_member, given_name="Grace", family_name="Hopper")
    stranger = UserFactory(username="stranger")

    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "write"})

    assert visible(member, Contact) == {ada.pk}
    assert grace.pk not in visible(member, Contact)
    assert visible(stranger, Contact) == set()


def test_a_share_of_a_person_does_not_open_an_organization_with_the_same_id(member, other_member):
    ada = private_person(other_member)
    org = make_organization(other_member, visibility="private")
    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "read"})

    assert org.pk not in visible(member, Organization)


def test_a_team_share_follows_the_teams_membership(member, other_member):
    team = TeamFactory(name="Partners")
    ada = private_person(other_member)
    share_add(actor=other_member, record=ada, data={"team": team.pk, "level": "read"})
    assert ada.pk not in visible(member, Contact)

    team.members.add(member)
    assert ada.pk in visible(member, Contact)

    team.members.remove(member)
    assert ada.pk not in visible(member, Contact)


def test_removing_the_share_hides_the_record_again(member, other_member):
    ada = private_person(other_member)
    share = share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "write"})

    share_remove(actor=other_member, record=ada, share_id=share.pk)

    assert ada.pk not in visible(member, Contact)
    assert ada.pk not in visible(member, Contact, Action.CHANGE)


def test_a_write_share_never_lets_a_read_only_user_change(viewer, other_member):
    ada = private_person(other_member)
    share_add(actor=other_member, record=ada, data={"user": viewer.pk, "level": "write"})

    assert ada.pk in visible(viewer, Contact)
    assert ada.pk not in visible(viewer, Contact, Action.CHANGE)


def test_organizations_are_shared_the_same_way(member, other_member):
    org = make_organization(other_member, visibility="private")
    share_add(actor=other_member, record=org, data={"user": member.pk, "level": "write"})

    assert org.pk in visible(member, Organization)
    assert org.pk in visible(member, Organization, Action.CHANGE)
    assert org.pk not in visible(member, Organization, Action.DELETE)


def test_shares_grant_nothing_to_anonymous_users_nor_on_unregistered_models(member):
    from django.contrib.auth.models import AnonymousUser

    from rubrica.activities.models import Activity

    assert shared_q(AnonymousUser(), Action.VIEW, Contact) is None
    assert shared_q(member, Action.DELETE, Contact) is None
    assert shared_q(member, Action.VIEW, Activity) is None
    assert shared_q(member, Action.VIEW, Contact) is not None
