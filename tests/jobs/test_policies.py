"""JobPolicy: a person sees and acts on their own jobs, administrators on everyone's, whatever the
action; nobody else on any."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from rubrica.jobs.models import Job
from rubrica.jobs.policies import JobPolicy
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["view", "change", "delete"])
def test_job_policy_by_person(member, other_member, admin_user, action):
    mine = Job.objects.create(kind="selftest", title="mine", owner=member)
    theirs = Job.objects.create(kind="selftest", title="theirs", owner=other_member)
    inactive = UserFactory(username="gone", role="admin", is_active=False)
    policy = Job.permission_policy

    assert isinstance(policy, JobPolicy)
    assert list(Job.objects.restrict(member, action)) == [mine]
    assert set(Job.objects.restrict(admin_user, action)) == {mine, theirs}
    assert not Job.objects.restrict(AnonymousUser(), action).exists()
    assert not Job.objects.restrict(None, action).exists()
    assert not Job.objects.restrict(inactive, action).exists()
    assert policy.user_can(member, action, mine)
    assert not policy.user_can(member, action, theirs)
    assert policy.user_has_permission(member, action)
    assert not policy.user_has_permission(AnonymousUser(), action)
