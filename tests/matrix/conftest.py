"""The matrix's world: built once per test module inside a transaction that each test nests in
(a savepoint per test, rolled back after it), so thousands of cases share one set of records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test.utils import override_settings

from tests.matrix.world import World, build_world


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    root = tmp_path_factory.mktemp("matrix")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root / "documents"), "base_url": None},
        },
    }
    with (
        django_db_blocker.unblock(),
        override_settings(
            STORAGES=storages,
            MEDIA_ROOT=str(root / "media"),
            RUBRICA_PRIVATE_ROOT=str(root / "private"),
            RUBRICA_DEFAULT_PHONE_REGION="US",
        ),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
