"""The keys of sensitive fields (ADR 0027): ``rubrica keys`` status, new and rotate, for
administrators (the key file itself is the operator's: tests/conftest.py points it at a
temporary file)."""

from __future__ import annotations

from tests.matrix.doors.cli import argv, cli

cli("keys status", rule="admin", path=argv("keys", "status", "{as}"))
cli("keys new", rule="admin", path=argv("keys", "new", "{as}"))
cli("keys rotate", rule="admin", path=argv("keys", "rotate", "{as}"))
