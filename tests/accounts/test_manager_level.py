"""The level "team, private included" (ADR 0033): the shipped Manager sees and acts on every record
of its teams' members, private ones too, and nothing of another team's; a Sales user of the same
team still does not see what a colleague kept private; the level is the widest but all; Settings →
Roles shows and saves it; the data migration keeps an edited Manager role as it was."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from rubrica.accounts import services as accounts
from rubrica.accounts.models import Grant
from rubrica.accounts.selectors import forget_grants
from rubrica.activities.models import Activity
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_update
from rubrica.core.policies import Level, grant_level, widest
from rubrica.segments.models import Segment
from tests.factories import TeamFactory, UserFactory, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(admin_user):
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    manager = UserFactory(username="manager", roles=["manager"])
    sales = UserFactory(username="sales", roles=["sales"])
    colleague = UserFactory(username="colleague", roles=["sales"])
    stranger = UserFactory(username="stranger", roles=["sales"])
    north.members.add(manager, sales, colleague)
    south.members.add(stranger)
    kept = make_contact(colleague, given_name="Kept", visibility="private")
    far = make_contact(stranger, given_name="Far", visibility="private")
    return {"manager": manager, "sales": sales, "kept": kept, "far": far, "colleague": colleague}


def test_the_level_ranks_between_team_and_all():
    assert widest(Level.TEAM, Level.TEAM_ALL) == Level.TEAM_ALL
    assert widest(Level.TEAM_ALL, Level.ALL) == Level.ALL
    assert widest(Level.OWN, Level.TEAM_ALL, Level.NONE) == Level.TEAM_ALL


def test_the_shipped_manager_views_changes_and_deletes_at_team_all():
    manager = UserFactory(username="m", roles=["manager"])
    for action in ("view", "change", "delete"):
        assert grant_level(manager, "people", action) == Level.TEAM_ALL
    assert grant_level(manager, "people", "add") == Level.TEAM


def test_a_manager_sees_and_edits_a_private_record_of_a_team_member(world, client):
    manager, kept = world["manager"], world["kept"]
    assert Contact.objects.restrict(manager).filter(pk=kept.pk).exists()
    client.force_login(manager)
    assert client.get(reverse("contacts:detail", args=[kept.pk])).status_code == 200
    contact_update(actor=manager, contact=kept, data={"given_name": "Seen"})
    kept.refresh_from_db()
    assert kept.given_name == "Seen"
    assert kept.visibility == "private" and kept.owner == world["colleague"]


def test_a_manager_does_not_see_a_private_record_of_another_team(world, client):
    manager, far = world["manager"], world["far"]
    assert not Contact.objects.restrict(manager).filter(pk=far.pk).exists()
    client.force_login(manager)
    assert client.get(reverse("contacts:detail", args=[far.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        contact_update(actor=manager, contact=far, data={"given_name": "Changed"})
    far.refresh_from_db()
    assert far.given_name == "Far"


def test_a_sales_user_still_does_not_see_a_colleagues_private_record(world, client):
    sales, kept = world["sales"], world["kept"]
    assert not Contact.objects.restrict(sales).filter(pk=kept.pk).exists()
    client.force_login(sales)
    assert client.get(reverse("contacts:detail", args=[kept.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        contact_update(actor=sales, contact=kept, data={"given_name": "Changed"})
    kept.refresh_from_db()
    assert kept.given_name == "Kept"


def test_a_manager_sees_and_changes_private_activities_of_team_members_only(world):
    manager, sales = world["manager"], world["sales"]
    now = timezone.now()
    mine = Activity.objects.create(owner=world["colleague"], occurred_at=now, private=True)
    theirs = Activity.objects.create(owner=world["far"].owner, occurred_at=now, private=True)
    for action in ("view", "change", "delete"):
        seen = set(Activity.objects.restrict(manager, action).values_list("pk", flat=True))
        assert mine.pk in seen and theirs.pk not in seen
        assert not Activity.objects.restrict(sales, action).filter(pk=mine.pk).exists()


def test_a_manager_deletes_segments_of_team_members_sales_only_their_own(world):
    manager, sales = world["manager"], world["sales"]
    colleague = world["colleague"]
    theirs = Segment.objects.create(
        owner=colleague, name="Colleague", kind="static", visibility="team"
    )
    assert Segment.objects.restrict(manager, "delete").filter(pk=theirs.pk).exists()
    assert not Segment.objects.restrict(sales, "delete").filter(pk=theirs.pk).exists()


def test_settings_roles_shows_and_saves_the_level(admin_user, client):
    role = accounts.role_create(actor=admin_user, key="lead", name="Lead")
    client.force_login(admin_user)
    url = reverse("settings:role_edit", args=[role.pk])
    page = client.get(url)
    assert b"Team (private included)" in page.content
    data = {"name": "Lead", "description": ""}
    for key, level in accounts.role_levels(role).items():
        data[accounts.grant_field(*key)] = level
    data[accounts.grant_field("people", "view")] = "team_all"
    assert client.post(url, data).status_code == 302
    assert Grant.objects.get(role=role, entity="people", action="view").level == "team_all"
    lead = UserFactory(username="lead", roles=["lead"])
    forget_grants(lead)
    assert grant_level(lead, "people", "view") == Level.TEAM_ALL


BEFORE = [("accounts", "0005_merge_two_factor")]
AFTER = [("accounts", "0006_grant_level_team_all")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_an_edited_manager_and_moves_a_shipped_one():
    from rubrica.accounts.models import AccessRole

    accounts.shipped_role("manager")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldRole = old.get_model("accounts", "AccessRole")
    OldGrant = old.get_model("accounts", "Grant")
    edited = OldRole.objects.get(key="manager")
    OldGrant.objects.create(role=edited, entity="people", action="merge", level="none")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    manager = AccessRole.objects.get(key="manager")
    levels = accounts.role_levels(manager)
    assert levels[("people", "view")] == "team"
    assert levels[("activities", "delete")] == "team"
    assert levels[("people", "merge")] == "none"

    # A Manager role without grant rows follows the shipped defaults: team_all.
    Grant.objects.filter(role=manager).delete()
    assert accounts.role_levels(manager)[("people", "view")] == "team_all"
