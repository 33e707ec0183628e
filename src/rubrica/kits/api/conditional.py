"""Conditional requests: ``ETag`` on reads, ``If-Match`` on writes (RFC 9110 §13).

A versioned record (people, organizations) has the entity tag ``"<version>"``; the version grows
on every change made through a service. Records without a version (affiliations, tags, custom
field definitions) get a tag derived from their JSON representation. A write whose If-Match names
no current tag answers 412 and changes nothing: the service runs the check on the row it has
locked for the write, inside its transaction. For versioned records the door maps If-Match to the
service's ``expected_version`` (``expected_version()`` below) and the service's ConflictError
answers 412 with the current ETag; for the others it hands the service a ``precondition``
(``if_match()`` below) comparing the content tag.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest

from rubrica.kits.api.errors import PreconditionFailed

T = TypeVar("T")


def version_etag(version: int) -> str:
    return f'"{version}"'


def content_etag(data: Any) -> str:
    raw = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:20] + '"'


def _parse(header: str) -> list[str] | None:
    """The entity tags listed in an If-Match / If-None-Match value; None for ``*``."""
    header = header.strip()
    if header == "*":
        return None
    tags = []
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if part:
            tags.append(part if part.startswith('"') else f'"{part}"')
    return tags


def check_if_match(request: HttpRequest, current: str) -> None:
    """Raise PreconditionFailed when the request's If-Match does not name ``current``."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = _parse(header)
    if tags is not None and current not in tags:
        raise PreconditionFailed(current)


def if_match(request: HttpRequest, etag: Callable[[T], str]) -> Callable[[T], None] | None:
    """The ``precondition`` a write service runs on the row it has locked, for records without a
    version (rubrica.core.services.Precondition): the request's If-Match against the ``etag`` of
    the current row (PreconditionFailed: 412). None without If-Match: nothing to check."""
    if request.headers.get("If-Match") is None:
        return None

    def check(current: T) -> None:
        check_if_match(request, etag(current))

    return check


def expected_version(request: HttpRequest, read_version: int) -> int | None:
    """The ``expected_version`` a write service checks under its row lock, from If-Match.

    None without If-Match or with ``*`` (any current version will do). Otherwise the version
    the client names: ``read_version``, the version the door read before calling the service,
    when it is listed (so a list of tags is honoured), else the first version listed, else 0,
    which no record has (versions start at 1): the service then refuses with ConflictError."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = _parse(header)
    if tags is None:
        return None
    versions = [int(tag[1:-1]) for tag in tags if tag[1:-1].isascii() and tag[1:-1].isdigit()]
    if read_version in versions:
        return read_version
    return versions[0] if versions else 0


def not_modified(request: HttpRequest, current: str) -> bool:
    """True when the request's If-None-Match already names ``current``."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return False
    tags = _parse(header)
    return tags is None or current in tags
