"""The embedded database runs on pysqlite3's SQLite in WAL mode and refuses affected versions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from rubrica.core.sqlite_backend.base import check_sqlite_version

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


@sqlite_only
@pytest.mark.django_db
def test_connection_uses_a_sqlite_without_the_wal_reset_bug():
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()")
        (version,) = cursor.fetchone()

    assert tuple(int(part) for part in version.split(".")) >= (3, 51, 3)


@pytest.mark.parametrize("version", [(3, 40, 1), (3, 51, 2), (3, 46, 0)])
def test_affected_versions_are_refused(version):
    with pytest.raises(ImproperlyConfigured, match="WAL-reset"):
        check_sqlite_version(version)


@pytest.mark.parametrize("version", [(3, 51, 3), (3, 53, 4), (4, 0, 0)])
def test_fixed_versions_are_accepted(version):
    check_sqlite_version(version)


@sqlite_only
@pytest.mark.django_db
def test_file_database_is_in_wal_mode(tmp_path):
    from rubrica.core.sqlite_backend.base import DatabaseWrapper

    settings_dict = dict(connection.settings_dict, NAME=str(tmp_path / "wal.sqlite3"))
    wrapper = DatabaseWrapper(settings_dict, alias="wal-check")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
    finally:
        wrapper.close()
