"""Helpers for the dedup tests: run `rubrica ...` in-process (tests/cli's fixture is not visible
from here), and build people quickly."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture
def rubrica(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
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
