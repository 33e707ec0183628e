"""Streamed CSV of the records a user may see, for the apps' own exports (activities, tasks):
a header, then one line per record in id order, read ``chunk`` records at a time, with the ids of
each chunk's linked records fetched in one query per link by the app (which applies
``restrict()``: the kits know no domain).

Cells a spreadsheet would run as a formula (starting with = + - @ tab or CR) get a leading
apostrophe, as the people exports do (``dataio.tabular.writers.neutralise``, which also lets
phone numbers and year-less dates through; dataio sits above the apps that use this).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000

M = TypeVar("M", bound=Model)
#: Per link name ("people"), the linked ids of each record of a chunk: {record id: [ids]}.
Links = dict[str, dict[int, list[int]]]


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def grouped(pairs: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """``{record id: [linked ids]}`` from (record id, linked id) rows."""
    found: dict[int, list[int]] = {}
    for record_id, other in pairs:
        found.setdefault(record_id, []).append(other)
    return found


def ids_text(ids: Iterable[int] | None) -> str:
    """Linked ids as one cell: sorted, space-separated."""
    return " ".join(str(i) for i in sorted(ids or ()))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(
    columns: Sequence[str],
    records: QuerySet[M],
    *,
    links: Callable[[list[int]], Links],
    row: Callable[[M, Links], Sequence[Any]],
    chunk: int = CHUNK,
) -> Iterator[str]:
    """The CSV text a line at a time: ``columns``, then ``row(record, links(chunk ids))`` of
    each record of ``records`` in id order, every cell neutralised."""
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    last = 0
    ordered = records.order_by("id")
    while True:
        batch = list(ordered.filter(id__gt=last)[:chunk])
        if not batch:
            return
        last = batch[-1].pk
        linked = links([record.pk for record in batch])
        for record in batch:
            yield writer.writerow([neutralise(value) for value in row(record, linked)])
