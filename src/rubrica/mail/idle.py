"""IMAP IDLE (RFC 2177): the worker keeps one connection per mailbox that asks for it, waiting in
IDLE on its first folder, and fetches the mailbox (``imap.fetch_mailbox``) as soon as the server
announces a new message, without waiting for a poll.

- ``IdleWatcher``: one thread per mailbox. It connects, refuses to go on (``lacks_idle``) when the
  server does not announce the IDLE capability (the mailbox is then polled as before), fetches
  once, then loops: IDLE, wait for ``* n EXISTS`` (checking every second whether it was asked to
  stop), DONE, fetch. The server may end an IDLE after 30 minutes (the RFC's limit, "29 minutes"
  in practice): IDLE is ended and issued again every ``RENEW_SECONDS`` (25 minutes). A lost
  connection is retried after ``RETRY_SECONDS``.
- ``supervise()``: called by the worker's tick (``imap.poll``), starts a watcher for each active
  mailbox with ``use_idle`` that has none in this process and stops those of mailboxes that no
  longer want one. ``stop_all()`` (also at the process's exit) ends every IDLE with DONE and
  logs out.
- ``watching(mailbox_id)``: whether a connected watcher serves the mailbox; the poll leaves such
  a mailbox alone and polls every other one.

Python 3.11's ``imaplib`` has no IDLE (3.14 adds one): the command is written on the connection
and its lines read with ``imaplib``'s own ``send``/``readline``, the socket checked with
``select`` before each read so that a stop is seen within a second.
"""

from __future__ import annotations

import atexit
import contextlib
import imaplib
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
    """One mailbox's IDLE connection, in a daemon thread."""

    def __init__(
        self, mailbox_id: int, fetch: Callable[[Mailbox], object] = imap.fetch_mailbox
    ) -> None:
        self.mailbox_id = mailbox_id
        self.fetch = fetch
        self.connected = threading.Event()
        self.lacks_idle = False
        self.fetches = 0
        self.renewals = 0
        self._stop = threading.Event()
        self._count = 0
        self._thread = threading.Thread(
            target=self._run, name=f"rubrica-mail-idle-{mailbox_id}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout=timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self._session()
                except (OSError, imaplib.IMAP4.error, imap.FetchError) as exc:
                    logger.warning("IMAP IDLE of mailbox %s: %s", self.mailbox_id, exc)
                except Mailbox.DoesNotExist:
                    return
                except Exception:
                    logger.exception("IMAP IDLE of mailbox %s failed", self.mailbox_id)
                self.connected.clear()
                if self.lacks_idle:
                    return
                self._stop.wait(RETRY_SECONDS)
        finally:
            self.connected.clear()
            connection.close()

    def _mailbox(self) -> Mailbox:
        close_old_connections()
        return Mailbox.objects.select_related("owner").get(pk=self.mailbox_id)

    def _fetch(self) -> None:
        mailbox = self._mailbox()
        try:
            self.fetch(mailbox)
        finally:
            self.fetches += 1
            connection.close()

    def _session(self) -> None:
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
            folder = (mailbox.folders or ["INBOX"])[0]
            typ, data = client.select(imap._quote(folder), readonly=True)
            if typ != "OK":
                raise imap.FetchError(f"{folder}: {data}")
            self.connected.set()
            self._fetch()  # what arrived while nobody was waiting
            while not self._stop.is_set():
                if self._idle(client):
                    self._fetch()
                else:
                    self.renewals += 1
        finally:
            self.connected.clear()
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                client.logout()

    def _idle(self, client: imaplib.IMAP4) -> bool:
        """One IDLE command: True when the server announced a new message, False when it was
        renewed or the watcher was asked to stop."""
        self._count += 1
        tag = _TAG + str(self._count).encode()
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
    wanted = set(
        Mailbox.objects.filter(active=True, use_idle=True, owner__is_active=True).values_list(
            "pk", flat=True
        )
    )
    with _LOCK:
        for pk in list(_WATCHERS):
            watcher = _WATCHERS[pk]
            if pk not in wanted or not watcher.is_alive():
                if pk not in wanted:
                    watcher.stop()
                if not watcher.lacks_idle or pk not in wanted:
                    del _WATCHERS[pk]
        for pk in wanted - set(_WATCHERS):
            watcher = IdleWatcher(pk)
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
