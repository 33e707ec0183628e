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


@pytest.fixture
def crew(admin_user):
    """North: a Sales owner of the jobs, a Sales colleague, a Manager; South: a Sales user."""
    from tests.factories import TeamFactory

    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    people = {
        name: UserFactory(username=name, roles=[role])
        for name, role in (
            ("owner", "sales"),
            ("colleague", "sales"),
            ("boss", "manager"),
            ("stranger", "sales"),
        )
    }
    north.members.add(people["owner"], people["colleague"], people["boss"])
    south.members.add(people["stranger"])
    jobs = {
        kind: Job.objects.create(kind=kind, title=kind, owner=people["owner"])
        for kind in ("import", "export", "selftest")
    }
    return people, jobs


def _seen(user, action):
    return set(Job.objects.restrict(user, action).values_list("kind", flat=True))


def test_import_and_export_jobs_follow_the_imports_exports_level(crew, admin_user):
    people, _jobs = crew
    # Team (Sales): the team's import and export jobs are seen, not acted on; other kinds stay
    # their owner's.
    assert _seen(people["colleague"], "view") == {"import", "export"}
    assert _seen(people["colleague"], "change") == set()
    # Team, private included (Manager): seen and acted on.
    assert _seen(people["boss"], "view") == {"import", "export"}
    assert _seen(people["boss"], "change") == {"import", "export"}
    # Another team: nothing; the owner: everything of theirs; an administrator: everything.
    assert _seen(people["stranger"], "view") == set()
    assert _seen(people["owner"], "change") == {"import", "export", "selftest"}
    assert _seen(admin_user, "change") == {"import", "export", "selftest"}


def test_own_and_all_levels_on_imports_exports(crew, admin_user):
    from rubrica.accounts import services as accounts
    from rubrica.accounts.selectors import forget_grants

    people, _jobs = crew
    auditor = accounts.role_create(actor=admin_user, key="auditor", name="Auditor")
    accounts.role_grants_set(
        actor=admin_user, role=auditor, levels={("imports_exports", "view"): "all"}
    )
    outsider = UserFactory(username="outsider", roles=["auditor"])
    assert _seen(outsider, "view") == {"import", "export"}
    assert _seen(outsider, "change") == {"import", "export"}

    accounts.role_grants_set(
        actor=admin_user,
        role=accounts.shipped_role("sales"),
        levels={("imports_exports", "view"): "own"},
    )
    forget_grants(people["colleague"])
    assert _seen(people["colleague"], "view") == set()


def test_a_colleague_sees_an_export_job_but_its_file_is_refused(crew, client, settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from rubrica.audit.models import AuditEntry

    people, jobs = crew
    export = jobs["export"]
    export.status = "succeeded"
    export.output.save("people.csv", ContentFile(b"name\\nPrivate Person\\n"))
    export.save()
    client.force_login(people["colleague"])
    before = AuditEntry.objects.count()
    assert client.get(reverse("jobs:detail", args=[export.pk])).status_code == 200
    assert client.get(reverse("jobs:download", args=[export.pk])).status_code == 403
    assert client.get(reverse("dataio:export_download", args=[export.pk])).status_code == 403
    assert AuditEntry.objects.count() == before
    client.force_login(people["boss"])
    assert client.get(reverse("jobs:download", args=[export.pk])).status_code == 200
