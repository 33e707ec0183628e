"""What runs each kind of job: kind -> dotted path of ``run(job, progress) -> dict``.

Kept as one explicit table (rather than registration at import time) so that what a job kind does
is found by reading one file.
"""

from __future__ import annotations

RUNNERS: dict[str, str] = {
    "selftest": "rubrica.jobs.selftest.run_selftest",
}
