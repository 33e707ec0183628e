"""Fetch an IMAP mailbox (stdlib ``imaplib``): each chosen folder from the UID after the last one
read, in batches, each batch captured and its last UID stored in one transaction, so a fetch
killed half-way resumes where it stopped and a message is never captured twice (Message-ID).

UIDs mean something only with the folder's UIDVALIDITY: when the server announces another one,
the folder is read again from the start ("fetch since" still applies), the duplicates being
refused by Message-ID.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import logging
import re
import ssl
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.running import Progress
from rubrica.mail import capture, crypto
from rubrica.mail.models import Mailbox, MailboxFolder, Security

logger = logging.getLogger(__name__)

#: Messages fetched per round trip and per checkpoint.
BATCH = 100
TIMEOUT = 30
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class FetchError(Exception):
    """The server refused or failed; the message is what the mailbox shows as its last error."""


def _tls() -> ssl.SSLContext:
    """Certificates and host names are always verified: against the system's CAs and, when set,
    ``RUBRICA_MAIL_CA_FILE`` (a private server's CA)."""
    context = ssl.create_default_context()
    ca_file = getattr(settings, "RUBRICA_MAIL_CA_FILE", "")
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    client: imaplib.IMAP4 | None = None
    try:
        if mailbox.security == Security.SSL:
            client = imaplib.IMAP4_SSL(
                mailbox.host,
                mailbox.port,
                ssl_context=_tls(),
                timeout=TIMEOUT,
            )
        else:
            client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT)
            if mailbox.security == Security.STARTTLS:
                client.starttls(ssl_context=_tls())
        client.login(mailbox.username, crypto.decrypt(mailbox.password_encrypted))
    except (OSError, imaplib.IMAP4.error) as exc:
        if client is not None:
            with contextlib.suppress(OSError):
                client.shutdown()
        raise FetchError(str(exc) or exc.__class__.__name__) from exc
    return client


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _uidvalidity(client: imaplib.IMAP4) -> int:
    _typ, data = client.response("UIDVALIDITY")
    if data and data[0]:
        return int(data[0])
    return 0


def _since(date: dt.date) -> str:
    return f"{date.day}-{_MONTHS[date.month - 1]}-{date.year}"


def _uids(client: imaplib.IMAP4, after: int, since: dt.date | None) -> list[int]:
    criteria = [f"UID {after + 1}:*"]
    if since is not None:
        criteria.append(f"SINCE {_since(since)}")
    typ, data = client.uid("SEARCH", *criteria)
    if typ != "OK":
        raise FetchError(str(data))
    found = [int(u) for u in (data[0] or b"").split()]
    # "n:*" always names the last message, even when its UID is below n.
    return sorted(u for u in found if u > after)


def _messages(client: imaplib.IMAP4, uids: list[int]) -> list[tuple[int, bytes]]:
    typ, data = client.uid("FETCH", ",".join(str(u) for u in uids), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise FetchError(str(data))
    found = []
    for item in data:
        if not isinstance(item, tuple):
            continue
        match = re.search(rb"UID (\d+)", item[0])
        if match:
            found.append((int(match.group(1)), item[1]))
    return sorted(found)


def fetch_mailbox(mailbox: Mailbox, progress: Progress | None = None) -> dict[str, int]:
    """Read the new messages of every chosen folder of ``mailbox`` and capture them for its
    owner. Returns the counts (captured, duplicates, failed)."""
    counts = {"captured": 0, "duplicates": 0, "failed": 0}
    client = connect(mailbox)
    try:
        for folder in mailbox.folders or ["INBOX"]:
            _fetch_folder(client, mailbox, folder, counts, progress)
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    Mailbox.objects.filter(pk=mailbox.pk).update(last_fetch_at=timezone.now(), last_error="")
    return counts


def _fetch_folder(
    client: imaplib.IMAP4,
    mailbox: Mailbox,
    folder: str,
    counts: dict[str, int],
    progress: Progress | None,
) -> None:
    typ, data = client.select(_quote(folder), readonly=True)
    if typ != "OK":
        raise FetchError(f"{folder}: {data}")
    validity = _uidvalidity(client)
    state, _created = MailboxFolder.objects.get_or_create(mailbox=mailbox, name=folder)
    if state.uidvalidity != validity:
        MailboxFolder.objects.filter(pk=state.pk).update(uidvalidity=validity, last_uid=0)
        state.uidvalidity, state.last_uid = validity, 0
    uids = _uids(client, state.last_uid, mailbox.fetch_since)
    if progress is not None:
        progress.set_total((progress.job.total or 0) + len(uids))
    for first in range(0, len(uids), BATCH):
        if progress is not None:
            progress.raise_if_cancelled()
        batch = _messages(client, uids[first : first + BATCH])
        with transaction.atomic():
            capture_batch(counts, mailbox, [raw for _uid, raw in batch])
            last = uids[min(first + BATCH, len(uids)) - 1]
            MailboxFolder.objects.filter(pk=state.pk).update(last_uid=last)
            if progress is not None:
                progress.checkpoint({"folder": folder, "uid": last}, done=sum(counts.values()))


def capture_batch(counts: dict[str, int], mailbox: Mailbox, raws: list[bytes]) -> None:
    """Capture one fetched batch for the mailbox's owner, the activities written together at
    the end (``capture.file_pending``). Should the batch's filing fail, the batch is undone and
    captured again one message at a time, so that one bad message is counted as failed and the
    others are filed, as before batching."""
    batch_counts = dict.fromkeys(counts, 0)
    try:
        with transaction.atomic():
            batch = capture.Batch()
            batch.expect(mailbox.owner, raws)
            for raw in raws:
                capture.capture_or_count(
                    batch_counts, actor=mailbox.owner, raw=raw, mailbox=mailbox, batch=batch
                )
            capture.file_pending(batch)
    except PermissionDenied:
        raise
    except Exception:
        logger.exception("a batch could not be filed at once; its messages are filed one by one")
        for raw in raws:
            capture.capture_or_count(counts, actor=mailbox.owner, raw=raw, mailbox=mailbox)
        return
    for key, value in batch_counts.items():
        counts[key] += value


def run_fetch(job: Job, progress: Progress) -> dict[str, Any]:
    """The job: fetch the mailbox named in its parameters; a server error is kept on the
    mailbox and fails the job (the next poll tries again)."""
    mailbox = Mailbox.objects.select_related("owner").get(pk=job.params["mailbox"])
    try:
        return fetch_mailbox(mailbox, progress)
    except FetchError as exc:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_fetch_at=timezone.now(), last_error=str(exc)[:2000]
        )
        raise


def poll(now: dt.datetime) -> int:
    """The worker's tick: keep the IDLE connections (``idle.supervise``), and queue a fetch of
    each active mailbox whose interval has passed, that has no fetch queued or running and no
    IDLE connection of this process. Returns 0 (no notification is sent)."""
    from rubrica.jobs.services import job_create
    from rubrica.mail import idle
    from rubrica.mail.services import FETCH_KIND

    idle.supervise()

    busy = set(
        Job.objects.filter(
            kind=FETCH_KIND, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).values_list("params__mailbox", flat=True)
    )
    for mailbox in Mailbox.objects.filter(active=True).select_related("owner"):
        if mailbox.pk in busy or not mailbox.owner.is_active or idle.watching(mailbox.pk):
            continue
        last = mailbox.last_fetch_at
        if last is not None and now - last < dt.timedelta(minutes=mailbox.poll_minutes):
            continue
        job_create(
            actor=mailbox.owner,
            kind=FETCH_KIND,
            title=_("Fetch mail: %(name)s") % {"name": mailbox.name},
            params={"mailbox": mailbox.pk},
        )
    return 0
