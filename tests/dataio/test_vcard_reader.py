"""The vCard file reader: cards one at a time, UTF-16 files read as they come."""

from __future__ import annotations

import codecs
import io
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from rubrica.dataio import vcard_reader
from rubrica.dataio.vcard_reader import VCardReader, count_cards


def cards(count: int, newline: str = "\r\n") -> str:
    text = []
    for n in range(count):
        lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:Zoë Ahmadi {n}", f"N:Ahmadi {n};Zoë;;;"]
        if n == 1:
            lines.append("BROKEN LINE WITHOUT A COLON")
        lines += [f"EMAIL:zoe{n}@example.com", "NOTE:東京 — دفتر", "END:VCARD"]
        text.append(newline.join(lines) + newline)
    return "".join(text)


def read(data: bytes) -> list[tuple[int, Any, list[str]]]:
    return [
        (record.line, record.data.get("display_name") or record.data, record.errors)
        for record in VCardReader(io.BytesIO(data)).records()
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_utf16_files_read_as_their_utf8_twin(encoding: str, newline: str) -> None:
    text = cards(5, newline)
    mark = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    expected = read(text.encode("utf-8"))

    got = read(mark[encoding] + text.encode(encoding))

    assert got == expected
    assert len(got) == 5
    assert got[1][0] == 8 and "line 12:" in got[1][2][0]  # the broken card and its bad line


def test_line_ends_split_between_blocks_are_one_line_end(monkeypatch: pytest.MonkeyPatch) -> None:
    text = cards(4, "\r\n")
    expected = read(text.encode("utf-8"))
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    monkeypatch.setattr(vcard_reader, "UTF16_PEEK", 64)
    for block in (3, 5, 7, 11):  # odd sizes cut characters and CR LF pairs in two
        got = [
            (record.line, record.data.get("display_name") or record.data, record.errors)
            for record in VCardReader(_Blocks(data, block)).records()  # type: ignore[arg-type]
        ]
        assert got == expected
        lines = vcard_reader._utf16_as_utf8(data[:2], _Blocks(data[2:], block))  # type: ignore[arg-type]
        assert list(lines) == text.encode("utf-8").splitlines(keepends=True)


class _Blocks(io.RawIOBase):
    """A stream that gives at most ``size`` bytes a read, and counts what it gave."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data = data
        self.size = size
        self.given = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        step = self.size if n is None or n < 0 else min(n, self.size)
        chunk = self.data[self.given : self.given + step]
        self.given += len(chunk)
        return chunk

    def readinto(self, buffer: Any) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_large_utf16_file_is_read_as_it_comes() -> None:
    data = codecs.BOM_UTF16_LE + cards(6_000).encode("utf-16-le")  # some 2 MB
    stream = _Blocks(data, 1 << 20)
    records = VCardReader(stream).records()  # type: ignore[arg-type]

    first = next(records)
    assert first.data["display_name"] == "Zoë Ahmadi 0"
    # Two blocks at most were read for the first card: not the whole file.
    assert stream.given <= 2 * vcard_reader.UTF16_PEEK + 2 < len(data)

    tracemalloc.start()
    try:
        count = 1 + sum(1 for _record in records)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 6_000
    assert stream.given == len(data)
    assert peak < 700_000  # the file is 2 MB; as UTF-8 text 1 MB


def test_a_stray_utf16_mark_before_8_bit_text_is_dropped() -> None:
    text = cards(2)

    got = read(codecs.BOM_UTF16_LE + text.encode("utf-8"))

    assert got == read(text.encode("utf-8"))
    assert [line for line, _name, _errors in got] == [1, 8]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_cards_are_counted_in_either_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "cards.vcf"
    path.write_bytes(cards(7).encode(encoding))

    assert count_cards(path) == 7


def test_a_card_bringing_too_much_to_keep_is_refused_and_the_file_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vcard_reader, "MAX_KEPT", 3)
    monkeypatch.setattr(vcard_reader, "MAX_KEPT_CHARS", 100)
    many = "".join(f"X-P{n}:v\r\n" for n in range(4))
    long = "X-LONG:" + "x" * 101 + "\r\n"
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Many\r\n" + many + "END:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Long\r\n" + long + "END:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Fine\r\nX-P0:v\r\nX-P1:v\r\nX-P2:v\r\nEND:VCARD\r\n"
    )

    records = list(VCardReader(io.BytesIO(text.encode())).records())

    assert [(r.line, r.data.get("display_name")) for r in records] == [
        (1, None),
        (9, None),
        (14, "Fine"),
    ]
    assert records[0].errors[0].startswith("line 1: the card holds 4 properties")
    assert "(101 characters)" in records[1].errors[0]
    assert records[2].errors == [] and len(records[2].data["vcard_extra"]) == 3
