"""Managers per team (ADR 0049): a team that names its managers is managed by them alone — a
Manager who belongs to it without being named keeps the plain team rule there (shared records
yes, its members' private work no) while still managing a team that names them or none; set on
the team page and over the API by administrators only, managers are members, and a member who
leaves stops managing."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from rubrica.accounts import services as accounts
from rubrica.activities.models import Activity
from rubrica.audit.models import AuditEntry
from rubrica.calendars.models import Calendar
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_update
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_can_act
from rubrica.segments.models import Segment
from tests.api.conftest import bearer
from tests.factories import TeamFactory, UserFactory, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(admin_user):
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    boss = UserFactory(username="boss", roles=["manager"])  # in both teams
    lead = UserFactory(username="lead", roles=["manager"])  # South's named manager
    worker = UserFactory(username="worker", roles=["sales"])  # South only
    helper = UserFactory(username="helper", roles=["sales"])  # North only
    north.members.add(boss, helper)
    south.members.add(boss, lead, worker)
    accounts.team_update(actor=admin_user, team=south, managers=[lead])
    return {
        "north": north,
        "south": south,
        "boss": boss,
        "lead": lead,
        "worker": worker,
        "helper": helper,
        "south_private": make_contact(worker, given_name="Hidden", visibility="private"),
        "south_shared": make_contact(worker, given_name="Shared", visibility="team", team=south.pk),
        "north_private": make_contact(helper, given_name="Near", visibility="private"),
    }


def _sees(user, record) -> bool:
    return type(record).objects.restrict(user).filter(pk=record.pk).exists()


def test_a_team_that_names_managers_is_managed_by_them_alone(world, client):
    boss, lead = world["boss"], world["lead"]
    hidden = world["south_private"]
    assert _sees(lead, hidden)  # South's named manager
    assert not _sees(boss, hidden)  # a member of South with the Manager role, not named
    assert _sees(boss, world["south_shared"])  # the plain team rule still holds there
    assert _sees(boss, world["north_private"])  # North names nobody: its Manager members manage
    client.force_login(boss)
    assert client.get(reverse("contacts:detail", args=[hidden.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        contact_update(actor=boss, contact=hidden, data={"given_name": "Changed"})
    hidden.refresh_from_db()
    assert hidden.given_name == "Hidden"
    answer = client.get(f"/api/v1/contacts/{hidden.pk}", **bearer(boss))
    assert answer.status_code == 404


def test_naming_nobody_again_gives_every_manager_member_the_team(world, admin_user):
    boss, hidden = world["boss"], world["south_private"]
    accounts.team_update(actor=admin_user, team=world["south"], managers=[])
    assert _sees(boss, hidden) and _sees(world["lead"], hidden)


def test_activities_calendars_segments_and_jobs_follow_the_managed_teams(world):
    boss, lead, worker = world["boss"], world["lead"], world["worker"]
    now = timezone.now()
    private = Activity.objects.create(owner=worker, occurred_at=now, private=True)
    near = Activity.objects.create(owner=world["helper"], occurred_at=now, private=True)
    for action in ("view", "change", "delete"):
        boss_sees = set(Activity.objects.restrict(boss, action).values_list("pk", flat=True))
        assert near.pk in boss_sees and private.pk not in boss_sees, action
        assert Activity.objects.restrict(lead, action).filter(pk=private.pk).exists(), action

    calendar = Calendar.objects.create(owner=worker, name="Worker's")
    assert not Calendar.objects.restrict(boss, "change").filter(pk=calendar.pk).exists()
    assert Calendar.objects.restrict(lead, "change").filter(pk=calendar.pk).exists()

    segment = Segment.objects.create(owner=worker, name="W", kind="static", visibility="team")
    assert not Segment.objects.restrict(boss, "delete").filter(pk=segment.pk).exists()
    assert Segment.objects.restrict(lead, "delete").filter(pk=segment.pk).exists()

    job = Job.objects.create(kind="export", title="Export", owner=worker)
    assert Job.objects.restrict(boss, "view").filter(pk=job.pk).exists()  # listed: a teammate's
    assert not job_can_act(boss, job)  # its file and rows: South's managers only
    assert job_can_act(lead, job)


def test_a_manager_must_be_a_member_and_nothing_changes_when_refused(world, admin_user):
    north, helper = world["north"], world["helper"]
    outsider = world["worker"]  # not in North
    with pytest.raises(ValidationError) as refused:
        accounts.team_update(actor=admin_user, team=north, managers=[helper, outsider])
    assert "managers" in refused.value.message_dict
    assert "worker" in refused.value.message_dict["managers"][0]
    assert list(north.managers.all()) == []
    with pytest.raises(ValidationError):
        accounts.team_create(actor=admin_user, name="East", members=[helper], managers=[outsider])
    assert not type(north).objects.filter(name="East").exists()


def test_a_member_who_leaves_stops_managing(world, admin_user):
    south, lead, boss = world["south"], world["lead"], world["boss"]
    accounts.team_update(actor=admin_user, team=south, members=[boss, world["worker"]])
    assert list(south.managers.all()) == []
    assert not _sees(lead, world["south_private"])
    assert _sees(boss, world["south_private"])  # South names nobody now


def test_only_administrators_set_managers(world):
    with pytest.raises(PermissionDenied):
        accounts.team_update(actor=world["boss"], team=world["north"], managers=[world["boss"]])
    assert list(world["north"].managers.all()) == []


def test_the_team_page_sets_managers_and_the_change_is_audited(world, admin_user, client):
    north, boss, helper = world["north"], world["boss"], world["helper"]
    client.force_login(admin_user)
    url = reverse("settings:team_edit", args=[north.pk])
    page = client.get(url).content.decode()
    assert 'name="managers"' in page
    answer = client.post(
        url, {"name": "North", "members": [boss.pk, helper.pk], "managers": [helper.pk]}
    )
    assert answer.status_code == 302
    assert list(north.managers.all()) == [helper]
    assert not _sees(boss, world["north_private"])
    entry = AuditEntry.objects.filter(action="team.update").latest("id")
    assert entry.details["managers"] == ["helper"]
    listing = client.get(reverse("settings:teams")).content.decode()
    assert "Managers:" in listing

    refused = client.post(
        url, {"name": "North", "members": [boss.pk], "managers": [helper.pk]}
    )  # helper ticked as manager but not as member
    assert refused.status_code == 200
    assert "A manager must be a member of the team" in refused.content.decode()
    assert list(north.managers.all()) == [helper]
    assert set(north.members.all()) == {boss, helper}


def test_the_api_sets_managers_for_administrators_only(world, admin_user, client):
    north, boss, helper = world["north"], world["boss"], world["helper"]
    url = f"/api/v1/teams/{north.pk}/managers"

    def put(user, managers):
        return client.put(
            url,
            json.dumps({"managers": managers}),
            content_type="application/json",
            **bearer(user),
        )

    denied = put(boss, [boss.pk])
    assert denied.status_code == 403 and list(north.managers.all()) == []
    answer = put(admin_user, [helper.pk])
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"id": north.pk, "managers": [helper.pk]}
    outsider = put(admin_user, [world["worker"].pk])
    assert outsider.status_code == 422 and "managers" in outsider.content.decode()
    unknown = put(admin_user, [999999])
    assert unknown.status_code == 422
    assert list(north.managers.all()) == [helper]
    missing = client.put(
        "/api/v1/teams/999999/managers",
        json.dumps({"managers": []}),
        content_type="application/json",
        **bearer(admin_user),
    )
    assert missing.status_code == 404
    assert Contact.objects.filter(given_name="Near").exists()


def test_a_deactivated_named_manager_leaves_the_team_to_its_manager_members(world, admin_user):
    from rubrica.core.policies import managed_team_ids

    accounts.user_deactivate(actor=admin_user, user=world["lead"])
    assert world["south"].pk in managed_team_ids(world["boss"])
    assert _sees(world["boss"], world["south_private"])


def test_the_cli_import_report_needs_managing_the_owners_team(world):
    import io

    from django.core.management import call_command

    from tests.dataio.import_helpers import run_import

    worker = world["worker"]
    make_contact(
        worker,
        given_name="Zelda",
        family_name="Secret",
        visibility="private",
        emails=[{"value": "zelda@example.com"}],
    )
    job = run_import(
        worker, "First,Last,Email\nZelda,Secret,zelda@example.com\n", "p.csv", on_duplicate="update"
    )
    out = io.StringIO()
    with pytest.raises(BaseException):  # noqa: B017 (the CLI's refusal, whatever its form)
        call_command("import", "report", str(job.pk), "--csv", "--as", "boss", stdout=out)
    assert "Zelda" not in out.getvalue()
    shown = io.StringIO()
    call_command("import", "report", str(job.pk), "--csv", "--as", "lead", stdout=shown)
    assert "Zelda" in shown.getvalue()


@pytest.mark.parametrize("ids", [[10**30], [2**63], [0]])
def test_the_api_refuses_ids_out_of_range_with_422(world, admin_user, client, ids):
    answer = client.put(
        f"/api/v1/teams/{world['north'].pk}/managers",
        json.dumps({"managers": ids}),
        content_type="application/json",
        **bearer(admin_user),
    )
    assert answer.status_code == 422
    assert list(world["north"].managers.all()) == []
