"""Streamed AES-256-GCM of archives: round trip in chunks, and every tampering refused."""

from __future__ import annotations

import io
import os

import pytest

from rubrica.backups.crypto import CHUNK, MAGIC, DecryptingReader, DecryptionError, EncryptingWriter

SECRET = "sesame"  # a test passphrase


def _encrypt(plain: bytes, passphrase: str = SECRET, pieces: int = 7) -> bytes:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, passphrase)
    step = max(1, len(plain) // pieces)
    for start in range(0, len(plain), step):
        writer.write(plain[start : start + step])
    writer.close()
    return sink.getvalue()


def _decrypt(sealed: bytes, passphrase: str = SECRET) -> bytes:
    return io.BufferedReader(DecryptingReader(io.BytesIO(sealed), passphrase)).read()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
def test_what_is_encrypted_in_pieces_decrypts_to_the_same_bytes(size: int) -> None:
    plain = os.urandom(size)
    sealed = _encrypt(plain)
    assert size < 64 or plain[:64] not in sealed
    assert _decrypt(sealed) == plain


def test_a_wrong_passphrase_is_refused() -> None:
    sealed = _encrypt(b"secret people" * 1000)
    with pytest.raises(DecryptionError):
        _decrypt(sealed, "open sesame")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data: data[:-1],  # cut short
        lambda data: data[: len(data) // 2],  # last chunk dropped
        lambda data: data[:200] + bytes([data[200] ^ 1]) + data[201:],  # one bit flipped
        lambda data: data + b"more",  # data after the end
    ],
    ids=["cut", "half", "flipped", "appended"],
)
def test_a_changed_or_cut_archive_is_refused(tamper) -> None:
    sealed = _encrypt(os.urandom(2 * CHUNK + 100))
    with pytest.raises(DecryptionError):
        _decrypt(tamper(sealed))


def test_chunks_cannot_be_swapped() -> None:
    sealed = _encrypt(os.urandom(3 * CHUNK))
    header = len(MAGIC) + 16 + 7  # magic, salt, nonce prefix
    first = sealed[header : header + CHUNK + 20]
    second = sealed[header + CHUNK + 20 : header + 2 * (CHUNK + 20)]
    swapped = sealed[:header] + second + first + sealed[header + 2 * (CHUNK + 20) :]
    with pytest.raises(DecryptionError):
        _decrypt(swapped)
