"""Streamed authenticated encryption of backup archives (AES-256-GCM in chunks).

The layout follows the STREAM construction that ``age`` uses: a header (magic, a random salt and
a random nonce prefix), then chunks of at most ``CHUNK`` bytes, each sealed with AES-GCM under a
nonce made of the prefix, the chunk's number and a flag set on the last chunk only, with the
header as associated data. So chunks cannot be reordered, dropped, cut short or moved to another
archive without the decryption failing, and neither side ever holds more than one chunk in
memory. The key is derived from the operator's passphrase (``RUBRICA_BACKUP_PASSPHRASE``) with
scrypt and the archive's salt.
"""

from __future__ import annotations

import io
import os
import struct
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"RUBRICA-BACKUP-AES256GCM-1\n"
CHUNK = 64 * 1024
_SALT = 16
_PREFIX = 7
_TAG = 16
_LENGTH = struct.Struct(">I")


class DecryptionError(ValueError):
    """The archive is not encrypted with this passphrase, or was changed or cut short."""


def derive_key(passphrase: str, salt: bytes) -> bytes:
    """A 256-bit key from the passphrase (scrypt, N=2^15, r=8, p=1: ~50 ms, 32 MiB)."""
    kdf = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1)
    return kdf.derive(passphrase.encode())


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


def is_encrypted(path: str | os.PathLike[str]) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


class EncryptingWriter(io.RawIOBase):
    """A write-only file that encrypts what it is given into ``sink``; ``close`` seals the last
    chunk (it does not close ``sink``)."""

    def __init__(self, sink: IO[bytes], passphrase: str) -> None:
        super().__init__()
        salt = os.urandom(_SALT)
        self._prefix = os.urandom(_PREFIX)
        self._header = MAGIC + salt + self._prefix
        self._aead = AESGCM(derive_key(passphrase, salt))
        self._sink = sink
        self._buffer = bytearray()
        self._counter = 0
        sink.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk, self._header)
        self._sink.write(_LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A read-only file giving the plaintext of an encrypted archive read from ``source``;
    raises :class:`DecryptionError` on a wrong passphrase, a changed chunk or a cut."""

    def __init__(self, source: IO[bytes], passphrase: str) -> None:
        super().__init__()
        header = source.read(len(MAGIC) + _SALT + _PREFIX)
        if len(header) != len(MAGIC) + _SALT + _PREFIX or not header.startswith(MAGIC):
            raise DecryptionError("not an encrypted Rubrica archive")
        salt = header[len(MAGIC) : len(MAGIC) + _SALT]
        self._prefix = header[len(MAGIC) + _SALT :]
        self._header = header
        self._aead = AESGCM(derive_key(passphrase, salt))
        self._source = source
        self._plain = b""
        self._offset = 0
        self._counter = 0
        self._ended = False

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        raw = self._source.read(_LENGTH.size)
        if len(raw) != _LENGTH.size:
            raise DecryptionError("the archive is cut short")
        (size,) = _LENGTH.unpack(raw)
        if not _TAG <= size <= CHUNK + _TAG:
            raise DecryptionError("the archive is damaged")
        sealed = self._source.read(size)
        if len(sealed) != size:
            raise DecryptionError("the archive is cut short")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(
                    _nonce(self._prefix, self._counter, last), sealed, self._header
                )
            except InvalidTag:
                continue
            self._counter += 1
            self._plain, self._offset, self._ended = plain, 0, last
            if last and self._source.read(1):
                raise DecryptionError("the archive has data after its end")
            return
        raise DecryptionError("wrong passphrase, or the archive was changed")

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._offset >= len(self._plain):
            if self._ended:
                return 0
            self._next()
        count = min(len(buffer), len(self._plain) - self._offset)
        buffer[:count] = self._plain[self._offset : self._offset + count]
        self._offset += count
        return count
