"""What the jobs engine adds to django-tasks-db's worker: recovery of stuck jobs, periodically.

A job whose process died (a crash, ``kill -9``, the out-of-memory killer) stays "running" until
something notices its heartbeat is stale (``services.jobs_recover``). That was only the next
``rubrica serve``, a visit to the jobs or Data quality pages, or ``rubrica jobs recover``: a
server restarted within two minutes of the crash (before the heartbeat went stale) left the job
"running" for ever, and resume refuses a running job. The worker now runs the recovery every
``RECOVER_EVERY`` seconds in a thread beside its loop (``RecoveryLoop``; the ``jobs_worker``
command starts it).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

#: Seconds between two recoveries in the worker (a job is stale after ``STALE_AFTER``).
RECOVER_EVERY = 60.0


class RecoveryLoop:
    """A daemon thread that runs ``jobs_recover`` every ``interval`` seconds until stopped."""

    def __init__(self, interval: float = RECOVER_EVERY) -> None:
        self.interval = interval
        self.passes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rubrica-jobs-recovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        from rubrica.jobs.services import jobs_recover

        while not self._stop.is_set():
            try:
                close_old_connections()
                count = jobs_recover()
                if count:
                    logger.warning("marked %d interrupted job(s) as failed (resumable)", count)
            except Exception:  # the next pass tries again; the worker's own loop goes on
                logger.exception("job recovery failed")
            finally:
                self.passes += 1
                connection.close()
            self._stop.wait(self.interval)
