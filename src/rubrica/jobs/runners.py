"""What runs each kind of job: kind -> dotted path of ``run(job, progress) -> dict``.

Kept as one explicit table (rather than registration at import time) so that what a job kind does
is found by reading one file.
"""

from __future__ import annotations

RUNNERS: dict[str, str] = {
    "selftest": "rubrica.jobs.selftest.run_selftest",
    "dedup_scan": "rubrica.dedup.scan.run_dedup_scan",
    "import": "rubrica.dataio.importing.run_import",
    "import_revert": "rubrica.dataio.importing.run_import_revert",
    "export": "rubrica.dataio.exporting.run_export",
    "quality_clean": "rubrica.quality.services.run_cleaning",
    "quality_report": "rubrica.quality.services.run_snapshot",
}

#: What to do once a job of a kind has succeeded and its status is recorded: kind -> dotted path
#: of ``hook(job) -> object``. A failing hook is logged and never fails the job.
ON_SUCCESS: dict[str, str] = {
    "import": "rubrica.dataio.importing.import_discard_upload",
}

#: Files a kind keeps outside ``Job.output`` that ``jobs_purge_files`` removes once the job is
#: old: kind -> dotted path of ``discard(job) -> bool`` (True when a file was removed).
PRIVATE_FILES: dict[str, str] = {
    "import": "rubrica.dataio.importing.import_discard_upload",
}
