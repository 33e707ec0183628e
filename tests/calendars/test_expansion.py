"""The fast recurrence expansion (``ical.expand``) against the reference one
(``ical.expand_reference``, ``recurring-ical-events`` over VEVENTs): the same occurrences for
random series with EXDATEs, overrides moved in and out of the window, all-day series, time zones
with DST changes and windows across them (ADR 0037)."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

import pytest

from rubrica.calendars import ical
from rubrica.calendars.models import Appointment

ZONES = ["UTC", "Europe/Rome", "America/New_York", "Asia/Tehran", "Australia/Sydney"]
RULES = [
    "FREQ=DAILY;COUNT=40",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;COUNT=20",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=30",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=YEARLY",
    "FREQ=WEEKLY;UNTIL={until}",
    "FREQ=DAILY;UNTIL={until}",
]


def _key(found: list[ical.Occurrence]) -> list[tuple[object, ...]]:
    return sorted(
        (
            o.appointment.pk,
            o.start.timestamp(),
            o.end.timestamp(),
            o.recurrence_id.timestamp() if o.recurrence_id is not None else None,
            o.busy_only,
        )
        for o in found
    )


def _series(rng: random.Random, pk: int) -> list[Appointment]:
    zone = rng.choice(ZONES)
    tz = zoneinfo.ZoneInfo(zone)
    all_day = rng.random() < 0.2
    day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 330))
    if all_day:
        local = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        length = dt.timedelta(days=rng.choice([1, 1, 2]))
        first_end = dt.datetime.combine(day + length, dt.time.min, tzinfo=tz)
    else:
        local = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.choice([0, 30])), tz)
        first_end = local + dt.timedelta(minutes=rng.choice([30, 60, 90, 600, 1500]))
    until = (local + dt.timedelta(days=rng.randint(10, 200))).astimezone(dt.UTC)
    rule = rng.choice(RULES).format(until=until.strftime("%Y%m%dT%H%M%SZ"))
    master = Appointment(
        pk=pk,
        ical_uid=f"series-{pk}@test",
        title=f"series {pk}",
        start=local.astimezone(dt.UTC),
        end=first_end.astimezone(dt.UTC),
        all_day=all_day,
        time_zone=zone,
        rrule=rule,
        exdates=[],
    )
    # Real occurrences to cancel or change, from the reference itself.
    horizon = local.astimezone(dt.UTC) + dt.timedelta(days=400)
    known = [o.start for o in ical.expand_reference([master], master.start, horizon, busy=set())]
    rows = [master]
    picked = rng.sample(known, min(len(known), rng.randint(0, 6)))
    for index, original in enumerate(picked):
        if rng.random() < 0.5:
            master.exdates.append(original.astimezone(dt.UTC).isoformat())
            continue
        shift = dt.timedelta(hours=rng.choice([-30, -2, 1, 3, 26, 24 * 9]))
        if all_day:
            shift = dt.timedelta(days=rng.choice([-1, 1, 8]))
        length = master.end - master.start
        rows.append(
            Appointment(
                pk=pk * 100 + index + 1,
                ical_uid=master.ical_uid,
                title=f"changed {pk}/{index}",
                start=(original + shift).astimezone(dt.UTC),
                end=(original + shift + length).astimezone(dt.UTC),
                all_day=all_day,
                time_zone=zone,
                master_id=pk,
                recurrence_id=original.astimezone(dt.UTC),
            )
        )
    if picked and rng.random() < 0.2:  # an EXDATE on an overridden occurrence: the EXDATE wins
        master.exdates.append(picked[0].astimezone(dt.UTC).isoformat())
    return rows


@pytest.mark.parametrize("seed", range(8))
def test_fast_expansion_matches_the_reference_on_random_series(seed: int) -> None:
    rng = random.Random(seed)
    rows: list[Appointment] = []
    for pk in range(1, 41):
        rows.extend(_series(rng, pk))
    busy = {row.pk for row in rows if rng.random() < 0.1}
    windows = [
        (dt.datetime(2026, 3, 23, tzinfo=dt.UTC), dt.timedelta(days=14)),  # EU/US DST spring
        (dt.datetime(2026, 10, 19, tzinfo=dt.UTC), dt.timedelta(days=14)),  # autumn
        (dt.datetime(2026, 4, 1, 13, tzinfo=dt.UTC), dt.timedelta(days=7)),
    ]
    for _ in range(8):
        begin = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            days=rng.randint(0, 400), hours=rng.randint(0, 23)
        )
        windows.append((begin, dt.timedelta(days=rng.choice([1, 7, 42]))))
    compared = 0
    for begin, length in windows:
        # The views ask in the reader's zone: the window's zone matters for all-day series.
        begin = begin.astimezone(zoneinfo.ZoneInfo(rng.choice(ZONES)))
        fast = ical.expand(rows, begin, begin + length, busy=busy)
        reference = ical.expand_reference(rows, begin, begin + length, busy=busy)
        assert _key(fast) == _key(reference), (begin, length)
        compared += len(reference)
    assert compared > 100  # the windows did meet occurrences


def test_fast_expansion_orders_by_start_and_keeps_singles() -> None:
    start = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
    single = Appointment(pk=1, ical_uid="one@test", title="one", start=start, end=start)
    series = Appointment(
        pk=2,
        ical_uid="two@test",
        title="two",
        start=start - dt.timedelta(days=7, hours=1),
        end=start - dt.timedelta(days=7),
        time_zone="UTC",
        rrule="FREQ=WEEKLY",
        exdates=[],
    )
    window = (start - dt.timedelta(hours=2), start + dt.timedelta(days=1))
    found = ical.expand([single, series], *window, busy={1})
    assert [(o.appointment.pk, o.start, o.busy_only) for o in found] == [
        (2, start - dt.timedelta(hours=1), False),
        (1, start, True),
    ]
    assert found[0].recurrence_id == start - dt.timedelta(hours=1)
