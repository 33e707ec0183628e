"""Activities benchmark: a person's timeline with 10,000 activities, and the people list filtered
by "not contacted for 90 days", each beside a naive OFFSET + COUNT(*) query in the same run.

    .venv/bin/python bench/activities_bench.py --people 100000 --activities 10000

It seeds N people (bench.seed) into a database of its own (``var/bench-activities/``), gives 70%
of them a last interaction within the past year, logs ``--activities`` activities on one person
(and as many again spread over others, so the table is not one person's), then times, as an
administrator and as a member whose visibility rules apply:

- timeline: ``activities.selectors.timeline_page`` (keyset, 20 a page) at random depths, against
  OFFSET at the same depths plus COUNT(*) (what a naive paginator does);
- not contacted for 90 days: ``contacts.selectors.contact_list`` with
  ``not_contacted_days=90&sort=last_interaction`` (keyset, 50 a page), against OFFSET + COUNT(*);
- people to contact (ADR 0019): 30% of the people get a tag with a cadence (and 1% a cadence of
  their own); setting the tag's cadence (``tag_cadence_set``: the request, and the background
  job that stores everyone's effective cadence, run here in-process) is timed once; then
  ``activities.selectors.people_to_contact`` (keyset on the stored ``overdue_at``, 50 a page)
  against the naive way: every visible tagged person read with their tags' cadences, the
  strictest computed and sorted in Python, then the page sliced.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

TARGET_MS = 100.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--baseline-samples", type=int, default=30)
    parser.add_argument("--var-dir", type=Path, default=REPO / "var" / "bench-activities")
    parser.add_argument("--pg-database", default="rubrica_bench_activities")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    args.quick = False
    args.reseed = False
    args.batch = 10_000
    return args


def timed(call: Callable[[], Any]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def figures(seconds: list[float]) -> dict[str, float]:
    from bench.run import percentile

    ms = [s * 1000 for s in seconds]
    return {
        "samples": len(ms),
        "p50_ms": round(percentile(ms, 0.5), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "max_ms": round(max(ms), 2),
    }


def seed_activities(person_id: int, count: int, people: int, owner: Any) -> None:
    """``count`` activities on the person and ``count`` more on random others (bench seeding
    writes rows directly; the services' per-activity cost is not what is measured here)."""
    from django.db import transaction

    from rubrica.activities.models import Activity, ActivityPerson
    from rubrica.activities.services import refresh_last_interaction

    rng = random.Random(15)
    now = dt.datetime.now(dt.UTC)
    kinds = ["call", "email", "meeting", "note", "sms", "visit"]
    for start in range(0, 2 * count, 5_000):
        with transaction.atomic():
            batch = []
            targets = []
            for i in range(start, min(start + 5_000, 2 * count)):
                target = person_id if i < count else rng.randint(1, people)
                when = now - dt.timedelta(minutes=rng.randint(1, 3 * 365 * 24 * 60))
                batch.append(
                    Activity(
                        owner=owner,
                        kind=rng.choice(kinds),
                        occurred_at=when,
                        subject=f"Bench {i}",
                        body="Talked about **the order**.",
                        private=rng.random() < 0.05,
                    )
                )
                targets.append(target)
            created = Activity.objects.bulk_create(batch)
            ActivityPerson.objects.bulk_create(
                [
                    ActivityPerson(activity=a, contact_id=t, occurred_at=a.occurred_at)
                    for a, t in zip(created, targets, strict=True)
                ]
            )
    refresh_last_interaction([person_id])


def set_last_interactions(people: int) -> None:
    """70% of the people talked to within the past year (one UPDATE, random per row)."""
    from django.db import connection

    now = dt.datetime.now(dt.UTC)
    rng = random.Random(90)
    with connection.cursor() as cursor:
        rows = []
        for pk in range(1, people + 1):
            if rng.random() < 0.7:
                rows.append((now - dt.timedelta(days=rng.uniform(0, 365)), pk))
        for i in range(0, len(rows), 10_000):
            cursor.executemany(
                "UPDATE contacts_contact SET last_interaction_at = %s WHERE id = %s",
                rows[i : i + 10_000],
            )


def bench_people_to_contact(
    args: argparse.Namespace, admin: Any, member: Any, rng: random.Random, console: Any
) -> dict[str, Any]:
    """Seed tag cadences once (timing the refresh), then time "people to contact"."""
    from django.db import connection, transaction

    from rubrica.activities import selectors, services
    from rubrica.activities.models import KeepInTouch, TagCadence
    from rubrica.contacts.models import Contact
    from rubrica.taxonomy.models import Tag

    out: dict[str, Any] = {}
    tag, _created = Tag.objects.get_or_create(name="bench-cadence")
    if not TagCadence.objects.filter(tag=tag).exists():
        console.print("Tagging 30% of the people and setting the tag's cadence...")
        through = Contact.tags.through
        picked = [pk for pk in range(1, args.people + 1) if rng.random() < 0.3]
        with transaction.atomic():
            through.objects.filter(tag=tag).delete()
            for i in range(0, len(picked), 10_000):
                through.objects.bulk_create(
                    [through(contact_id=pk, tag_id=tag.pk) for pk in picked[i : i + 10_000]]
                )
        began = time.perf_counter()
        cadence = services.tag_cadence_set(actor=admin, tag=tag, ideal_days=30, max_days=45)
        out["tag_cadence_set_seconds"] = round(time.perf_counter() - began, 2)
        if cadence.refresh_job is not None:  # many people: applied by a job (ADR 0019)
            from rubrica.jobs.running import job_run

            began = time.perf_counter()
            job = job_run(cadence.refresh_job.pk)
            out["tag_cadence_job_seconds"] = round(time.perf_counter() - began, 2)
            out["tag_cadence_job_status"] = job.status
        out["tagged_people"] = len(picked)
        own = list(range(1, args.people + 1, 100))
        now = dt.datetime.now(dt.UTC)
        with transaction.atomic():
            KeepInTouch.objects.filter(contact_id__in=own).delete()
            KeepInTouch.objects.bulk_create(
                [
                    KeepInTouch(
                        contact_id=pk, ideal_days=14, max_days=21, due_at=now, overdue_at=now
                    )
                    for pk in own
                ]
            )
            services.refresh_cadences(own)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        console.print(f"  {out}")
    out["cadences_stored"] = KeepInTouch.objects.count()

    for label, user in (("admin", admin), ("member", member)):
        cursors: list[str | None] = [None]
        page = selectors.people_to_contact(user=user, cursor=None)
        while page.next_cursor and len(cursors) < 400:
            cursors.append(page.next_cursor)
            page = selectors.people_to_contact(user=user, cursor=page.next_cursor)
        samples = [rng.choice(cursors) for _ in range(args.samples)]
        keyset = [
            timed(lambda c=c, u=user: list(selectors.people_to_contact(user=u, cursor=c).items))
            for c in samples
        ]
        depths = [rng.randrange(len(cursors)) * 50 for _ in range(args.baseline_samples)]

        def naive(depth: int, user: Any = user) -> None:
            cadences = {c.tag_id: c for c in TagCadence.objects.all()}
            rows = (
                Contact.objects.restrict(user)
                .filter(tags__in=list(cadences))
                .values_list("pk", "last_interaction_at", "tags")
            )
            strictest: dict[int, tuple[int, dt.datetime]] = {}
            for pk, last, tag_id in rows:
                days = cadences[tag_id].max_days
                if pk not in strictest or days < strictest[pk][0]:
                    strictest[pk] = (days, last)
            due = sorted(
                (last + dt.timedelta(days=days), pk) for pk, (days, last) in strictest.items()
            )
            list(Contact.objects.filter(pk__in=[pk for _d, pk in due[depth : depth + 50]]))

        baseline = [timed(lambda d=d: naive(d)) for d in depths]
        out[f"to_contact_{label}"] = {
            "pages_walked": len(cursors),
            "keyset": figures(keyset),
            "naive_computed": figures(baseline),
        }
        console.print(f"people to contact as {label}: {out[f'to_contact_{label}']}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from bench import run as list_bench

    engine = list_bench.configure(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rubrica.settings")
    import django

    django.setup()
    from rich.console import Console

    console = Console()
    list_bench.prepare(args, engine, console)

    from django.db import connection

    from rubrica.accounts.models import User
    from rubrica.activities import selectors
    from rubrica.activities.models import Activity, ActivityPerson
    from rubrica.contacts.filters import ContactFilter
    from rubrica.contacts.models import Contact
    from rubrica.contacts.selectors import contact_list

    admin = User.objects.filter(role="admin").order_by("pk").first()
    member = User.objects.filter(role="member").order_by("pk").first()
    assert admin is not None and member is not None, "bench.seed makes an admin and members"
    person = Contact.objects.restrict(member).filter(visibility="everyone").order_by("pk").first()
    assert person is not None
    have = ActivityPerson.objects.filter(contact=person).count()
    if have != args.activities:
        console.print(f"Seeding {args.activities:,} activities on person {person.pk}...")
        ActivityPerson.objects.all().delete()
        Activity.all_objects.all().delete()
        began = time.perf_counter()
        set_last_interactions(args.people)
        seed_activities(person.pk, args.activities, args.people, admin)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        console.print(f"  seeded in {time.perf_counter() - began:.1f} s")
    connection.close()

    rng = random.Random(7)
    results: dict[str, Any] = {
        "engine": engine,
        "people": args.people,
        "activities": args.activities,
    }

    for label, user in (("admin", admin), ("member", member)):
        flt = selectors.TimelineFilter()
        cursors: list[str | None] = [None]
        page = selectors.timeline_page(user=user, record=person, flt=flt, cursor=None)
        while page.next_cursor and len(cursors) < 600:
            cursors.append(page.next_cursor)
            page = selectors.timeline_page(
                user=user, record=person, flt=flt, cursor=page.next_cursor
            )
        pages = len(cursors)
        samples = [rng.choice(cursors) for _ in range(args.samples)]
        keyset = [
            timed(
                lambda c=c, u=user, f=flt: list(
                    selectors.timeline_page(user=u, record=person, flt=f, cursor=c).items
                )
            )
            for c in samples
        ]
        depths = [rng.randrange(pages) * 20 for _ in range(args.baseline_samples)]

        def naive(depth: int, user: Any = user) -> None:
            qs = Activity.objects.restrict(user).filter(person_links__contact=person)
            qs.count()
            list(qs.order_by("-occurred_at", "-id")[depth : depth + 20])

        baseline = [timed(lambda d=d: naive(d)) for d in depths]
        results[f"timeline_{label}"] = {
            "pages": pages,
            "keyset": figures(keyset),
            "offset_count": figures(baseline),
        }
        console.print(f"timeline as {label}: {results[f'timeline_{label}']}")

        flt_people, errors = ContactFilter.parse(
            {"not_contacted_days": "90", "sort": "last_interaction"}
        )
        assert not errors
        cursors = [None]
        page = contact_list(user=user, flt=flt_people, cursor=None, size=50)
        while page.next_cursor and len(cursors) < 400:
            cursors.append(page.next_cursor)
            page = contact_list(user=user, flt=flt_people, cursor=page.next_cursor, size=50)
        samples = [rng.choice(cursors) for _ in range(args.samples)]
        keyset = [
            timed(
                lambda c=c, u=user, f=flt_people: list(
                    contact_list(user=u, flt=f, cursor=c, size=50).items
                )
            )
            for c in samples
        ]
        depths = [rng.randrange(len(cursors)) * 50 for _ in range(args.baseline_samples)]

        def naive_people(depth: int, user: Any = user) -> None:
            cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=90)
            qs = Contact.objects.restrict(user).filter(last_interaction_at__lt=cutoff)
            qs.count()
            list(qs.order_by("last_interaction_at", "id")[depth : depth + 50])

        baseline = [timed(lambda d=d: naive_people(d)) for d in depths]
        results[f"not_contacted_{label}"] = {
            "pages_walked": len(cursors),
            "keyset": figures(keyset),
            "offset_count": figures(baseline),
        }
        console.print(f"not contacted for 90 days as {label}: {results[f'not_contacted_{label}']}")

    results.update(bench_people_to_contact(args, admin, member, rng, console))

    ok = all(
        value["keyset"]["p95_ms"] < TARGET_MS
        for key, value in results.items()
        if isinstance(value, dict) and "keyset" in value
    )
    results["passed"] = ok
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
