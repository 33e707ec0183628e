"""Revert benchmark: rows/s of undoing an import, row by row (the path before issue 13) and
batched (``dataio.imports.revert``), in the same run and the same fresh SQLite database.

Run: ``nice .venv/bin/python bench/revert_bench.py --people 5000``. It creates a database under
a temporary ``RUBRICA_VAR_DIR``, imports N generated people from a CSV file (no reader process),
reverts that import with the old loop (``contact_delete`` per person, 100 rows per
transaction), imports N other people and reverts them with the revert job, and prints both
rates.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="rubrica-revert-bench-")
    os.environ.update(
        RUBRICA_VAR_DIR=var,
        DJANGO_SETTINGS_MODULE="rubrica.settings",
        RUBRICA_IMPORT_READER_MIN="0",
        SECRET_KEY="bench-secret-key-that-is-long-enough-0123456789abcdef",  # noqa: S106
    )
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from rubrica.accounts.models import User
    from rubrica.dataio.imports.revert import _revert_row
    from rubrica.dataio.imports.services import import_revert, import_start
    from rubrica.dataio.imports.uploads import store_upload
    from rubrica.dataio.models import ImportRow, Outcome
    from rubrica.jobs.services import job_run

    actor = User.objects.create_user(username="bench", password=None, role="admin")

    def imported(tag: str):
        rows = ["First Name,Last Name,E-mail Address,Mobile Phone"]
        rows += [
            f"P{n},{tag},p{n}.{tag}@example.com,+39 347 {n // 10000:03d} {n % 10000:04d}"
            for n in range(args.people)
        ]
        data = ("\r\n".join(rows) + "\r\n").encode()
        upload = store_upload(actor=actor, stream=io.BytesIO(data), filename=f"{tag}.csv")
        job = import_start(
            actor=actor, upload=upload, options={"on_duplicate": "create"}, enqueue=False
        )
        job = job_run(job.pk)
        assert job.status == "succeeded", job.error
        return job

    # Before: the row-by-row loop the revert job ran until issue 13.
    job = imported("before")
    pending = ImportRow.objects.filter(
        job=job, reverted=False, outcome__in=[Outcome.CREATED, Outcome.UPDATED]
    ).order_by("-line")
    start = time.perf_counter()
    while rows := list(pending.select_related("contact")[:100]):
        with transaction.atomic():
            for row in rows:
                _revert_row(actor, row)
                row.reverted = True
            ImportRow.objects.bulk_update(rows, ["reverted"])
    before = time.perf_counter() - start

    # After: the revert job, batched.
    job = imported("after")
    revert = import_revert(actor=actor, job=job, enqueue=False)
    start = time.perf_counter()
    revert = job_run(revert.pk)
    after = time.perf_counter() - start
    assert revert.status == "succeeded", revert.error
    assert revert.result["trashed"] == args.people, revert.result
    n = args.people
    print(f"revert of {n} created people, SQLite, same run:")
    print(f"  before (row by row): {before:7.2f} s  {n / before:8.0f} rows/s")
    print(f"  after  (batched):    {after:7.2f} s  {n / after:8.0f} rows/s")
    print(f"  speed-up: {before / after:.1f}x")


if __name__ == "__main__":
    main()
