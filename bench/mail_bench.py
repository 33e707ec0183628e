"""Mail capture benchmark: messages filed per second from a mailbox on loopback IMAP (a private
Dovecot), against reading the same mailbox alone in the same run.

    .venv/bin/python bench/mail_bench.py --people 2000 --messages 10000

It seeds N people (bench.seed) into a database of its own (``var/bench-mail/``), writes
``--messages`` messages straight into the Dovecot user's Maildir (half from people in the
database, a quarter from unknown senders, a quarter replies in threads, one in fifty with a small
PDF attachment), then times:

- read alone: log in, select, ``UID SEARCH``, ``UID FETCH`` by 100 (what ``mail.imap`` does),
  without capturing;
- fetch and file: ``mail.imap.fetch_mailbox`` from UID 0 (read, parse, dedupe, thread, file on
  the people, attachments as documents, checkpoints).

The issue's target: filing costs less than reading (``file_seconds < read_seconds``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--var-dir", type=Path, default=REPO / "var" / "bench-mail")
    parser.add_argument("--pg-database", default="rubrica_bench_mail")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--one-by-one", action="store_true", help="file each message on its own (before 0038)"
    )
    args = parser.parse_args(argv)
    args.quick = False
    args.reseed = False
    args.batch = 10_000
    return args


def write_maildir(root: Path, user: str, raws: list[bytes]) -> None:
    """Deliver the messages as Dovecot would find them after a local delivery."""
    base = root / "mail" / user
    for sub in ("new", "cur", "tmp"):
        (base / sub).mkdir(parents=True, exist_ok=True)
        (base / sub).chmod(0o777)
    base.chmod(0o777)
    stamp = int(time.time())
    for index, raw in enumerate(raws):
        path = base / "new" / f"{stamp}.M{index}P1.bench"
        path.write_bytes(raw)
        path.chmod(0o666)


def messages(count: int, known: list[str], owner_email: str) -> list[bytes]:
    from tests.documents.conftest import PDF
    from tests.mail.conftest import make_message

    rng = random.Random(16)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    raws = []
    for index in range(count):
        roll = rng.random()
        sender = rng.choice(known) if roll < 0.5 else f"stranger{rng.randrange(500)}@example.net"
        in_reply_to = ""
        if roll >= 0.75 and index:
            parent = rng.randrange(index)
            in_reply_to = f"<bench{parent}@example.com>"
        attachments = [("quote.pdf", PDF, "application/pdf")] if index % 50 == 0 else None
        raws.append(
            make_message(
                sender=sender,
                to=owner_email,
                cc=rng.choice(known) if rng.random() < 0.2 else "",
                subject=f"Order {index}",
                body="Thank you for the quote.\n" * rng.randrange(1, 40),
                message_id=f"<bench{index}@example.com>",
                in_reply_to=in_reply_to,
                references=in_reply_to,
                date=(start + dt.timedelta(minutes=index)).isoformat(),
                attachments=attachments,
            )
        )
    return raws


def read_alone(mailbox: Any) -> tuple[float, int]:
    from rubrica.mail import imap

    began = time.perf_counter()
    client = imap.connect(mailbox)
    client.select('"INBOX"', readonly=True)
    uids = imap._uids(client, 0, None)
    size = 0
    for first in range(0, len(uids), imap.BATCH):
        for _uid, raw in imap._messages(client, uids[first : first + imap.BATCH]):
            size += len(raw)
    client.logout()
    return time.perf_counter() - began, len(uids)


def _one_by_one(counts: dict[str, int], mailbox: Any, raws: list[bytes]) -> None:
    from rubrica.mail import capture

    for raw in raws:
        capture.capture_or_count(counts, actor=mailbox.owner, raw=raw, mailbox=mailbox)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from bench import run as list_bench

    if not os.path.exists("/usr/sbin/dovecot"):
        raise SystemExit("bench: dovecot is not installed (Debian package dovecot-imapd)")
    engine = list_bench.configure(args)
    os.environ.setdefault("RUBRICA_MAIL_KEY", "Xn1B8L1r1h4nq4z3bX9jQ0c9n0o7Tq3yKkY5sV2uE3w=")
    import django

    django.setup()
    from rich.console import Console

    console = Console()
    list_bench.prepare(args, engine, console)

    from django.conf import settings

    from rubrica.accounts.models import User
    from rubrica.activities.models import Activity
    from rubrica.contacts.models import ContactEmail
    from rubrica.mail import imap, services
    from rubrica.mail.models import Mailbox, MailMessage
    from tests.mail.conftest import running_dovecot

    settings.RUBRICA_PRIVATE_ROOT = str(args.var_dir / "private")
    admin = User.objects.filter(role="admin").order_by("pk").first()
    assert admin is not None
    if not admin.email:
        User.objects.filter(pk=admin.pk).update(email="owner@rubrica.example")
        admin.refresh_from_db()
    MailMessage.objects.all().delete()
    Activity.all_objects.filter(kind="email").delete()
    Mailbox.objects.all().delete()
    known = list(ContactEmail.objects.values_list("value", flat=True)[:2000])
    console.print(f"Writing {args.messages:,} messages...")
    raws = messages(args.messages, known, admin.email)
    load_before = os.getloadavg()
    with running_dovecot() as server:
        write_maildir(server.root, server.user, raws)
        mailbox = services.mailbox_create(
            actor=admin,
            data={
                "name": "bench",
                "host": server.host,
                "port": server.port,
                "security": "none",
                "username": server.user,
                "password": server.password,
            },
        )
        read_alone(mailbox)  # the first SELECT indexes the Maildir: not part of either figure
        read_cpu_before = time.process_time()
        read_seconds, count = read_alone(mailbox)
        read_cpu_seconds = time.process_time() - read_cpu_before
        console.print(f"read alone: {count:,} messages in {read_seconds:.2f} s")
        cpu_before = time.process_time()
        began = time.perf_counter()
        if args.one_by_one:  # the path before ADR 0038, for comparison in the same setting
            imap.capture_batch = _one_by_one  # type: ignore[assignment]
        counts = imap.fetch_mailbox(mailbox)
        total_seconds = time.perf_counter() - began
        cpu_seconds = time.process_time() - cpu_before
    file_seconds = max(total_seconds - read_seconds, 0.0)
    results = {
        "engine": engine,
        "people": args.people,
        "messages": count,
        "counts": counts,
        "read_seconds": round(read_seconds, 2),
        "read_per_second": round(count / read_seconds, 1),
        "fetch_and_file_seconds": round(total_seconds, 2),
        "fetch_and_file_per_second": round(count / total_seconds, 1),
        "file_seconds": round(file_seconds, 2),
        "file_ms_per_message": round(1000 * file_seconds / max(count, 1), 2),
        "filing": "one by one" if args.one_by_one else "batched",
        "read_cpu_seconds": round(read_cpu_seconds, 2),
        "process_cpu_seconds": round(cpu_seconds, 1),
        "cpu_ms_per_message": round(1000 * cpu_seconds / max(count, 1), 2),
        "cpu_ratio_fetch_and_file_to_read": round(cpu_seconds / max(read_cpu_seconds, 1e-9), 1),
        "filed_activities": Activity.objects.filter(kind="email").count(),
        "target_met": file_seconds < read_seconds,
        "load_average_before": [round(x, 1) for x in load_before],
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
    }
    console.print_json(json.dumps(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
