"""Fixtures for segment tests: a team shared by two members, people with each visibility, and
the CLI runner (as in tests/cli)."""

from __future__ import annotations

from collections.abc import Callable

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


@pytest.fixture
def rubrica(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    """Run the CLI as a person would type it (see tests/cli/conftest.py)."""
    from django.db import connections

    from rubrica.cli.main import main

    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.delenv("RUBRICA_USER", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
