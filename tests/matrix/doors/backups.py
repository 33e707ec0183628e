"""Backups (issue 17): the administrators' page, a backup now, verify and download; ``rubrica
backup list``. The world's backup row has no archive on disk (download and verify then say so)."""

from __future__ import annotations

from django.urls import reverse

from tests.matrix import world_trust  # noqa: F401 (adds the backup row to the world)
from tests.matrix.doors import exempt, web
from tests.matrix.doors.cli import argv, cli
from tests.matrix.world import MISSING_ID


def _backup(name):
    return lambda w, c: reverse(name, args=[MISSING_ID if c == "missing" else w.ref["backup"].pk])


web("backups:list", rule="admin")
web("backups:now", "POST", rule="admin")
web("backups:verify", "POST", rule="admin", cases=("-", "missing"), path=_backup("backups:verify"))
web("backups:download", rule="admin", cases=("-", "missing"), path=_backup("backups:download"))

cli("backup list", rule="admin", path=argv("backup", "{as}", "list"))
exempt(
    "cli backup verify",
    "the operator's check of an archive file they name on disk (restored into a scratch "
    "database); it reads no record of the live database and acts as nobody",
)
