"""rubrica.wsgi tunes the garbage collector of a server process (ADR 0041)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from rubrica.wsgi import DEFAULT_GC_THRESHOLD, tune_gc


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


def test_the_server_freezes_start_up_objects_and_sets_the_default_thresholds() -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    assert tune_gc({}) == DEFAULT_GC_THRESHOLD
    assert gc.get_threshold() == (10_000, 10, 10)
    assert gc.get_freeze_count() > 0


def test_the_thresholds_follow_the_environment() -> None:
    assert tune_gc({"RUBRICA_GC_THRESHOLD": "700,10,10"}) == (700, 10, 10)
    assert tune_gc({"RUBRICA_GC_THRESHOLD": " 5000 "})[0] == 5000


@pytest.mark.parametrize("raw", ["many", "1,2,3,4", "-5", "10000,,10"])
def test_a_bad_threshold_is_refused_by_name_and_changes_nothing(raw: str) -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(ValueError, match="RUBRICA_GC_THRESHOLD"):
        tune_gc({"RUBRICA_GC_THRESHOLD": raw})
    assert gc.get_threshold() == (700, 10, 10)
