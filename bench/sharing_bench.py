"""Sharing benchmark: the people list of a member at N people (20,000 by default) with shares.

``.venv/bin/python bench/sharing_bench.py [--people N] [--samples S] [--engine postgresql]``.
It seeds, into a database of its own (``var/bench/sharing-N.sqlite3``, or the
``rubrica_sharing_bench`` PostgreSQL database), N people of ten owners (70 % private, 20 % team,
10 % everyone), then shares: 5 % of the people with the member one by one, 5 % with a team of the
member, and N shares of people plus N of organizations with other users (noise in the same
table). The services are bypassed on purpose. It then times, for the member, the first page of
the people list (restrict, sorted by name, 50 rows), a page deep in the list (cursor at the
middle), the count of what the member sees, and the whole ``/people/`` page, three ways:

- ``no shares``: the policy without the share filter (what the list cost before sharing),
- ``one table``: ``sharing.RecordShare`` (content type + object id), the shipped design,
- ``per-model table``: a ``contact_id`` foreign-key table made for the run, same rows.

It prints p50/p95 in milliseconds and replaces its section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

DOCS_BEGIN = "<!-- bench:sharing-{engine}:begin -->"
DOCS_END = "<!-- bench:sharing-{engine}:end -->"


def percentiles(runs: list[float]) -> tuple[float, float]:
    runs = sorted(runs)
    p95 = runs[min(len(runs) - 1, round(0.95 * len(runs)) - 1)]
    return statistics.median(runs), p95


def seed(n: int) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from rubrica.accounts.models import Team, User
    from rubrica.contacts.models import Contact
    from rubrica.organizations.models import Organization
    from rubrica.sharing.models import RecordShare

    rng = random.Random(17)
    me = User.objects.create(username="bench", email="bench@example.org")
    others = [User.objects.create(username=f"other{i}") for i in range(9)]
    mine, theirs = Team.objects.create(name="Mine"), Team.objects.create(name="Theirs")
    mine.members.add(me)
    owners = [me, *others]
    people = []
    for i in range(n):
        roll = rng.random()
        visibility = "private" if roll < 0.7 else ("team" if roll < 0.9 else "everyone")
        name = f"person {i:07d}"
        people.append(
            Contact(
                given_name="Person",
                family_name=f"{i:07d}",
                display_name=name,
                sort_name=name,
                owner=owners[i % len(owners)],
                team=(mine if i % 2 else theirs) if visibility == "team" else None,
                visibility=visibility,
            )
        )
    with transaction.atomic():
        people = Contact.objects.bulk_create(people, batch_size=2000)
        orgs = Organization.objects.bulk_create(
            [Organization(name=f"Org {i}", owner=others[0]) for i in range(n // 10)],
            batch_size=2000,
        )
        contact_type = ContentType.objects.get_for_model(Contact)
        org_type = ContentType.objects.get_for_model(Organization)
        hidden = [p for p in people if p.visibility == "private" and p.owner_id != me.pk]
        picked = rng.sample(hidden, min(len(hidden), n // 10))
        shares = [
            RecordShare(
                content_type=contact_type,
                object_id=p.pk,
                user=me if k % 2 else None,
                team=None if k % 2 else mine,
                level="write" if k % 3 == 0 else "read",
            )
            for k, p in enumerate(picked)
        ]
        for k in range(n):  # noise: shares with other users, of people and of organizations
            grantee = others[1 + k % 8]
            shares.append(
                RecordShare(
                    content_type=contact_type, object_id=people[k].pk, user=grantee, level="read"
                )
            )
            shares.append(
                RecordShare(
                    content_type=org_type,
                    object_id=orgs[k % len(orgs)].pk,
                    user=others[1 + (k // len(orgs)) % 8],
                    level="read",
                )
            )
        seen: set[tuple[int, int, int | None, int | None]] = set()
        unique = []
        for share in shares:
            key = (share.content_type_id, share.object_id, share.user_id, share.team_id)
            if key not in seen:
                seen.add(key)
                unique.append(share)
        RecordShare.objects.bulk_create(unique, batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_contactshare (id integer PRIMARY KEY, contact_id bigint NOT "
                "NULL REFERENCES contacts_contact (id), user_id bigint NULL, team_id bigint NULL,"
                " level varchar(5) NOT NULL)"
            )
            cursor.execute(
                "INSERT INTO bench_contactshare (id, contact_id, user_id, team_id, level) "
                "SELECT id, object_id, user_id, team_id, level FROM sharing_recordshare "
                "WHERE content_type_id = %s",
                [contact_type.pk],
            )
            cursor.execute("CREATE INDEX bench_cs_user ON bench_contactshare (user_id, contact_id)")
            cursor.execute("CREATE INDEX bench_cs_team ON bench_contactshare (team_id, contact_id)")
            cursor.execute("ANALYZE")


def per_model_filter(user: Any, action: str, model: Any) -> Any:
    """The same rule as ``sharing.selectors.shared_records_q`` on a per-model table."""
    from django.db.models import Q
    from django.db.models.expressions import RawSQL

    from rubrica.contacts.models import Contact
    from rubrica.core.policies import team_ids

    if model is not Contact or action != "view":
        return None
    teams = team_ids(user)
    where = "user_id = %s" + (f" OR team_id IN ({', '.join(['%s'] * len(teams))})" if teams else "")
    sql = f"SELECT contact_id FROM bench_contactshare WHERE {where}"  # placeholders only
    return Q(pk__in=RawSQL(sql, [user.pk, *teams]))  # noqa: S611 (values passed as parameters)


def write_docs(engine: str, n: int, shares: int, rows: list[tuple[str, str, float, float]]) -> None:
    begin, end = DOCS_BEGIN.format(engine=engine), DOCS_END.format(engine=engine)
    docs = REPO / "docs" / "benchmarks.md"
    text = docs.read_text() if docs.exists() else "# Benchmarks\n"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        begin,
        f"## People list with record shares ({engine}, {n:,} people, {shares:,} shares)",
        "",
        f"`bench/sharing_bench.py --people {n}`, {dt.datetime.now(dt.UTC).date().isoformat()}, "
        f"load average {load} on a shared 2-core machine. The member sees their own people, "
        "the team's and everyone's, plus 10 % of the people shared with them or their team "
        "(ADR 0026).",
        "",
        "| measure | design | p50 ms | p95 ms |",
        "|---|---|---:|---:|",
        *[f"| {name} | {design} | {p50:.1f} | {p95:.1f} |" for name, design, p50, p95 in rows],
        end,
    ]
    block = "\n".join(lines)
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _old, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    docs.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    var_dir = REPO / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["RUBRICA_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-long-enough-for-django-0123456789abcdef")
    os.environ["DJANGO_SETTINGS_MODULE"] = "rubrica.settings"
    if args.engine == "postgresql":
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as db:
            db.execute("DROP DATABASE IF EXISTS rubrica_sharing_bench")
            db.execute("CREATE DATABASE rubrica_sharing_bench")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/rubrica_sharing_bench"
    else:
        path = var_dir / f"sharing-{args.people}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from rubrica.accounts.models import User
    from rubrica.contacts.models import Contact
    from rubrica.core import shares as core_shares
    from rubrica.sharing.models import RecordShare
    from rubrica.sharing.selectors import shared_records_q

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    seed(args.people)
    print(f"seeded {args.people:,} people in {time.perf_counter() - started:.1f} s")
    user = User.objects.get(username="bench")
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    client.force_login(user)
    middle = Contact.objects.order_by("sort_name", "id")[args.people // 2]

    def first_page() -> None:
        list(Contact.objects.restrict(user).order_by("sort_name", "id")[:51])

    def deep_page() -> None:
        list(
            Contact.objects.restrict(user)
            .filter(sort_name__gt=middle.sort_name)
            .order_by("sort_name", "id")[:51]
        )

    def count() -> None:
        Contact.objects.restrict(user).count()

    def page() -> None:
        response = client.get("/people/")
        assert response.status_code == 200, response.status_code

    designs: list[tuple[str, Callable[..., Any] | None]] = [
        ("no shares", None),
        ("one table", shared_records_q),
        ("per-model table", per_model_filter),
    ]
    seen = {}
    rows: list[tuple[str, str, float, float]] = []
    saved = list(core_shares._FILTERS)
    try:
        for design, share_filter in designs:
            core_shares._FILTERS[:] = [share_filter] if share_filter else []
            seen[design] = Contact.objects.restrict(user).count()
        for measure, fn in [
            ("first page (50)", first_page),
            ("page in the middle", deep_page),
            ("count of visible", count),
            ("/people/ page", page),
        ]:
            # The designs take turns sample by sample, so a burst of load on the shared machine
            # falls on all three alike.
            runs: dict[str, list[float]] = {design: [] for design, _f in designs}
            for sample in range(args.samples + 1):
                for design, share_filter in designs:
                    core_shares._FILTERS[:] = [share_filter] if share_filter else []
                    started = time.perf_counter()
                    fn()
                    if sample:  # the first round warms the caches
                        runs[design].append((time.perf_counter() - started) * 1000)
            for design, _f in designs:
                rows.append((measure, design, *percentiles(runs[design])))
    finally:
        core_shares._FILTERS[:] = saved
    assert seen["one table"] == seen["per-model table"] > seen["no shares"], seen
    print(f"visible to the member: {seen}")
    print(f"{'measure':22} {'design':18} {'p50 ms':>8} {'p95 ms':>8}")
    for name, design, p50, p95 in rows:
        print(f"{name:22} {design:18} {p50:8.1f} {p95:8.1f}")
    if not args.no_docs:
        write_docs(args.engine, args.people, RecordShare.objects.count(), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
