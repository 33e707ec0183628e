"""Values of sensitive fields sealed at rest: AES-256-GCM with keys from outside the database.

A sealed value is a small JSON object stored where the plain value would be (a custom field's
key in ``custom_fields``)::

    {"sealed": "<key id>", "ct": "<base64 of nonce + ciphertext + tag>", "bi": "<blind index>"}

A plain custom-field value is never an object, so a sealed one cannot be mistaken for user
input. The key id names the key it was sealed with, so keys rotate: new values are sealed with
the current key (the first one), old ones open with theirs until ``rubrica keys rotate`` has
re-sealed them. ``context`` (the entity and field, e.g. ``contact.custom_fields.tax_id``) is
bound in as associated data: a value moved to another field does not open. Any change to the
stored bytes fails GCM's tag check and raises :class:`SealError` (tampering is detected, never
answered with garbage).

``bi`` (only when asked for: identifying fields) is a keyed blind index, an HMAC-SHA256 under a
key derived from the sealing key, of the normalised value: equal values of one field give equal
indexes under one key, so the duplicate scan can match them without reading them; without the
key the index tells nothing about the value. The engine knows no app (ADR 0027).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_IGNORED = re.compile(r"[\s._\-]")


class SealError(Exception):
    """A sealed value cannot be opened: its key is missing or its bytes were changed."""


@dataclass(frozen=True)
class KeyRing:
    """The keys by id; ``current`` seals, every key opens what it sealed."""

    current: str
    keys: dict[str, bytes]


_cache: tuple[str, KeyRing] | None = None
#: The source last read and when (``time.monotonic()``).
_read: tuple[Any, float] | None = None


def parse_keys(text: str) -> KeyRing:
    """The key ring of ``text`` (``<id> <base64 32 bytes>`` a line, the current one first;
    ``#`` starts a comment). ImproperlyConfigured names the bad line."""
    keys: dict[str, bytes] = {}
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.replace(":", " ").split()
        if len(parts) != 2 or not _KEY_ID.match(parts[0]):
            raise ImproperlyConfigured(
                f"Field key line {number}: expected '<id> <base64 key>' (RUBRICA_FIELD_KEYS)"
            )
        try:
            secret = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            secret = b""
        if len(secret) != 32:
            raise ImproperlyConfigured(
                f"Field key {parts[0]!r} must be 32 bytes in base64 (RUBRICA_FIELD_KEYS)"
            )
        if parts[0] in keys:
            raise ImproperlyConfigured(f"Field key id {parts[0]!r} appears twice")
        keys[parts[0]] = secret
        current = current or parts[0]
    if not keys:
        raise ImproperlyConfigured("No field key: set RUBRICA_FIELD_KEYS or its key file")
    return KeyRing(current=current, keys=keys)


def key_ring() -> KeyRing:
    """The configured keys (``settings.RUBRICA_FIELD_KEYS_SOURCE()``: ``env.field_keys_text``,
    read again at most once a second, so a key added to the file is used without a restart),
    parsed again only when they changed."""
    global _cache, _read
    source = settings.RUBRICA_FIELD_KEYS_SOURCE
    now = time.monotonic()
    if _cache is not None and _read is not None and _read[0] is source and now - _read[1] < 1.0:
        return _cache[1]  # read at most once a second: an export opens thousands of values
    text = source()
    _read = (source, now)
    if _cache is not None and _cache[0] == text:
        return _cache[1]
    ring = parse_keys(text)
    _cache = (text, ring)
    return ring


def forget_keys() -> None:
    """Read the keys again at the next use (after this process changed them)."""
    global _read
    _read = None


def new_key_line(ring: KeyRing | None) -> tuple[str, str]:
    """A fresh key id (not in ``ring``) and its line for the key file."""
    taken = set(ring.keys) if ring else set()
    number = 1
    while f"k{number}" in taken:
        number += 1
    secret = base64.b64encode(os.urandom(32)).decode("ascii")
    return f"k{number}", f"k{number} {secret}"


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _index_key(secret: bytes) -> bytes:
    return hmac.new(secret, b"rubrica blind index v1", hashlib.sha256).digest()


def blind_index(value: Any, context: str, *, key_id: str | None = None) -> str:
    """The blind index of ``value`` in ``context`` under ``key_id`` (default: the current key).
    Text is compared as the duplicate scan compares identifiers: NFKC, case-folded, without
    spaces, dots, dashes and underscores ("123-45-678" is "12345678")."""
    ring = key_ring()
    kid = key_id or ring.current
    if kid not in ring.keys:
        raise SealError(f"unknown field key {kid!r}")
    normal = (
        _IGNORED.sub("", unicodedata.normalize("NFKC", value).casefold())
        if isinstance(value, str)
        else value
    )
    message = context.encode() + b"\x00" + _canonical(normal)
    digest = hmac.new(_index_key(ring.keys[kid]), message, hashlib.sha256).hexdigest()
    return f"{kid}:{digest[:40]}"


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("sealed"), str) and "ct" in value


def seal(value: Any, context: str, *, index: bool = False) -> dict[str, str]:
    """``value`` (anything JSON can hold) sealed with the current key for ``context``."""
    ring = key_ring()
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(ring.keys[ring.current]).encrypt(nonce, _canonical(value), context.encode())
    sealed = {
        "sealed": ring.current,
        "ct": base64.b64encode(nonce + ciphertext).decode("ascii"),
    }
    if index:
        sealed["bi"] = blind_index(value, context, key_id=ring.current)
    return sealed


def open_sealed(sealed: Any, context: str) -> Any:
    """The value inside ``sealed``; SealError when its key is unknown or it was tampered with
    (changed ciphertext, key id or context)."""
    if not is_sealed(sealed):
        raise SealError("not a sealed value")
    ring = key_ring()
    secret = ring.keys.get(sealed["sealed"])
    if secret is None:
        raise SealError(f"unknown field key {sealed['sealed']!r}")
    try:
        raw = base64.b64decode(str(sealed["ct"]), validate=True)
        plain = AESGCM(secret).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        return json.loads(plain)
    except Exception as exc:  # InvalidTag, bad base64, short input: all mean "changed"
        raise SealError("sealed value was changed or is damaged") from exc


def reseal(sealed: Any, context: str, *, index: bool) -> dict[str, str] | None:
    """``sealed`` sealed again with the current key (and its index as asked), or None when it
    already is (same key, same index presence): rotation skips those."""
    ring = key_ring()
    if (
        is_sealed(sealed)
        and sealed["sealed"] == ring.current
        and ("bi" in sealed) == index
        and (not index or str(sealed["bi"]).startswith(f"{ring.current}:"))
    ):
        return None
    return seal(open_sealed(sealed, context), context, index=index)


#: How a sealed value stored in a text column starts (ADR 0034): the sealed object's key id and
#: ciphertext follow, ``sealed:v1:<key id>:<base64>``. A plain text that happens to start so is
#: read as sealed (and shown as unreadable): nobody types it.
TEXT_PREFIX = "sealed:v1:"


def is_sealed_text(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(TEXT_PREFIX)


def seal_text(value: str, context: str) -> str:
    """``value`` sealed for a text column (no blind index: text columns are notes)."""
    sealed = seal(value, context)
    return f"{TEXT_PREFIX}{sealed['sealed']}:{sealed['ct']}"


def text_as_sealed(value: str) -> dict[str, str]:
    """The sealed object of a sealed text (SealError when it is not one)."""
    if not is_sealed_text(value):
        raise SealError("not a sealed text")
    key_id, _sep, ciphertext = value[len(TEXT_PREFIX) :].partition(":")
    return {"sealed": key_id, "ct": ciphertext}


def open_text(value: str, context: str) -> str:
    """The text inside a sealed text; SealError when it does not open."""
    opened = open_sealed(text_as_sealed(value), context)
    if not isinstance(opened, str):
        raise SealError("sealed text holds no text")
    return opened


def reseal_text(value: str, context: str) -> str | None:
    """A sealed text sealed again with the current key, or None when it already is."""
    if text_as_sealed(value)["sealed"] == key_ring().current:
        return None
    return seal_text(open_text(value, context), context)


class UnreadableText(str):
    """What a sealed text column reads as when it does not open (key missing, bytes changed):
    a message for people, and the stored text (``raw``), which a save writes back unchanged so
    that a record saved for another reason never loses the value."""

    raw: str

    def __new__(cls, message: str, raw: str) -> UnreadableText:
        made = super().__new__(cls, message)
        made.raw = raw
        return made


#: Asked on each save of a sealable text column: ``(entity, field) -> bool``, must this value be
#: stored sealed? ``customfields`` sets it (the field is marked sensitive); the engine knows no
#: app, so by default nothing is sealed.
SEAL_POLICY: list[Any] = []


def must_seal(entity: str, name: str) -> bool:
    return any(policy(entity, name) for policy in SEAL_POLICY)


#: Asked on each save of a column sealed row by row (``core.models.SealedTextField`` with
#: ``per_row``): ``(entity, field, row) -> bool | None``, must this row's value be stored
#: sealed (None: no opinion)? ``customfields`` answers for a person's personal phones (sealed
#: while marked sensitive, and only the rows whose label says "home", ADR 0052). Without an
#: answer the column's ``must_seal`` decides.
ROW_POLICY: list[Any] = []


def must_seal_row(entity: str, name: str, row: Any) -> bool:
    for policy in ROW_POLICY:
        answer = policy(entity, name, row)
        if answer is not None:
            return bool(answer)
    return must_seal(entity, name)


#: Asked on each save of a scrubbed column (``core.models.ScrubbedJSONField``): ``(entity,
#: field, value) -> value``, the value with what must not be kept in clear left out (the apps
#: that know what the column holds register them: the vCard kept forms of sealed addresses,
#: ADR 0048). The engine knows no app, so by default values are kept whole.
SCRUB_POLICY: list[Any] = []


def scrub(entity: str, name: str, value: Any) -> Any:
    """``value`` as every registered scrubber leaves it (``SCRUB_POLICY``)."""
    for policy in SCRUB_POLICY:
        value = policy(entity, name, value)
    return value
