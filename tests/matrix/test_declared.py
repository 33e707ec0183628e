"""The matrix cannot fall behind: every door the code has is declared in tests/matrix/doors (or
exempted there with a reason), and every declaration names a door that exists."""

from __future__ import annotations

from tests.matrix.doors import DOORS, EXEMPT, load
from tests.matrix.inventory import api_doors, cli_doors, web_doors


def _declared() -> set[str]:
    load()
    keys = set(EXEMPT)
    for door in DOORS:
        keys.add(f"web {door.target}" if door.door == "web" else door.key)
    return keys


def test_every_web_page_api_operation_and_cli_action_is_in_the_matrix() -> None:
    missing = sorted((web_doors() | api_doors() | cli_doors()) - _declared())
    assert missing == [], (
        "doors neither in the permission matrix nor exempted: declare each in "
        "tests/matrix/doors/<app>.py (web(), api(), cli()) or exempt() it with a reason:\n"
        + "\n".join(missing)
    )


def test_every_declaration_names_a_door_that_exists() -> None:
    stale = sorted(_declared() - (web_doors() | api_doors() | cli_doors()))
    assert stale == [], "declared doors the code no longer has: " + ", ".join(stale)


def test_every_exemption_gives_a_reason() -> None:
    load()
    assert all(len(reason) > 10 for reason in EXEMPT.values())
