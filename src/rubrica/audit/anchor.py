"""The chain's head written down outside the database, once a day (ADR 0030).

A hash chain shows an entry changed, removed or inserted, but not a rewrite of the whole table
with every hash recomputed: only a head kept elsewhere does. The worker's periodic tick (the
``audit.head`` schedule) appends the head to ``RUBRICA_AUDIT_HEAD_FILE`` (one line a day:
``SEQ HASH TIME``) and e-mails it to ``RUBRICA_AUDIT_HEAD_EMAILS``; `rubrica audit verify
--against FILE` then checks every head in the file against the chain.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.audit.models import AuditEntry
from rubrica.audit.services import head

logger = logging.getLogger(__name__)

_LINE = re.compile(r"^\s*(\d+)[\s:]+([0-9a-fA-F]{64})(?:\s+(\S+))?\s*$")


class HeadFileError(ValueError):
    """A line of a head file that is not ``SEQ HASH [TIME]``."""


def head_file() -> Path:
    return Path(settings.RUBRICA_AUDIT_HEAD_FILE)


def head_line(entry: AuditEntry, now: dt.datetime) -> str:
    written = now.astimezone(dt.UTC).isoformat(timespec="seconds")
    return f"{entry.seq} {entry.hash} {written}\n"


def read_heads(path: Path) -> list[tuple[int, str]]:
    """The (sequence number, hash) of each line of ``path``: ``SEQ HASH [TIME]`` or the
    ``SEQ:HASH`` of `rubrica audit head`; blank lines and ``#`` comments are skipped."""
    heads: list[tuple[int, str]] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            match = _LINE.match(line)
            if match is None:
                raise HeadFileError(
                    _("Line %(number)d of %(path)s is not SEQ HASH [TIME].")
                    % {"number": number, "path": path}
                )
            heads.append((int(match.group(1)), match.group(2).lower()))
    return heads


def _last_written(path: Path) -> dt.datetime | None:
    """When the last line of ``path`` was written (its TIME), if it says."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 4096))
            tail = handle.read().decode("utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(tail):
        match = _LINE.match(line)
        if match is not None and match.group(3):
            try:
                return dt.datetime.fromisoformat(match.group(3))
            except ValueError:
                return None
    return None


def write_head(
    *, now: dt.datetime | None = None, force: bool = False, path: Path | None = None
) -> AuditEntry | None:
    """Append the head to the head file (made 0600 in a folder of its own user) and e-mail it,
    unless a head was already written in the last 23 hours (``force``: write anyway). Returns
    the entry written down, or None (nothing to write, or not due)."""
    moment = now or timezone.now()
    latest = head()
    if latest is None:
        return None
    path = path or head_file()
    last = _last_written(path)
    if not force and last is not None and moment - last < dt.timedelta(hours=23):
        return None
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = head_line(latest, moment)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    addresses = list(settings.RUBRICA_AUDIT_HEAD_EMAILS)
    if addresses:
        try:
            send_mail(
                _("Rubrica audit head %(seq)d") % {"seq": latest.seq},
                _(
                    "The head of Rubrica's audit log today. Keep this message: `rubrica audit "
                    "verify --against FILE` checks a file of such lines.\n\n%(line)s"
                )
                % {"line": line},
                None,
                addresses,
            )
        except Exception:  # the file has it; the next day's mail tries again
            logger.exception("could not e-mail the audit head")
    return latest


def head_tick(now: dt.datetime) -> int:
    """The worker's daily schedule (``notifications.registry.Schedule``): 1 when it wrote."""
    return 1 if write_head(now=now) is not None else 0
