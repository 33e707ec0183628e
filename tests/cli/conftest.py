"""The CLI tests' marker (their `rubrica` fixture is in tests/conftest.py)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "serve: starts the real `rubrica serve` (gunicorn) on a free port"
    )
