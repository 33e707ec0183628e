"""Instances of Rubrica in subprocesses (``instances.py``), made once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backups.instances import Instance, Instances, drop_databases


@pytest.fixture(scope="session")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instances]:
    made = Instances(tmp_path_factory.mktemp("instances"))
    yield made
    drop_databases()


@pytest.fixture
def instance(instances: Instances) -> Iterator[Instance]:
    """A migrated instance with the administrator ``boss``; its processes are killed after."""
    made = instances.ready()
    yield made
    made.stop_all()
