"""The "nothing changed" check itself: each test starts from the world as built, and a write of
any kind shows up as a change (so a refused door that wrote something would fail)."""

from __future__ import annotations

from tests.matrix.snapshot import changes, snapshot


def test_a_test_starts_from_the_world_as_built(world, db, client) -> None:
    client.force_login(world.users["sales"])  # last_login moves; it is left out
    assert changes(world.baseline, snapshot()) == []


def test_a_write_is_seen_as_a_change(world, db) -> None:
    from rubrica.contacts.services import contact_update

    contact_update(
        actor=world.users["owner"], contact=world.record("contact", "private"), data={"notes": "x"}
    )
    found = changes(world.baseline, snapshot())
    assert any(line.startswith("contacts.Contact:") for line in found)
    assert any(line.startswith("history.HistoryEntry:") for line in found)
