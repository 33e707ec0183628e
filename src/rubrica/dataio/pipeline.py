"""An import's records read and checked in a second process while the job's process writes.

Why: an import is CPU-bound Python on both sides of the database: reading and mapping the file,
validating each record with the contact services' ``_clean`` and deriving its history entry,
search document and duplicate keys (``contacts.bulk.prepare_item``) take about half of its time;
writing (inserts, the database's own work, tags, organizations, the report) the other half. On two
cores the halves overlap: a forked reader process does the first for batch N+1 while this
process writes batch N (see docs/benchmarks.md for what it gains).

Guarantees kept: only this process writes, batches are written in file order in their own
transactions with their checkpoint (``imports.runner.run_import``), so a killed, failed or cancelled
import is resumed or reverted exactly as without the reader. The reader only reads the database
(custom-field definitions, stages, teams: never what the import writes) and the file; at most
``QUEUE_BATCHES`` batches wait between the two (bounded memory). What it prepares is checked
where it is written (``contacts.bulk.contacts_create_many`` derives again when an organization
or tag exists under another spelling), so the result does not depend on which process prepared
a record; ``tests/dataio/test_import_pipeline.py`` checks it equals an import without the reader.

The runner hands the pipeline what it runs: how a stored file is read (``open_reader``) and how a
record becomes the item to create (``record_item``); the pipeline imports neither, so it stays
below the import's stages and never loops back to them.

It is used for files of at least ``RUBRICA_IMPORT_READER_MIN`` records (0: never) when the job
runs outside a transaction (workers and the CLI do), on a machine with two cores or more and
a database a second process can open (not an in-memory SQLite).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import queue as queues
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.contacts.bulk import NewContact, Prepared, prepare_item
from rubrica.dataio.records import Reader, SourceRecord

#: prctl(2) option: the signal this process gets when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: Batches prepared ahead of the writer, at most.
QUEUE_BATCHES = 2
#: Records whose prepared item and photo are known: line -> (item, photo).
Ready = dict[int, tuple[NewContact, Any]]
Batches = Iterator[tuple[list[SourceRecord], Ready]]
#: Opens the reader of a stored file for an import's params.
OpenReader = Callable[[dict[str, Any]], Reader]
#: A record's item to create and its photo.
RecordItem = Callable[[SourceRecord], tuple[NewContact, Any]]


def wanted(total: int | None, file_size: int) -> bool:
    """Whether an import of ``total`` records (None: unknown, then judged by the file's size)
    reads in a second process."""
    least = int(settings.RUBRICA_IMPORT_READER_MIN)
    if least <= 0 or connection.in_atomic_block or (os.cpu_count() or 1) < 2:
        return False
    if not hasattr(os, "fork"):
        return False
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        return False
    if total is None:
        return file_size >= 1024 * 1024
    return total >= least


@contextlib.contextmanager
def batches(
    params: dict[str, Any],
    actor_id: int,
    start_line: int,
    size: int,
    *,
    reader: bool,
    open_reader: OpenReader,
    record_item: RecordItem,
) -> Iterator[Batches]:
    """The records after ``start_line`` in batches of ``size`` (read by ``open_reader``), each
    with the items prepared for it (``record_item`` then ``prepare_item``, by the reader process
    when ``reader``; else none: the writer prepares them)."""
    if not reader:
        yield _inline(open_reader, params, start_line, size)
        return
    context = multiprocessing.get_context("fork")
    channel = context.Queue(maxsize=QUEUE_BATCHES)
    # Neither process may use the other's database connection: close them before the fork,
    # both sides open their own on their next query.
    connections.close_all()
    # The reader shares this process's pages until either writes them; the garbage collector
    # writes to every object it traverses: ``collected_between_batches`` (around this) has
    # left the objects of now out of its passes, in both processes.
    process = context.Process(
        target=_reader_main,
        # Passed as they are (a forked child is not sent its arguments: it has them).
        args=(channel, open_reader, record_item, params, actor_id, start_line, size, os.getpid()),
        name="rubrica-import-reader",
        daemon=True,
    )
    process.start()
    try:
        yield _received(channel, process)
    finally:
        if process.is_alive():
            process.terminate()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join()
        channel.close()


@contextlib.contextmanager
def collected_between_batches() -> Iterator[None]:
    """Python's cyclic garbage collector kept out of the batches: off while the import runs
    (``collect()`` after each batch instead), the objects that exist before it started never
    traversed (``gc.freeze``). Both return as they were afterwards.

    Why: a batch makes some fifty thousand short-lived objects a thousand records, and the
    collector's automatic passes (every 700 allocations) traversed them, and every pass of the
    oldest generation the whole application besides (Django, the models, the caches): with
    them out of the batches an import of 20,000 records ran 1.56 times as fast on SQLite
    (docs/benchmarks.md). What a batch leaves as cyclic garbage (a person and its photo's
    file object refer to each other) is freed at its end, so memory stays bounded by a batch.
    The reader process inherits this state with the fork, and so does not write to (copy) the
    pages it shares with this one either."""
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def collect() -> None:
    """The garbage collector's pass between two batches (see ``collected_between_batches``)."""
    gc.collect()


def _inline(open_reader: OpenReader, params: dict[str, Any], start_line: int, size: int) -> Batches:
    batch: list[SourceRecord] = []
    for record in open_reader(params).records():
        if record.line <= start_line:
            continue
        batch.append(record)
        if len(batch) >= size:
            # Handed over, not kept: a list this frame still held while suspended would be
            # traversed by the collector's pass after the batch (``collect``).
            yield _handed_over(batch), {}
    if batch:
        yield batch, {}


def _handed_over(batch: list[SourceRecord]) -> list[SourceRecord]:
    """A new list of ``batch``'s records; ``batch`` emptied."""
    records = batch[:]
    batch.clear()
    return records


def _received(channel: Any, process: Any) -> Batches:
    while True:
        try:
            kind, payload = channel.get(timeout=1.0)
        except queues.Empty:
            if process.is_alive():
                continue
            try:  # it may have ended right after its last message
                kind, payload = channel.get(timeout=1.0)
            except queues.Empty:
                raise RuntimeError(
                    _("The import's reading process stopped unexpectedly (exit code %(code)s).")
                    % {"code": process.exitcode}
                ) from None
        if kind == "end":
            return
        if kind == "invalid":
            raise ValidationError(payload)
        if kind == "error":
            raise RuntimeError(payload)
        yield pickle.loads(payload)  # noqa: S301 (our own reader process's bytes)


def _reader_main(
    channel: Any,
    open_reader: OpenReader,
    record_item: RecordItem,
    params: dict[str, Any],
    actor_id: int,
    start_line: int,
    size: int,
    parent: int,
) -> None:
    """The reader process: read, prepare, send; never write."""
    # The writer may be a task worker whose own handlers only ask it to stop after its task:
    # here a SIGTERM (the writer's ``terminate``) ends the reader at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the writer, which stops us
    _die_with_parent(parent)
    try:
        from rubrica.accounts.models import User

        actor = User.objects.get(pk=actor_id)
        for records, _ready in _inline(open_reader, params, start_line, size):
            # Pickled here, not by the queue's feeding thread: the batch's objects are then
            # freed before the collector's pass (it traversed every batch waiting in the
            # queue, each time) and the bytes wait in the queue instead.
            batch = pickle.dumps(
                (records, prepare(actor, records, record_item)), pickle.HIGHEST_PROTOCOL
            )
            del records
            _send(channel, ("batch", batch), parent)
            del batch
            collect()
        _send(channel, ("end", None), parent)
    except ValidationError as exc:
        _send(channel, ("invalid", exc.messages), parent)
    except Exception as exc:  # reported to the writer, which fails the job with it
        _send(channel, ("error", f"{type(exc).__name__}: {exc}"), parent)
    finally:
        connections.close_all()


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its writer dies (``kill -9``, the out-of-memory
    killer), on Linux (``PR_SET_PDEATHSIG``); elsewhere ``_send`` notices at its next try.
    A writer that died before this ran is caught by the check after it."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the polling in ``_send`` remains
            pass
    if os.getppid() != parent:
        os._exit(1)


def _orphaned(channel: Any) -> None:
    """End the reader whose writer is gone, now: the queue's feeding thread may be blocked on
    a pipe nobody reads any more, and a normal exit would wait for it for ever."""
    channel.cancel_join_thread()
    connections.close_all()
    os._exit(1)


def prepare(actor: User, records: list[SourceRecord], record_item: RecordItem) -> Ready:
    """Each readable record's item (``record_item``), prepared (``contacts.bulk.prepare_item``),
    and its photo."""
    from rubrica.customfields.services import definitions_cached

    ready: Ready = {}
    with definitions_cached():
        for record in records:
            record.raw = ""  # the writer never reads the source text: not sent
            if record.errors:
                continue
            item, photo = record_item(record)
            prepared = prepare_item(actor, item)
            if isinstance(prepared, Prepared):
                # Sent without the rows held for deriving and the related objects cached on
                # it (the owner, a stage): the writer's own are used.
                prepared.contact.__dict__.pop("_prefetched_objects_cache", None)
                prepared.contact._state.fields_cache.clear()
            item.prepared = prepared
            ready[record.line] = (item, photo)
    return ready


def _send(channel: Any, message: tuple[str, Any], parent: int) -> None:
    """Put ``message`` on the channel, waiting while the writer is behind; give up when the
    writer's process is gone (the reader is then an orphan)."""
    while True:
        try:
            channel.put(message, timeout=1.0)
            return
        except queues.Full:
            if os.getppid() != parent:
                _orphaned(channel)
