"""IMAP IDLE (RFC 2177): the worker keeps one connection per chosen folder of each mailbox that
asks for it (IDLE watches the selected folder only), waiting in IDLE, and fetches the mailbox
(``imap.fetch_mailbox``) as soon as the server announces a new message in any of them, without
waiting for a poll.

- ``IdleWatcher``: one per mailbox, with one thread and connection per chosen folder (fetches
  are taken one at a time). Each connects, refuses to go on (``lacks_idle``) when the
  server does not announce the IDLE capability (the mailbox is then polled as before), fetches
  once, then loops: IDLE, wait for ``* n EXISTS`` (checking every second whether it was asked to
  stop), DONE, fetch. The server may end an IDLE after 30 minutes (the RFC's limit, "29 minutes"
  in practice): IDLE is ended and issued again every ``RENEW_SECONDS`` (25 minutes). A lost
  connection is retried after ``RETRY_SECONDS``.
- ``supervise()``: called by the worker's tick (``imap.poll``), starts a watcher for each active
  mailbox with ``use_idle`` that has none in this process, stops those of mailboxes that no
  longer want one, and starts again the watcher of a mailbox whose folders changed.
  ``stop_all()`` (also at the process's exit) ends every IDLE with DONE and logs out.
- ``watching(mailbox_id)``: whether a watcher serves the mailbox with every folder connected;
  the poll leaves such a mailbox alone and polls every other one.

Python 3.11's ``imaplib`` has no IDLE (3.14 adds one): the command is written on the connection
and its lines read with ``imaplib``'s own ``send``/``readline``, the socket checked with
``select`` before each read so that a stop is seen within a second.
"""

from __future__ import annotations

import atexit
import contextlib
import imaplib
import itertools
import logging
import select
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections, connection

from rubrica.mail import imap
from rubrica.mail.models import Mailbox

logger = logging.getLogger(__name__)

#: IDLE is ended and issued again after this long (servers may drop it after 30 minutes).
RENEW_SECONDS = 25 * 60
#: After a lost connection or a server error, the watcher tries again after this long.
RETRY_SECONDS = 60.0
#: How often the watcher checks whether it was asked to stop.
STOP_CHECK_SECONDS = 1.0
_TAG = b"RIDLE"


class IdleWatcher:
    """One mailbox's IDLE connections, one daemon thread per chosen folder (``folders``: the
    mailbox's own when not given)."""

    def __init__(
        self,
        mailbox_id: int,
        fetch: Callable[[Mailbox], object] = imap.fetch_mailbox,
        folders: list[str] | None = None,
    ) -> None:
        self.mailbox_id = mailbox_id
        self.fetch = fetch
        if folders is None:
            folders = list(
                Mailbox.objects.filter(pk=mailbox_id).values_list("folders", flat=True).first()
                or []
            )
        self.folders = list(dict.fromkeys(folders or ["INBOX"]))
        self._connected = {folder: threading.Event() for folder in self.folders}
        self.connected = _AllSet(list(self._connected.values()))
        self.lacks_idle = False
        self.fetches = 0
        self.renewals = 0
        self._stop = threading.Event()
        self._fetching = threading.Lock()
        self._tags = itertools.count(1)  # IDLE tags, unique across the folders' threads
        self._threads = [
            threading.Thread(
                target=self._run,
                args=(folder,),
                name=f"rubrica-mail-idle-{mailbox_id}-{index}",
                daemon=True,
            )
            for index, folder in enumerate(self.folders)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout)

    def is_alive(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def _run(self, folder: str) -> None:
        connected = self._connected[folder]
        try:
            while not self._stop.is_set():
                try:
                    self._session(folder, connected)
                except (OSError, imaplib.IMAP4.error, imap.FetchError) as exc:
                    logger.warning("IMAP IDLE of mailbox %s: %s", self.mailbox_id, exc)
                except Mailbox.DoesNotExist:
                    return
                except Exception:
                    logger.exception("IMAP IDLE of mailbox %s failed", self.mailbox_id)
                connected.clear()
                if self.lacks_idle:
                    return
                self._stop.wait(RETRY_SECONDS)
        finally:
            connected.clear()
            connection.close()

    def _mailbox(self) -> Mailbox:
        close_old_connections()
        return Mailbox.objects.select_related("owner").get(pk=self.mailbox_id)

    def _fetch(self) -> None:
        # One fetch at a time per mailbox: two folders' news at once make one fetch wait for
        # the other, which then finds nothing new (UIDs are remembered per folder).
        with self._fetching:
            mailbox = self._mailbox()
            try:
                self.fetch(mailbox)
            finally:
                self.fetches += 1
                connection.close()

    def _session(self, folder: str, connected: threading.Event) -> None:
        mailbox = self._mailbox()
        connection.close()
        client = imap.connect(mailbox)
        try:
            typ, data = client.capability()
            capabilities = b" ".join(d for d in data if isinstance(d, bytes)).upper().split()
            if typ != "OK" or b"IDLE" not in capabilities:
                self.lacks_idle = True
                logger.info("mailbox %s: the server has no IDLE; it is polled", self.mailbox_id)
                return
            typ, data = client.select(imap._quote(folder), readonly=True)
            if typ != "OK":
                raise imap.FetchError(f"{folder}: {data}")
            connected.set()
            self._fetch()  # what arrived while nobody was waiting
            while not self._stop.is_set():
                if self._idle(client):
                    self._fetch()
                else:
                    self.renewals += 1
        finally:
            connected.clear()
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                client.logout()

    def _idle(self, client: imaplib.IMAP4) -> bool:
        """One IDLE command: True when the server announced a new message, False when it was
        renewed or the watcher was asked to stop."""
        tag = _TAG + str(next(self._tags)).encode()
        client.send(tag + b" IDLE\r\n")
        line = client.readline()
        if not line.startswith(b"+"):
            raise imap.FetchError(line.decode(errors="replace").strip())
        began = time.monotonic()
        news = False
        while not news and not self._stop.is_set():
            if time.monotonic() - began >= RENEW_SECONDS:
                break
            ready = _pending(client) or select.select([client.sock], [], [], STOP_CHECK_SECONDS)[0]
            if not ready:
                continue
            line = client.readline()
            if not line:
                raise imap.FetchError("the server closed the connection")
            words = line.upper().split()
            if len(words) >= 3 and words[0] == b"*" and words[2] in (b"EXISTS", b"RECENT"):
                news = True
            elif words[:2] == [b"*", b"BYE"]:
                raise imap.FetchError(line.decode(errors="replace").strip())
        client.send(b"DONE\r\n")
        while True:  # the untagged lines up to the IDLE's completion
            line = client.readline()
            if not line:
                raise imap.FetchError("the server closed the connection")
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1 :].upper().startswith(b"OK"):
                    raise imap.FetchError(line.decode(errors="replace").strip())
                return news
            words = line.upper().split()
            if len(words) >= 3 and words[2] in (b"EXISTS", b"RECENT"):
                news = True


class _AllSet:
    """Set when every one of ``events`` is set (every folder's connection is in IDLE)."""

    def __init__(self, events: list[threading.Event]) -> None:
        self._events = events

    def is_set(self) -> bool:
        return all(event.is_set() for event in self._events)


def _pending(client: imaplib.IMAP4) -> bool:
    """Bytes already read from the socket by TLS but not yet by imaplib (``select`` does not
    see them)."""
    pending = getattr(client.sock, "pending", None)
    return bool(pending()) if callable(pending) else False


_WATCHERS: dict[int, IdleWatcher] = {}
_LOCK = threading.Lock()


def supervise() -> int:
    """Start a watcher for each active IDLE mailbox (of an active owner) without one, stop the
    others; returns how many watchers run. Called by the worker's tick."""
    wanted = {
        pk: list(dict.fromkeys(folders or ["INBOX"]))
        for pk, folders in Mailbox.objects.filter(
            active=True, use_idle=True, owner__is_active=True
        ).values_list("pk", "folders")
    }
    with _LOCK:
        for pk in list(_WATCHERS):
            watcher = _WATCHERS[pk]
            changed = pk in wanted and wanted[pk] != watcher.folders
            if pk not in wanted or changed or not watcher.is_alive():
                if pk not in wanted or changed:
                    watcher.stop()
                if not watcher.lacks_idle or pk not in wanted or changed:
                    del _WATCHERS[pk]
        for pk in set(wanted) - set(_WATCHERS):
            watcher = IdleWatcher(pk, folders=wanted[pk])
            _WATCHERS[pk] = watcher
            watcher.start()
        return sum(1 for w in _WATCHERS.values() if w.is_alive())


def watching(mailbox_id: int) -> bool:
    """Whether a watcher of this process holds the mailbox's IDLE connection now."""
    watcher = _WATCHERS.get(mailbox_id)
    return watcher is not None and watcher.is_alive() and watcher.connected.is_set()


def stop_all() -> None:
    """End every IDLE (DONE, LOGOUT) and the watchers' threads."""
    with _LOCK:
        watchers = list(_WATCHERS.values())
        _WATCHERS.clear()
    for watcher in watchers:
        watcher._stop.set()
    for watcher in watchers:
        watcher.stop()


atexit.register(stop_all)
