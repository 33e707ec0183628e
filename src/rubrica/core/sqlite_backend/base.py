"""Django's SQLite backend on the SQLite bundled with pysqlite3.

The stdlib sqlite3 module here links SQLite 3.40, which has the WAL-reset corruption bug fixed in
3.51.3. Django's backend imports ``sqlite3`` by name, so the module is swapped for pysqlite3 before
the backend is imported; every connection then checks the library version and refuses to open on
an affected SQLite.
"""

from __future__ import annotations

import sys
from typing import Any

import pysqlite3
import pysqlite3.dbapi2

sys.modules["sqlite3"] = pysqlite3
sys.modules["sqlite3.dbapi2"] = pysqlite3.dbapi2

from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.db.backends.sqlite3 import base, operations  # noqa: E402

MINIMUM_SAFE_VERSION = (3, 51, 3)
#: Releases older than 3.51.3 known to carry the WAL-reset fix as a backport. None is known to
#: us yet; a distribution's patched build cannot be told apart by its version number.
BACKPORTED_FIXES: frozenset[tuple[int, ...]] = frozenset()


def check_sqlite_version(version: tuple[int, ...]) -> None:
    """Refuse an SQLite affected by the WAL-reset bug (fixed in 3.51.3)."""
    if tuple(version) >= MINIMUM_SAFE_VERSION or tuple(version) in BACKPORTED_FIXES:
        return
    found = ".".join(str(part) for part in version)
    raise ImproperlyConfigured(
        f"SQLite {found} has the WAL-reset corruption bug (fixed in 3.51.3); "
        "install the pysqlite3 wheel from pyproject.toml (make run does this)"
    )


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self,
        style: Any,
        tables: Any,
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        """Flushing (between transactional tests, `manage.py flush`) empties tables with DELETE,
        which an append-only table's triggers refuse (the audit log, ADR 0020): the triggers of
        the flushed tables are dropped first and created again, as they were, afterwards."""
        statements: list[str] = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        names = list(tables)
        if not names:
            return statements
        placeholders = ", ".join(["%s"] * len(names))
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "  # noqa: S608 (placeholders only)
                f"WHERE type = 'trigger' AND tbl_name IN ({placeholders}) ORDER BY name",
                names,
            )
            triggers = cursor.fetchall()
        if not triggers:
            return statements
        drops = [f'DROP TRIGGER "{name}";' for name, _sql in triggers]
        return [*drops, *statements, *(f"{sql};" for _name, sql in triggers)]


class DatabaseWrapper(base.DatabaseWrapper):
    Database = pysqlite3.dbapi2
    ops_class = DatabaseOperations

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        check_sqlite_version(pysqlite3.dbapi2.sqlite_version_info)
        return super().get_new_connection(conn_params)
