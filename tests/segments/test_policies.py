"""SegmentPolicy: view and change follow the owned-record rule; only the owner or an
administrator deletes (a deleted segment does not go to a Trash)."""

from __future__ import annotations

import pytest

from rubrica.core.policies import Action
from rubrica.segments.models import Segment
from rubrica.segments.policies import SegmentPolicy
from rubrica.segments.services import segment_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(member, team):
    """A segment of ``member`` shared with Sales (``member`` and ``other_member``)."""
    return segment_create(
        actor=member,
        data={"name": "Shared", "kind": "static", "visibility": "team", "team": team.pk},
    )


@pytest.mark.parametrize(
    ("who", "view", "change", "delete"),
    [
        ("owner", True, True, True),
        ("teammate", True, True, False),
        ("viewer_in_team", True, False, False),
        ("outsider", False, False, False),
        ("admin", True, True, True),
    ],
)
def test_segment_policy_by_role(
    shared, team, member, other_member, admin_user, who, view, change, delete
):
    viewer = UserFactory(username="ro", role="viewer")
    team.members.add(viewer)
    user = {
        "owner": member,
        "teammate": other_member,
        "viewer_in_team": viewer,
        "outsider": UserFactory(username="outsider"),
        "admin": admin_user,
    }[who]
    policy = Segment.permission_policy

    assert isinstance(policy, SegmentPolicy)
    for action, expected in ((Action.VIEW, view), (Action.CHANGE, change), (Action.DELETE, delete)):
        assert policy.user_can(user, action, shared) is expected
        assert Segment.objects.restrict(user, action).filter(pk=shared.pk).exists() is expected


def test_a_read_only_user_may_not_create_a_segment(viewer, member):
    assert not Segment.permission_policy.user_has_permission(viewer, Action.ADD)
    assert Segment.permission_policy.user_has_permission(member, Action.ADD)
