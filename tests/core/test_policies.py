"""Permission policies (rubrica.core.policies): the owned-record rule action by action, role by
role and visibility by visibility, and a model given another policy changes every door at once."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import QuerySet

from rubrica.accounts.models import Team
from rubrica.contacts.models import Contact
from rubrica.core.models import OwnedRecord, RestrictQuerySet
from rubrica.core.policies import Action, AnyUser, OwnedRecordPolicy, Policy, policy_for
from rubrica.core.services import ensure_can, ensure_can_create
from rubrica.kits.web.access import can, require, require_can_create
from rubrica.organizations.models import Organization
from tests.factories import UserFactory, make_contact, make_organization

pytestmark = pytest.mark.django_db

_QS = TypeVar("_QS", bound=QuerySet[Any, Any])

VISIBILITIES = ("private", "team", "everyone")
ROLES = ("owner", "teammate", "outsider", "viewer_in_team", "admin", "anonymous", "inactive")

#: Which of the owner's records (by visibility) each person may act on, by action.
MAY = {
    "view": {
        "owner": {"private", "team", "everyone"},
        "teammate": {"team", "everyone"},
        "outsider": {"everyone"},
        "viewer_in_team": {"team", "everyone"},
        "admin": {"private", "team", "everyone"},
        "anonymous": set(),
        "inactive": set(),
    },
    "change": {
        "owner": {"private", "team", "everyone"},
        "teammate": {"team", "everyone"},
        "outsider": {"everyone"},
        "viewer_in_team": set(),
        "admin": {"private", "team", "everyone"},
        "anonymous": set(),
        "inactive": set(),
    },
}
MAY["delete"] = MAY["change"]

#: Whether each person may act on some record at all (add: create one).
HAS_PERMISSION = {
    "owner": {"view", "change", "delete", "add"},
    "teammate": {"view", "change", "delete", "add"},
    "outsider": {"view", "change", "delete", "add"},
    "viewer_in_team": {"view"},
    "admin": {"view", "change", "delete", "add"},
    "anonymous": set(),
    "inactive": set(),
}


@pytest.fixture
def people(member, sales) -> dict[str, AnyUser]:
    users: dict[str, AnyUser] = {
        "owner": member,
        "teammate": UserFactory(username="mate"),
        "outsider": UserFactory(username="outsider"),
        "viewer_in_team": UserFactory(username="ro", role="viewer"),
        "admin": UserFactory(username="boss", role="admin"),
        "anonymous": AnonymousUser(),
        "inactive": UserFactory(username="gone", role="admin", is_active=False),
    }
    sales.members.add(users["teammate"], users["viewer_in_team"])
    return users


@pytest.fixture
def records(member, sales) -> dict[str, Contact]:
    """One record of ``member`` per visibility; the team one is shared with Sales."""
    return {
        visibility: make_contact(
            member,
            given_name=visibility.title(),
            visibility=visibility,
            **({"team": sales.pk} if visibility == "team" else {}),
        )
        for visibility in VISIBILITIES
    }


@pytest.mark.parametrize("action", Action.ALL)
@pytest.mark.parametrize("who", ROLES)
def test_owned_record_policy_action_by_role_and_visibility(people, records, who, action):
    policy = OwnedRecordPolicy()
    user = people[who]
    allowed = {
        visibility
        for visibility, record in records.items()
        if policy.user_can(user, action, record)
    }
    listed = set(
        policy.queryset_for(user, action, Contact.objects.all()).values_list(
            "visibility", flat=True
        )
    )

    assert allowed == MAY[action][who]
    assert listed == MAY[action][who]
    assert (
        set(Contact.objects.restrict(user, action).values_list("visibility", flat=True))
        == (MAY[action][who])
    )


@pytest.mark.parametrize("action", (*Action.ALL, Action.ADD))
@pytest.mark.parametrize("who", ROLES)
def test_owned_record_policy_model_permission_by_role(people, who, action):
    assert OwnedRecordPolicy().user_has_permission(people[who], action) == (
        action in HAS_PERMISSION[who]
    )


def test_a_read_only_owner_sees_but_does_not_change_their_own_records(member, viewer):
    record = make_contact(member, given_name="Handed over", visibility="private")
    Contact.objects.filter(pk=record.pk).update(owner=viewer)
    policy = OwnedRecordPolicy()

    assert policy.user_can(viewer, Action.VIEW, record)
    assert not policy.user_can(viewer, Action.CHANGE, record)
    assert not policy.user_can(viewer, Action.DELETE, record)


def test_unknown_actions_are_programming_errors(member, records):
    policy = OwnedRecordPolicy()

    with pytest.raises(ValueError, match="unknown action"):
        policy.queryset_for(member, "explode", Contact.objects.all())
    with pytest.raises(ValueError, match="unknown action"):
        policy.user_has_permission(member, "explode")
    with pytest.raises(ValueError, match="unknown action"):  # add has no records to narrow
        policy.queryset_for(member, Action.ADD, Contact.objects.all())


def test_user_can_answers_for_a_record_in_the_trash_the_pages_do_not(member, records):
    from rubrica.contacts.services import contact_delete

    record = records["private"]
    contact_delete(actor=member, contact=record)

    assert Contact.permission_policy.user_can(member, Action.DELETE, record)
    ensure_can(member, record, Action.DELETE)  # the restore service may act on it
    assert not can(member, record, Action.DELETE)  # a page acts on live records only


def test_owned_records_name_the_owned_record_policy():
    assert isinstance(policy_for(Contact), OwnedRecordPolicy)
    assert isinstance(policy_for(Organization), OwnedRecordPolicy)
    assert (policy_for(Contact).entity, policy_for(Organization).entity) == (
        "people",
        "organizations",
    )
    assert isinstance(policy_for(OwnedRecord), OwnedRecordPolicy)


def test_a_model_without_a_policy_cannot_be_restricted(member):
    with pytest.raises(ImproperlyConfigured, match="names no permission policy"):
        policy_for(Team)
    with pytest.raises(ImproperlyConfigured, match="Team names no permission policy"):
        RestrictQuerySet(model=Team).restrict(member, Action.VIEW)


def test_the_base_policy_states_no_rule(member, records):
    with pytest.raises(NotImplementedError):
        Policy().queryset_for(member, Action.VIEW, Contact.objects.all())
    with pytest.raises(NotImplementedError):
        Policy().user_has_permission(member, Action.ADD)


class OnlyAdaPolicy(Policy):
    """A made-up rule for the test: anyone may act on people named Ada, nobody may create."""

    def queryset_for(self, user: AnyUser, action: str, queryset: _QS) -> _QS:
        return queryset.filter(given_name="Ada")

    def user_has_permission(self, user: AnyUser, action: str) -> bool:
        return action == Action.VIEW


def test_another_policy_changes_restrict_services_and_pages_at_once(
    monkeypatch, member, other_member, admin_user
):
    ada = make_contact(member, given_name="Ada", visibility="private")
    bob = make_contact(member, given_name="Bob", visibility="everyone")
    organization = make_organization(member, visibility="private")
    monkeypatch.setattr(Contact, "permission_policy", OnlyAdaPolicy())

    # reads: another member now sees the private Ada; even an administrator no longer sees Bob
    assert list(Contact.objects.restrict(other_member, Action.VIEW)) == [ada]
    assert list(Contact.objects.restrict(admin_user, Action.DELETE)) == [ada]
    assert list(Contact.all_objects.restrict(admin_user, Action.VIEW)) == [ada]
    # services
    ensure_can(other_member, ada, Action.CHANGE)
    with pytest.raises(PermissionDenied):
        ensure_can(admin_user, bob, Action.CHANGE)
    with pytest.raises(PermissionDenied):
        ensure_can_create(admin_user, Contact)
    # pages
    assert can(other_member, ada, Action.CHANGE)
    assert not can(member, bob, Action.VIEW)
    with pytest.raises(PermissionDenied):
        require(member, bob, Action.CHANGE)
    with pytest.raises(PermissionDenied):
        require_can_create(admin_user, Contact)
    # other models keep their own policy
    assert list(Organization.objects.restrict(other_member, Action.VIEW)) == []
    assert list(Organization.objects.restrict(member, Action.VIEW)) == [organization]
    ensure_can_create(member)
    ensure_can_create(member, Organization)
