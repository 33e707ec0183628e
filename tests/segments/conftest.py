"""Fixtures for segment tests: a team shared by two members, people with each visibility, and
the CLI runner (as in tests/cli)."""

from __future__ import annotations

import pytest

from tests.factories import TeamFactory, UserFactory, make_contact


@pytest.fixture
def team(member, other_member):
    team = TeamFactory(name="Sales")
    team.members.add(member, other_member)
    return team


@pytest.fixture
def milan_people(member, team):
    """Three people in Milano owned by ``member``: private, team-shared and shared with
    everyone; plus one in Roma shared with everyone."""
    city = [{"city": "Milano"}]
    return {
        "private": make_contact(member, given_name="Pia", addresses=city, visibility="private"),
        "team": make_contact(
            member, given_name="Teo", addresses=city, visibility="team", team=team.pk
        ),
        "everyone": make_contact(member, given_name="Eva", addresses=city, visibility="everyone"),
        "rome": make_contact(
            member, given_name="Remo", addresses=[{"city": "Roma"}], visibility="everyone"
        ),
    }


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", role="member")
