"""Reading the audit log: one filter for the page, its CSV export and the command line; the CSV
lines themselves (streamed, cells a spreadsheet would run as a formula neutralised)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from rubrica.audit.models import AuditEntry
from rubrica.kits.csv_stream import neutralise

CSV_COLUMNS = (
    "seq",
    "time",
    "actor_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target",
    "source",
    "address",
    "details",
    "prev_hash",
    "hash",
)
CHUNK = 2000


@dataclass(frozen=True)
class AuditFilter:
    """Entries of ``actor`` (username, any case), ``action``, ``target_type``, in the days
    ``since``..``until`` (local dates, both included), whose actor, target, address or details
    contain ``text``, numbered at most ``before_seq`` (inclusive; to open the log at an entry)."""

    actor: str = ""
    action: str = ""
    target_type: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    text: str = ""
    before_seq: int | None = None

    def as_details(self) -> dict[str, str | int]:
        """What the export of the log records about the filter it used."""
        out: dict[str, str | int] = {}
        for name, value in vars(self).items():
            if value not in ("", None):
                out[name] = value.isoformat() if isinstance(value, dt.date) else value
        return out


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def entries(flt: AuditFilter) -> QuerySet[AuditEntry]:
    found = AuditEntry.objects.all()
    if flt.actor.strip():
        found = found.filter(actor_name__iexact=flt.actor.strip())
    if flt.action:
        found = found.filter(action=flt.action)
    if flt.target_type.strip():
        found = found.filter(target_type=flt.target_type.strip().lower())
    if flt.since is not None:
        found = found.filter(at__gte=_day_start(flt.since))
    if flt.until is not None:
        found = found.filter(at__lt=_day_start(flt.until + dt.timedelta(days=1)))
    if flt.before_seq is not None:
        found = found.filter(seq__lte=flt.before_seq)
    text = flt.text.strip()
    if text:
        found = found.annotate(details_text=Cast("details", TextField())).filter(
            Q(actor_name__icontains=text)
            | Q(target_repr__icontains=text)
            | Q(target_id=text)
            | Q(ip_address__icontains=text)
            | Q(details_text__icontains=text)
        )
    return found


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(found: QuerySet[AuditEntry]) -> Iterator[str]:
    """The CSV of ``found`` in chain order, read ``CHUNK`` entries at a time (keyset on seq)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    after = 0
    while True:
        chunk = list(found.filter(seq__gt=after).order_by("seq")[:CHUNK])
        if not chunk:
            return
        for entry in chunk:
            yield writer.writerow(
                [
                    entry.seq,
                    entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                    "" if entry.actor_id is None else entry.actor_id,
                    neutralise(entry.actor_name),
                    entry.action,
                    entry.target_type,
                    neutralise(entry.target_id),
                    neutralise(entry.target_repr),
                    entry.source,
                    neutralise(entry.ip_address),
                    neutralise(
                        json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
                        if entry.details
                        else ""
                    ),
                    entry.prev_hash,
                    entry.hash,
                ]
            )
        after = chunk[-1].seq
