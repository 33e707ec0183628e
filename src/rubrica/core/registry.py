"""One typed table of entries that apps register at start-up: the shape every engine registry has.

An engine (search, dedup, history, jobs, the Trash) knows no domain; each domain tells it about
its records from its ``AppConfig.ready()`` by registering an entry (a frozen dataclass) under a
key. A :class:`Registry` is that table:

- ``register(entry)`` files the entry under ``key(entry)``; a key taken by another entry is a
  programming error (two apps would fight over it) and raises ``ImproperlyConfigured``. With
  ``same_again=True`` registering an equal entry again is harmless (``ready()`` may run twice);
- ``get(key)`` returns the entry or raises :class:`NotRegistered` (an ``ImproperlyConfigured``
  and a ``LookupError``) naming the registered keys and how to register one;
- iterating gives the entries in registration order (the order of ``INSTALLED_APPS``);
- ``isolated(*entries)`` lets a test work on a clean table (or on a copy of this one) and puts the
  real one back afterwards.

The engines keep their public functions (``register_trash``, ``job_kind``...) as thin wrappers,
so the apps' ``ready()`` code reads the same.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


class NotRegistered(ImproperlyConfigured, LookupError):
    """No entry is registered under the key asked for."""


class Registry(Generic[T]):
    """A table of entries of type ``T`` filed under ``key(entry)``, in registration order.

    ``name`` names an entry in messages ("job kind"); ``hint`` says how an app registers one
    (added to the message of a missing key)."""

    def __init__(
        self,
        name: str,
        *,
        key: Callable[[T], Hashable],
        hint: str = "",
        same_again: bool = True,
    ) -> None:
        self.name = name
        self._key = key
        self._hint = hint
        self._same_again = same_again
        self._entries: dict[Hashable, T] = {}

    def __repr__(self) -> str:
        return f"<Registry of {self.name}: {', '.join(map(str, self._entries)) or 'empty'}>"

    def register(self, entry: T) -> T:
        """File ``entry`` under its key and return it; ImproperlyConfigured if the key is taken
        (by any entry, or by another entry when ``same_again``)."""
        key = self._key(entry)
        current = self._entries.get(key)
        if key in self._entries and not (self._same_again and current == entry):
            raise ImproperlyConfigured(f"The {self.name} {key!r} is already registered.")
        self._entries[key] = entry
        return entry

    def unregister(self, key: Hashable) -> None:
        """Remove the entry under ``key`` (tests; an app never unregisters); NotRegistered if
        there is none."""
        self.get(key)
        del self._entries[key]

    def get(self, key: Hashable) -> T:
        """The entry under ``key``; NotRegistered names the registered keys when it is missing."""
        try:
            return self._entries[key]
        except KeyError:
            known = ", ".join(map(str, self._entries)) or "none"
            hint = f"; {self._hint}" if self._hint else ""
            raise NotRegistered(
                f"No {self.name} {key!r} is registered (registered: {known}){hint}."
            ) from None

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(tuple(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> tuple[Hashable, ...]:
        """The registered keys, in registration order."""
        return tuple(self._entries)

    def entries(self) -> tuple[T, ...]:
        """The registered entries, in registration order."""
        return tuple(self._entries.values())

    @contextmanager
    def isolated(self, *entries: T) -> Iterator[Registry[T]]:
        """For tests: within the block the table holds only ``entries`` (``isolated()`` for a
        clean one, ``isolated(*registry)`` for a copy of the current one); on leaving, the table
        as it was comes back, whatever was registered meanwhile."""
        saved = self._entries
        self._entries = {}
        try:
            for entry in entries:
                self.register(entry)
            yield self
        finally:
            self._entries = saved
