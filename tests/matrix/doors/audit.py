"""The audit log's CSV export (the list and the chain check are in doors/web.py)."""

from __future__ import annotations

from tests.matrix.doors import web

web("audit:export", rule="admin")
