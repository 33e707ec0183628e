"""The permission matrix for the command line: every declared ``rubrica`` action as each role
(``--as``), asserting the exit code (0 done, 1 not found, 3 permission denied; an inactive user
cannot act at all) and, when refused, that nothing changed."""

from __future__ import annotations

import pytest

from tests.matrix.cases import expected
from tests.matrix.doors import Door, load
from tests.matrix.expect import FORBIDDEN, LOGIN, NOT_FOUND, OK, VISIBLE
from tests.matrix.snapshot import changes, snapshot
from tests.matrix.world import MARK

#: The command line has no anonymous caller: without --as it acts as the first administrator.
CLI_ROLES = ("administrator", "sales", "read_only", "other_team", "inactive")

CASES = [
    pytest.param(
        door,
        case,
        role,
        id=f"{door.key}|{case}-{role}",
        marks=[pytest.mark.xfail(strict=True, reason=door.known[f"{case}-{role}"])]
        if f"{case}-{role}" in door.known
        else [],
    )
    for door in load()
    if door.door == "cli"
    for case in door.cases
    for role in CLI_ROLES
]


@pytest.fixture
def cli_world(world, tmp_path):
    world.file = str(tmp_path / "more.txt")
    (tmp_path / "more.txt").write_text("more Matrix notes\n")
    world.ics = str(tmp_path / "empty.ics")
    (tmp_path / "empty.ics").write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    world.out = str(tmp_path / "out.csv")
    return world


@pytest.mark.parametrize(("door", "case", "role"), CASES)
def test_cli_door(cli_world, db, rubrica, door: Door, case: str, role: str) -> None:
    world = cli_world
    want = expected(door, role, case)
    args: list[str] = []
    for part in door.path(world, case):
        args += ["--as", world.users[role].username] if part == "{as}" else [part]
    code, out, err = rubrica(*args)
    if want == OK:
        assert code in door.extra.get("ok_codes", (0,)), err
    elif want == NOT_FOUND:
        assert code in (1, *door.refusals), (code, err)
    elif want == FORBIDDEN:
        assert code in (3, *door.refusals), (code, err)
    else:
        assert want == LOGIN
        assert code != 0
    if door.lists and want == OK:
        for hidden in sorted({"private", "team"} - VISIBLE[role]):
            assert MARK[hidden] not in out
    if want != OK:
        assert changes(world.baseline, snapshot()) == []
