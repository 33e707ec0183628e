"""WSGI entry point for gunicorn."""

from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

#: Python's default thresholds are (700, 10, 10). A request that answers a month of calendar
#: events or a page of people makes a few hundred thousand short-lived objects: with a first
#: generation of 700, many are still alive at a collection, move to the older generations and
#: bring a full collection every few requests (60-135 ms each, the p95 of the month view on a
#: quiet machine; ADR 0041). Collected every 10,000 allocations, they are mostly gone by then.
DEFAULT_GC_THRESHOLD = (10_000, 10, 10)


def tune_gc(environ: os._Environ[str] | dict[str, str] = os.environ) -> tuple[int, ...]:
    """Freeze what start-up made (modules, settings, URL patterns: never garbage, no longer
    traversed by each full collection) and set the collector's thresholds, from
    ``RUBRICA_GC_THRESHOLD`` ("700,10,10" is Python's default) or ``DEFAULT_GC_THRESHOLD``.
    Called once per server process after the application is loaded."""
    raw = environ.get("RUBRICA_GC_THRESHOLD", "").strip()
    threshold: tuple[int, ...] = DEFAULT_GC_THRESHOLD
    if raw:
        try:
            parsed = tuple(int(part) for part in raw.split(","))
        except ValueError:
            parsed = ()
        if not 1 <= len(parsed) <= 3 or any(value < 0 for value in parsed):
            raise ValueError(
                f"RUBRICA_GC_THRESHOLD must be one to three whole numbers such as "
                f"'10000,10,10', not {raw!r}"
            )
        threshold = parsed
    gc.collect()
    gc.freeze()
    gc.set_threshold(*threshold)
    return gc.get_threshold()


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
application = get_wsgi_application()
tune_gc()
