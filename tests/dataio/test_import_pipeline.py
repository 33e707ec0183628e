"""An import read and prepared in a second process writes exactly what an import prepared in
the writing process writes.

These tests commit (the reader process opens its own connection and sees committed data only).
On PostgreSQL the reader has its own connection, as in production. SQLite tests run on an
in-memory database, which a second process cannot open: there ``pipeline.wanted`` is forced and
the forked reader reads its copy of the database (the tests read nothing written after the
fork), which checks everything but the separate connection.
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any

import pytest
from django.test import override_settings

from rubrica.contacts.models import Contact
from rubrica.contacts.services import snapshot
from rubrica.dataio import pipeline
from rubrica.dataio.models import ImportRow
from rubrica.dedup.models import DuplicateKey
from rubrica.history.models import HistoryEntry
from rubrica.jobs.models import JobStatus
from rubrica.organizations.services import organization_create
from rubrica.search.models import SearchDocument
from rubrica.taxonomy.services import tag_get_or_create
from tests.dataio.import_helpers import run_import

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["First Name", "Last Name", "E-mail Address", "Mobile Phone", "Company", "Categories"]


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


PEOPLE = _csv(
    [
        ["Ada", "Lovelace", "ada@example.com", "+39 347 000 0001", "Analytical Engines", "vip"],
        ["Grace", "Hopper", "grace@example.com", "", "acme corp", "Golf;vip"],  # existing, cased
        ["Alan", "Turing", "not-an-email", "", "", ""],  # a bad cell: set aside, reported
        ["", "", "", "", "+1", ""],  # no name: refused by the services
        ["Zoë", "Müller", "zoe@example.de", "+49 30 123456", "Bäckerei", "lead;Lead"],
        *[
            [f"Person{n}", "Rossi", f"p{n}@example.it", f"+39 347 100 {n:04d}", f"Co {n % 3}", ""]
            for n in range(20)
        ],
    ]
)


def _made(job: Any) -> list[tuple[int, str, Any]]:
    """Per line: the outcome and what was written for the person (data, history, search
    document, duplicate keys), without the ids that differ between two imports."""
    from django.contrib.contenttypes.models import ContentType

    kind = ContentType.objects.get_for_model(Contact)
    out = []
    for row in ImportRow.objects.filter(job=job).order_by("line"):
        if row.contact_id is None:
            out.append((row.line, row.outcome, row.message))
            continue
        contact = Contact.objects.get(pk=row.contact_id)
        data = snapshot(contact)
        history = [
            (action, version, changes if version == 1 else sorted(changes.values(), key=str))
            for action, version, changes in HistoryEntry.objects.filter(
                object_id=contact.pk, content_type=kind
            )
            .order_by("version")
            .values_list("action", "version", "changes")
        ]
        document = SearchDocument.objects.filter(kind="contact", record_id=contact.pk).values(
            "name", "email", "phone", "org", "tag", "other"
        )[0]
        keys = sorted(
            DuplicateKey.objects.filter(contact_id=contact.pk).values_list("kind", "key", "bucket")
        )
        out.append((row.line, row.outcome, (row.message, data, history, document, keys)))
    return out


@pytest.fixture
def forced(monkeypatch: Any) -> list[int]:
    """Make every import use the reader process; the list collects how many batches came
    from it."""
    from django.conf import settings
    from django.db import connection

    received: list[int] = []
    if connection.vendor == "sqlite":
        monkeypatch.setattr(
            pipeline, "wanted", lambda total, size: settings.RUBRICA_IMPORT_READER_MIN > 0
        )
    real = pipeline._received

    def counting(channel: Any, process: Any) -> Any:
        for batch in real(channel, process):
            received.append(len(batch[0]))
            yield batch

    monkeypatch.setattr(pipeline, "_received", counting)
    return received


def test_an_import_through_the_reader_process_writes_what_one_without_it_writes(
    member: Any, forced: list[int]
) -> None:
    organization_create(actor=member, data={"name": "ACME Corp"})
    tag_get_or_create(actor=member, name="golf")

    with override_settings(RUBRICA_IMPORT_READER_MIN=0):
        inline = run_import(member, PEOPLE, "people.csv", batch_size=4, on_duplicate="create")
    assert forced == []  # without the reader process
    with override_settings(RUBRICA_IMPORT_READER_MIN=1):
        piped = run_import(member, PEOPLE, "people.csv", batch_size=4, on_duplicate="create")

    assert inline.status == piped.status == JobStatus.SUCCEEDED, (inline.error, piped.error)
    assert forced == [4, 4, 4, 4, 4, 4, 1]  # 25 records in batches of 4, in file order
    first, second = _made(inline), _made(piped)
    assert [line for line, *_rest in first] == list(range(2, 27))
    for a, b in zip(first, second, strict=True):
        assert a == b
    outcomes = {line: outcome for line, outcome, _what in second}
    # Line 4's bad email is set aside (the person created); line 5 has no name.
    assert {line for line, outcome in outcomes.items() if outcome != "created"} == {5}
    # The existing organization and tag, spelt otherwise in the file, were reused.
    grace = Contact.objects.filter(given_name="Grace").order_by("-pk")[0]
    assert grace.organization is not None and grace.organization.name == "ACME Corp"
    assert sorted(grace.tags.values_list("name", flat=True)) == ["golf", "vip"]


def test_a_file_the_reader_process_cannot_read_fails_the_job_with_its_reason(
    member: Any, forced: list[int]
) -> None:
    with override_settings(RUBRICA_IMPORT_READER_MIN=1):
        job = run_import(
            member, "Name\n\xff\xfe\n".encode("latin-1"), "people.csv", encoding="utf-8"
        )

    assert job.status == JobStatus.FAILED
    assert job.error
    assert Contact.objects.count() == 0
    assert forced == []


def test_a_resumed_import_reads_after_its_checkpoint_in_the_reader_process(
    member: Any, forced: list[int]
) -> None:
    from rubrica.dataio.imports.services import import_start
    from rubrica.dataio.imports.uploads import store_upload
    from rubrica.jobs.services import job_run

    upload = store_upload(actor=member, stream=io.BytesIO(PEOPLE.encode()), filename="p.csv")
    job = import_start(actor=member, upload=upload, options={"batch_size": 10}, enqueue=False)
    job.checkpoint = {"line": 11}  # lines 2-11 were written by an earlier run
    job.save(update_fields=["checkpoint"])
    with override_settings(RUBRICA_IMPORT_READER_MIN=1):
        job = job_run(job.pk)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert forced == [10, 5]
    lines = list(ImportRow.objects.filter(job=job).values_list("line", flat=True))
    assert sorted(lines) == list(range(12, 27))


def test_a_cancelled_import_stops_its_reader_process_and_keeps_whole_batches(
    member: Any, forced: list[int], monkeypatch: Any
) -> None:
    import multiprocessing

    from rubrica.jobs.services import JobCancelled, Progress

    checks = []

    def cancel_at_the_third_batch(self: Any) -> None:
        checks.append(1)
        if len(checks) == 3:
            raise JobCancelled

    monkeypatch.setattr(Progress, "raise_if_cancelled", cancel_at_the_third_batch)
    with override_settings(RUBRICA_IMPORT_READER_MIN=1):
        job = run_import(member, PEOPLE, "people.csv", batch_size=4)

    assert job.status == JobStatus.CANCELLED
    assert ImportRow.objects.filter(job=job).count() == 8  # two whole batches
    assert job.checkpoint == {"line": 9}
    assert multiprocessing.active_children() == []


def test_an_import_collects_garbage_between_its_batches_only_and_restores_the_collector(
    member: Any, monkeypatch: Any
) -> None:
    import gc

    seen: list[tuple[bool, bool]] = []
    real = pipeline.collect

    def watched() -> None:
        seen.append((gc.isenabled(), gc.get_freeze_count() > 0))
        real()

    monkeypatch.setattr(pipeline, "collect", watched)
    assert gc.isenabled()
    with override_settings(RUBRICA_IMPORT_READER_MIN=0):
        job = run_import(member, PEOPLE, "people.csv", batch_size=10)

    assert job.status == JobStatus.SUCCEEDED, job.error
    # 25 records in three batches, each followed by a pass, with the collector otherwise off
    # and the objects from before the import left out of it.
    assert seen == [(False, True)] * 3
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_cycles_made_while_the_collector_is_off_are_freed_by_the_pass_between_batches() -> None:
    import gc
    import weakref

    class Node:
        other: Any = None

    with pipeline.collected_between_batches():
        assert not gc.isenabled()
        node = Node()
        node.other = node
        ref = weakref.ref(node)
        del node
        for _n in range(10_000):  # allocations that would have started an automatic pass
            Node().other = Node()
        assert ref() is not None
        pipeline.collect()
        assert ref() is None
    assert gc.isenabled()


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie no one reaped yet counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not hasattr(os, "fork") or not os.path.isdir("/proc"), reason="Linux only")
def test_the_reader_process_exits_when_its_writer_is_killed(member: Any) -> None:
    """``kill -9`` of the writer (as the out-of-memory killer would) leaves no reader behind:
    the reader has the kernel end it with its parent (PR_SET_PDEATHSIG), or notices."""
    import signal
    import time

    from rubrica.dataio.records import SourceRecord

    class Endless:
        def records(self) -> Any:
            line = 1
            while True:  # batches of ~250 kB each: more than a pipe holds
                line += 1
                yield SourceRecord(line=line, data={"notes": "x" * 200}, errors=["bad"])

    read_end, write_end = os.pipe()
    writer = os.fork()
    if writer == 0:  # the writer: takes one batch, reports its reader, then never reads again
        try:
            os.close(read_end)
            # This fork shares the test's database session; the pipeline closes connections
            # before forking its reader, which would end the test's session on PostgreSQL.
            # Forget it here without closing it (nothing is finalised: the child ends by _exit).
            from django.db import connections

            inherited = [conn.connection for conn in connections.all()]  # noqa: F841 - kept alive
            for conn in connections.all():
                conn.connection = None
            with pipeline.batches(
                {},
                member.pk,
                0,
                1000,
                reader=True,
                open_reader=lambda params: Endless(),
                record_item=lambda record: (None, None),
            ) as received:
                next(received)
                import multiprocessing

                (child,) = multiprocessing.active_children()
                os.write(write_end, f"{child.pid}\n".encode())
                time.sleep(120)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as report:
        reader = int(report.readline())
    time.sleep(0.5)  # the reader fills the queue and the pipe, and blocks
    os.kill(writer, signal.SIGKILL)
    os.waitpid(writer, 0)
    deadline = time.monotonic() + 10
    while not _gone(reader) and time.monotonic() < deadline:
        time.sleep(0.1)
    still_there = not _gone(reader)
    if still_there:
        os.kill(reader, signal.SIGKILL)
    assert not still_there, "the reader outlived its writer"
