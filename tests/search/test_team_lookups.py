"""A search reads the member's teams once, however many kinds (and policies asking other
policies) it searches: restrict() of each kind used to read them again, twice with the
typo-tolerant pass, which made a member's search about twice as slow as it needed to be."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubrica import search
from rubrica.core.policies import remembered_teams, team_ids
from tests.factories import TeamFactory, make_contact, make_organization

pytestmark = pytest.mark.django_db


def team_reads(queries):
    """The reads of a person's teams (not the read of their roles' grants, which joins the
    teams' roles once per user object: ADR 0025)."""
    return [
        q["sql"]
        for q in queries
        if "accounts_team" in q["sql"]
        and "user_id" in q["sql"]
        and "accounts_accessrole" not in q["sql"]
    ]


def grant_reads(queries):
    return [q["sql"] for q in queries if "accounts_accessrole" in q["sql"]]


def test_a_search_as_a_member_reads_the_members_teams_once(member, admin_user):
    # Given a member of a team, with a person and an organization shared with that team
    team = TeamFactory()
    team.members.add(member)
    ada = make_contact(
        admin_user, given_name="Ada", family_name="Lovelace", team=team.pk, visibility="team"
    )
    make_organization(admin_user, name="Lovelace Engines", team=team.pk, visibility="team")

    # When the member searches every kind, with a word nothing contains (so the typo pass runs too)
    with CaptureQueriesContext(connection) as queries:
        hits = search.query(member, "Lovelace")
        search.query(member, "Lovelacx")

    # Then the team-shared records are found, and each search read the teams once
    assert ("contact", ada.pk) in [(hit.kind, hit.pk) for hit in hits]
    assert len(team_reads(queries.captured_queries)) == 2
    assert len(grant_reads(queries.captured_queries)) <= 1  # once for the member object


def test_outside_a_search_each_restrict_reads_the_teams_afresh(member):
    # Given a member outside any remembered scope
    team = TeamFactory()

    # When they join a team between two reads, the second read sees it
    assert team_ids(member) == []
    team.members.add(member)
    assert team_ids(member) == [team.pk]


def test_a_remembered_scope_reads_once_and_ends_with_its_block(member):
    team = TeamFactory()
    team.members.add(member)
    with CaptureQueriesContext(connection) as queries, remembered_teams():
        assert team_ids(member) == [team.pk]
        with remembered_teams():  # nested scopes share the outer memo
            assert team_ids(member) == [team.pk]
    assert len(queries.captured_queries) == 1
    other = TeamFactory()
    other.members.add(member)
    assert sorted(team_ids(member)) == sorted([team.pk, other.pk])
