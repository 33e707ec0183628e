"""The permission matrix: every declared door (tests/matrix/doors) × every role × every record
case. Each case asserts the answer (expect.EXPECT) and, when refused, that no row of any table
changed. A failure is named ``door|case-role``, e.g. ``web POST contacts:edit|private-read_only``.
"""

from __future__ import annotations

import pytest

from tests.matrix.cases import client_for, expected, judge, knock
from tests.matrix.doors import Door, load
from tests.matrix.expect import OK
from tests.matrix.roles import ROLES
from tests.matrix.snapshot import changes, snapshot

CASES = [
    pytest.param(
        door,
        case,
        role,
        id=f"{door.label or door.key}|{case}-{role}",
        marks=[pytest.mark.xfail(strict=True, reason=door.known[f"{case}-{role}"])]
        if f"{case}-{role}" in door.known
        else [],
    )
    for door in load()
    if door.door in ("web", "api")
    for case in door.cases
    for role in ROLES
]


@pytest.mark.parametrize(("door", "case", "role"), CASES)
def test_door(world, db, door: Door, case: str, role: str) -> None:
    refused = expected(door, role, case) != OK
    client = client_for(door, world, role)
    response = knock(client, door, world, role, case)
    problem = judge(door, role, case, response)
    assert problem is None, problem
    if refused:
        assert changes(world.baseline, snapshot()) == []
