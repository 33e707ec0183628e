"""Argon2 with a bound on how many hashes run at once in one process (security review, issue 17).

Each Argon2 check takes ~100 MiB for its ~100 ms: a flood of parallel sign-ins (or API calls
with passwords) across a server's threads could otherwise take all the memory. Checks beyond
``RUBRICA_HASH_CONCURRENCY`` wait their turn; the lockout (django-axes) still counts every
attempt. The algorithm name stays ``argon2``, so stored hashes are unchanged.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

_lock = threading.Lock()
_gate: threading.BoundedSemaphore | None = None
_gate_size = 0
_active = 0
_peak = 0


def _semaphore() -> threading.BoundedSemaphore:
    global _gate, _gate_size
    size = int(getattr(settings, "RUBRICA_HASH_CONCURRENCY", 2))
    with _lock:
        if _gate is None or _gate_size != size:
            _gate, _gate_size = threading.BoundedSemaphore(size), size
        return _gate


class _Slot:
    """One of the bounded places to hash in; counts how many are taken (and the most ever)."""

    def __enter__(self) -> None:
        global _active, _peak
        self.gate = _semaphore()
        self.gate.acquire()
        with _lock:
            _active += 1
            _peak = max(_peak, _active)

    def __exit__(self, *exc: object) -> None:
        global _active
        with _lock:
            _active -= 1
        self.gate.release()


def peak(reset: bool = False) -> int:
    """The most hashes that ran at once since the last reset (for tests and diagnostics)."""
    global _peak
    with _lock:
        value = _peak
        if reset:
            _peak = _active
        return value


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    def encode(self, password: str, salt: str) -> str:
        with _Slot():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with _Slot():
            return super().verify(password, encoded)

    def harden_runtime(self, password: str, encoded: str) -> None:
        with _Slot():
            super().harden_runtime(password, encoded)

    def must_update(self, encoded: str) -> bool:
        return bool(super().must_update(encoded))

    def decode(self, encoded: str) -> dict[str, Any]:
        return dict(super().decode(encoded))
