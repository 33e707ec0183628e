"""Roles as editable sets of grants (issue 17, ADR 0025): the shipped defaults level by level,
what each shipped role may do with people, most permissive wins, roles carried by teams, grant
changes, and that refused changes change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubrica.accounts import services as accounts
from rubrica.accounts.models import AccessRole, Grant
from rubrica.accounts.selectors import SHIPPED_ROLE_KEYS, forget_grants, grants, role_keys
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_delete
from rubrica.core.policies import Action, can, grant_entities, grant_level
from rubrica.core.services import ensure_can, ensure_can_create
from tests.factories import TeamFactory, UserFactory, make_contact

pytestmark = pytest.mark.django_db

ACTIONS = (
    "view",
    "add",
    "change",
    "delete",
    "export",
    "import",
    "merge",
    "bulk_edit",
    "manage_fields",
)

#: The shipped levels on people, written out (not derived from the code that decides them).
PEOPLE_LEVELS = {
    "administrator": ["all", "all", "all", "all", "all", "all", "all", "all", "all"],
    "manager": ["team_all", "team", "team_all", "team_all", "team", "team", "team", "team", "all"],
    "sales": ["team", "team", "team", "team", "team", "team", "team", "team", "none"],
    "support": ["team", "team", "team", "own", "none", "none", "none", "none", "none"],
    "marketing": ["team", "team", "team", "own", "team", "team", "none", "team", "none"],
    "read_only": ["team", "none", "none", "none", "none", "none", "none", "none", "none"],
}

#: Which of the records below each shipped role may act on, by action.
RECORDS = ("mine", "others_private", "others_everyone", "my_team", "other_team")
MAY = {
    "administrator": {
        "view": set(RECORDS),
        "change": set(RECORDS),
        "delete": set(RECORDS),
    },
    # Team, private included (ADR 0033): every record of a member of North, the outsider's
    # private one and the one they share with South included.
    "manager": {
        "view": set(RECORDS),
        "change": set(RECORDS),
        "delete": set(RECORDS),
    },
    "sales": {
        "view": {"mine", "others_everyone", "my_team"},
        "change": {"mine", "others_everyone", "my_team"},
        "delete": {"mine", "others_everyone", "my_team"},
    },
    "support": {
        "view": {"mine", "others_everyone", "my_team"},
        "change": {"mine", "others_everyone", "my_team"},
        "delete": {"mine"},
    },
    "marketing": {
        "view": {"mine", "others_everyone", "my_team"},
        "change": {"mine", "others_everyone", "my_team"},
        "delete": {"mine"},
    },
    "read_only": {"view": {"mine", "others_everyone", "my_team"}, "change": set(), "delete": set()},
}


@pytest.fixture
def world(admin_user):
    """A person of each role in team "North"; records of an outsider in North and in South."""
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    outsider = UserFactory(username="outsider", role="member")
    north.members.add(outsider)
    south.members.add(outsider)
    people = {}
    for key in SHIPPED_ROLE_KEYS:
        person = UserFactory(username=f"u_{key}", roles=[key])
        north.members.add(person)
        people[key] = person
    records = {
        "others_private": make_contact(outsider, given_name="Private", visibility="private"),
        "others_everyone": make_contact(outsider, given_name="Everyone", visibility="everyone"),
        "my_team": make_contact(outsider, given_name="North", visibility="team", team=north.pk),
        "other_team": make_contact(outsider, given_name="South", visibility="team", team=south.pk),
    }
    return people, records, outsider


@pytest.mark.parametrize("key", SHIPPED_ROLE_KEYS)
def test_the_shipped_levels_on_people(key):
    person = UserFactory(username=f"p_{key}", roles=[key])
    assert [grant_level(person, "people", action) for action in ACTIONS] == PEOPLE_LEVELS[key]


def test_only_administrators_manage_users_and_only_read_only_is_read_only():
    people = {key: UserFactory(username=f"p_{key}", roles=[key]) for key in SHIPPED_ROLE_KEYS}
    assert {k for k, p in people.items() if p.is_administrator} == {"administrator"}
    assert {k for k, p in people.items() if p.is_read_only} == {"read_only"}
    assert {k for k, p in people.items() if can(p, "users", Action.MANAGE_USERS)} == {
        "administrator"
    }


@pytest.mark.parametrize("key", SHIPPED_ROLE_KEYS)
@pytest.mark.parametrize("action", ["view", "change", "delete"])
def test_what_each_shipped_role_may_do_with_people(world, key, action):
    people, records, _outsider = world
    person = people[key]
    mine = make_contact(people["administrator"], given_name="Mine", owner=person.pk)
    named = {**records, "mine": mine}

    allowed = {
        name
        for name, record in named.items()
        if Contact.objects.restrict(person, action).filter(pk=record.pk).exists()
    }

    assert allowed == MAY[key][action]
    # The three answers of the policy agree.
    policy = Contact.permission_policy
    assert {n for n, r in named.items() if policy.user_can(person, action, r)} == allowed
    assert policy.user_has_permission(person, action) == bool(allowed)


@pytest.mark.parametrize(
    ("key", "may_add"),
    [(k, k != "read_only") for k in SHIPPED_ROLE_KEYS],
)
def test_who_may_add_people(key, may_add):
    person = UserFactory(username=f"p_{key}", roles=[key])
    assert Contact.permission_policy.user_has_permission(person, Action.ADD) is may_add


def test_a_denied_delete_changes_nothing(world):
    people, records, _outsider = world
    support = people["support"]
    target = records["my_team"]

    with pytest.raises(PermissionDenied):
        contact_delete(actor=support, contact=target)

    target.refresh_from_db()
    assert target.deleted_at is None
    assert Contact.objects.filter(pk=target.pk).exists()


def test_most_permissive_wins():
    person = UserFactory(username="both", roles=["read_only", "support"])
    assert grant_level(person, "people", "change") == "team"
    assert grant_level(person, "people", "delete") == "own"
    assert not person.is_read_only
    assert role_keys(person) == frozenset({"read_only", "support"})


def test_a_team_carries_its_roles_to_its_members(admin_user):
    person = UserFactory(username="newcomer", roles=[])
    assert not Contact.permission_policy.user_has_permission(person, Action.VIEW)
    with pytest.raises(PermissionDenied):
        ensure_can_create(person, Contact)

    team = accounts.team_create(
        actor=admin_user, name="Desk", members=[person], roles=[accounts.shipped_role("sales")]
    )
    forget_grants(person)
    assert role_keys(person) == frozenset({"sales"})
    ensure_can_create(person, Contact)

    accounts.team_update(actor=admin_user, team=team, members=[])
    forget_grants(person)
    assert role_keys(person) == frozenset()
    assert not Contact.permission_policy.user_has_permission(person, Action.VIEW)


def test_an_own_level_role_sees_only_its_own(world, admin_user):
    role = accounts.role_create(actor=admin_user, key="intern", name="Intern")
    accounts.role_grants_set(
        actor=admin_user, role=role, levels={("people", "view"): "own", ("people", "add"): "own"}
    )
    intern = UserFactory(username="intern", roles=[role])
    mine = make_contact(intern, given_name="Mine")

    assert set(Contact.objects.restrict(intern).values_list("pk", flat=True)) == {mine.pk}
    assert not Contact.objects.restrict(intern, "change").exists()
    with pytest.raises(PermissionDenied):
        ensure_can(intern, mine, Action.CHANGE)


def test_a_grant_change_takes_effect_and_is_audited(world, admin_user):
    people, records, _outsider = world
    sales = people["sales"]
    assert not Contact.objects.restrict(sales).filter(pk=records["others_private"].pk).exists()

    role = AccessRole.objects.get(key="sales")
    accounts.role_grants_set(actor=admin_user, role=role, levels={("people", "view"): "all"})
    forget_grants(sales)

    assert Contact.objects.restrict(sales).filter(pk=records["others_private"].pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.GRANT_CHANGE)
    assert entry.details == {"key": "sales", "changes": {"people.view": ["team", "all"]}}
    assert entry.actor_id == admin_user.pk


def test_grants_are_refused_by_field_and_nothing_is_written(admin_user):
    role = AccessRole.objects.get(key="sales")
    with pytest.raises(ValidationError) as caught:
        accounts.role_grants_set(
            actor=admin_user,
            role=role,
            levels={
                ("people", "view"): "everything",
                ("nowhere", "view"): "all",
                ("documents", "merge"): "all",
                ("people", "change"): "all",
            },
        )
    assert set(caught.value.message_dict) == {
        "people__view",
        "nowhere__view",
        "documents__merge",
    }
    assert not Grant.objects.filter(role=role).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.GRANT_CHANGE).exists()


def test_only_administrators_change_roles_and_nothing_changes(member):
    role = AccessRole.objects.get(key="sales")
    with pytest.raises(PermissionDenied):
        accounts.role_grants_set(actor=member, role=role, levels={("people", "view"): "all"})
    with pytest.raises(PermissionDenied):
        accounts.role_create(actor=member, key="mine", name="Mine")
    with pytest.raises(PermissionDenied):
        accounts.user_roles_set(actor=member, user=member, roles=[accounts.shipped_role("manager")])
    assert not Grant.objects.exists()
    assert not AccessRole.objects.filter(key="mine").exists()
    assert role_keys(member) == frozenset({"sales"})
    assert AuditEntry.objects.count() == 0


def test_the_last_administrator_cannot_be_taken_away(db):
    admin = UserFactory(username="boss", roles=["administrator"])
    administrator = AccessRole.objects.get(key="administrator")

    with pytest.raises(ValidationError) as caught:
        accounts.role_grants_set(
            actor=admin, role=administrator, levels={("users", "manage_users"): "none"}
        )
    assert "users__manage_users" in caught.value.message_dict
    assert not Grant.objects.exists()
    with pytest.raises(ValidationError):
        accounts.user_roles_set(actor=admin, user=admin, roles=[accounts.shipped_role("sales")])
    forget_grants(admin)
    assert role_keys(admin) == frozenset({"administrator"})
    assert admin.is_administrator


def test_shipped_roles_cannot_be_deleted_custom_ones_can(admin_user):
    with pytest.raises(ValidationError):
        accounts.role_delete(actor=admin_user, role=AccessRole.objects.get(key="sales"))
    role = accounts.role_create(actor=admin_user, key="Temp Role", name="Temp")
    assert role.key == "temp_role"
    accounts.role_delete(actor=admin_user, role=role)
    assert not AccessRole.objects.filter(key="temp_role").exists()
    assert AuditEntry.objects.filter(action=AuditAction.ROLE_DELETE).count() == 1


def test_a_persons_grants_are_read_once_in_one_query(world):
    people, _records, _outsider = world
    person = type(people["sales"]).objects.get(pk=people["sales"].pk)
    with CaptureQueriesContext(connection) as queries:
        grants(person)
        answers = (person.is_administrator, person.is_read_only, role_keys(person))
        Contact.permission_policy.user_has_permission(person, Action.ADD)
    assert len(queries) == 1
    assert answers == (False, False, frozenset({"sales"}))


def test_every_policy_entity_is_registered():
    from django.apps import apps

    from rubrica.core.policies import policy_for

    for model in apps.get_models():
        policy = getattr(model, "permission_policy", None)
        entity = getattr(policy, "entity", None)
        if entity is not None:
            assert entity in grant_entities, model
    assert {e.key for e in grant_entities} >= {
        "people",
        "organizations",
        "activities",
        "tasks",
        "appointments",
        "documents",
        "segments",
        "imports_exports",
        "users",
    }
    assert policy_for(Contact).entity == "people"
