"""The generic engine registry (core/registry.py): typed entries under a key, a clear error for a
missing key, registration order, and a clean table for tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import ImproperlyConfigured

from rubrica.core.registry import NotRegistered, Registry


@dataclass(frozen=True)
class Entry:
    key: str
    value: int = 0


def _registry(*, same_again: bool = True) -> Registry[Entry]:
    return Registry("thing", key=lambda entry: entry.key, hint="register it", same_again=same_again)


def test_entries_come_back_by_key_and_in_registration_order():
    registry = _registry()
    b, a = registry.register(Entry("b")), registry.register(Entry("a"))

    assert registry.get("a") is a
    assert list(registry) == [b, a]
    assert registry.entries() == (b, a)
    assert registry.keys() == ("b", "a")
    assert ("a" in registry, "c" in registry, len(registry)) == (True, False, 2)


def test_a_missing_key_names_the_registered_ones_and_how_to_register():
    registry = _registry()
    registry.register(Entry("a"))

    with pytest.raises(NotRegistered) as caught:
        registry.get("c")

    assert str(caught.value) == "No thing 'c' is registered (registered: a); register it."
    assert isinstance(caught.value, ImproperlyConfigured)
    assert isinstance(caught.value, LookupError)


def test_a_taken_key_is_refused_and_the_same_entry_again_is_harmless_when_allowed():
    lenient, strict = _registry(), _registry(same_again=False)
    for registry in (lenient, strict):
        registry.register(Entry("a", 1))
        with pytest.raises(ImproperlyConfigured, match=r"The thing 'a' is already registered\."):
            registry.register(Entry("a", 2))
        assert registry.get("a") == Entry("a", 1)

    lenient.register(Entry("a", 1))
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        strict.register(Entry("a", 1))


def test_an_isolated_table_holds_only_its_entries_and_the_real_one_comes_back():
    registry = _registry()
    kept = registry.register(Entry("kept"))

    with registry.isolated(Entry("own")) as own:
        assert own is registry
        registry.register(Entry("more"))
        assert registry.keys() == ("own", "more")
    assert list(registry) == [kept]

    with registry.isolated(*registry):
        registry.unregister("kept")
        assert len(registry) == 0
    assert list(registry) == [kept]
    with pytest.raises(NotRegistered):
        registry.unregister("nope")
