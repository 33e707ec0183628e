"""Helpers for driving `rubrica` in-process: run main([...]) and get (exit code, stdout, stderr)."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "serve: starts the real `rubrica serve` (gunicorn) on a free port"
    )


@pytest.fixture
def rubrica(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    """Run the CLI as a person would type it. A command-line run closes the database
    connections when it ends; here that would end the test's transaction, so it is skipped."""
    from django.db import connections

    from rubrica.cli.main import main

    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.delenv("RUBRICA_USER", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
