"""vCard files as a stream of import records (the ``records.Reader`` protocol).

The codec's ``parse`` reads a whole text at once; an import of 100,000 cards must not hold them
all in memory, so this reader cuts the file at each ``END:VCARD`` line and parses card by card,
keeping line numbers relative to the whole file. A card the codec cannot read becomes a record
with an error naming its line; the rest of the file goes on.
"""

from __future__ import annotations

import codecs
import io
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from rubrica.dataio.records import SourceRecord
from rubrica.dataio.vcard import card_to_contact, parse
from rubrica.dataio.vcard.model import Card, ParseError

RAW_LIMIT = 10_000
SOURCE_KINDS = {
    "EMAIL": "emails",
    "TEL": "phones",
    "ADR": "addresses",
    "URL": "urls",
    "IMPP": "profiles",
    "X-SOCIALPROFILE": "profiles",
}


def card_record(card: Card, line: int, text: str = "") -> SourceRecord:
    imported = card_to_contact(card)
    data = imported.data
    uid = str(data.get("uid") or "").strip() or None
    organization = None
    if imported.organization is not None and any(imported.organization):
        name, department = imported.organization
        organization = {"name": name, "department": department}
    if imported.photo is not None:
        data["photo"] = imported.photo
    # The source property of each email, phone, address, URL and profile, in the order
    # card_to_contact appends them: a value the services refuse is kept verbatim from these.
    sources: dict[str, list[dict[str, Any]]] = {kind: [] for kind in SOURCE_KINDS.values()}
    for prop in card.properties:
        kind = SOURCE_KINDS.get(prop.key)
        if kind is not None:
            sources[kind].append(prop.to_extra())
    data["_vcard_sources"] = sources
    return SourceRecord(
        line=line, data=data, organization=organization, external_id=uid, raw=text[:RAW_LIMIT]
    )


class VCardReader:
    """Reads cards from ``source`` (a path or a binary file), one at a time."""

    def __init__(self, source: str | Path | BinaryIO) -> None:
        self.source = source

    def _chunks(self, stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
        """(line offset, bytes of one card and what precedes it) pairs."""
        buffer: list[bytes] = []
        offset = 0
        count = 0
        for physical in _file_lines(stream):
            buffer.append(physical)
            count += 1
            if physical.strip().upper() == b"END:VCARD":
                yield offset, b"".join(buffer)
                offset += count
                buffer, count = [], 0
        rest = b"".join(buffer)
        if rest.strip():
            yield offset, rest

    def records(self) -> Iterator[SourceRecord]:
        if isinstance(self.source, (str, Path)):
            with open(self.source, "rb") as stream:
                yield from self._records(stream)
        else:
            yield from self._records(self.source)

    def _records(self, stream: BinaryIO) -> Iterator[SourceRecord]:
        for offset, chunk in self._chunks(stream):
            if b"\x00" in chunk:
                # No text holds a NUL, and PostgreSQL cannot store one in the JSON of the
                # properties kept verbatim: the card is refused, the file goes on.
                before = chunk[: chunk.index(b"\x00")]
                begin = before.upper().rfind(b"BEGIN:VCARD")
                yield SourceRecord(
                    line=offset + (before[:begin].count(b"\n") if begin >= 0 else 0) + 1,
                    data={},
                    errors=[
                        _("line %(line)d: a NUL character (byte 0) is not text.")
                        % {"line": offset + before.count(b"\n") + 1}
                    ],
                )
                continue
            result = parse(chunk)
            found: list[tuple[int, Card | ParseError]] = [(c.line, c) for c in result.cards]
            found += [(error.line, error) for error in result.errors]
            found.sort(key=lambda pair: pair[0])
            begins = [
                number
                for number, physical in enumerate(chunk.splitlines(), start=1)
                if physical.strip().upper() == b"BEGIN:VCARD"
            ]
            for line, item in found:
                if isinstance(item, Card):
                    text = chunk.decode("utf-8", "replace") if len(result.cards) == 1 else ""
                    record = card_record(item, offset + line, text)
                    yield _within_limits(record) or record
                else:
                    start = max((b for b in begins if b <= line), default=line)
                    yield SourceRecord(
                        line=offset + start,
                        data={},
                        errors=[f"line {offset + line}: {item.message}"],
                    )


#: Properties Rubrica does not model that one card may bring (kept verbatim on the person and
#: read with every load of them; a real card has a few dozen at most).
MAX_KEPT = 1_000
#: Characters of their values, together.
MAX_KEPT_CHARS = 1_000_000


def _within_limits(record: SourceRecord) -> SourceRecord | None:
    """None, or the error record of a card that brings too much to keep (nothing of it is
    written: keeping part would lose the rest without a word)."""
    kept = record.data.get("vcard_extra") or []
    size = sum(len(str(prop.get("value", ""))) for prop in kept)
    if len(kept) <= MAX_KEPT and size <= MAX_KEPT_CHARS:
        return None
    message = _(
        "line %(line)d: the card holds %(n)d properties Rubrica does not model (%(size)d "
        "characters); at most %(max)d (%(chars)d characters) are kept."
    ) % {
        "line": record.line,
        "n": len(kept),
        "size": size,
        "max": MAX_KEPT,
        "chars": MAX_KEPT_CHARS,
    }
    return SourceRecord(line=record.line, data={}, errors=[message])


def _file_lines(stream: BinaryIO) -> Iterator[bytes]:
    """The physical lines of a vCard file, as UTF-8 when it is UTF-16."""
    head = stream.read(2)
    if head in (b"\xff\xfe", b"\xfe\xff"):
        return _utf16_as_utf8(head, stream)
    return _lines(head, stream)


#: Bytes of a file starting with a UTF-16 mark read to decide that it is UTF-16.
UTF16_PEEK = 65_536
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")


def _utf16_as_utf8(head: bytes, stream: BinaryIO) -> Iterator[bytes]:
    """The lines of a file that starts with a UTF-16 mark (``head``), as UTF-8, read as they
    come: the codec reads UTF-8, and a large UTF-16 export must not be held whole. A file whose
    first 64 KiB are not UTF-16 text holding a card (a stray mark before 8-bit text) is read as
    8-bit lines without the mark, as the codec does with a whole text. Characters that cannot
    be decoded further on become U+FFFD."""
    first = head + _read_up_to(stream, UTF16_PEEK)
    decoder = codecs.getincrementaldecoder("utf-16")("strict")
    try:
        text = decoder.decode(first)
    except UnicodeDecodeError:
        text = ""
    if "BEGIN:VCARD" not in text.upper():
        yield from _lines(first[2:], stream)
        return
    decoder.errors = "replace"
    blocks = itertools.chain([text], iter(lambda: decoder.decode(stream.read(UTF16_PEEK)), ""))
    pending = ""
    for block in itertools.chain(blocks, [decoder.decode(b"", final=True)]):
        pending += block
        position = 0
        for line in _LINE.finditer(pending):
            if line.end() == len(pending) and pending.endswith("\r"):
                break  # the LF of this CR may be in the next block
            yield line.group().encode("utf-8", "surrogatepass")
            position = line.end()
        pending = pending[position:]
    if pending:
        yield pending.encode("utf-8", "surrogatepass")


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    """``size`` bytes of ``stream``, fewer only at its end (a raw stream may give less)."""
    parts = []
    while size > 0 and (part := stream.read(size)):
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _lines(head: bytes, stream: BinaryIO) -> Iterator[bytes]:
    """The lines of ``head`` (bytes already read) and then of ``stream``: the last line of
    ``head`` goes on in the stream."""
    if not head:
        yield from stream
        return
    if not head.endswith(b"\n"):
        head += stream.readline()
    yield from io.BytesIO(head)
    yield from stream


def count_cards(path: str | Path) -> int:
    """How many cards a file holds (for a progress total), without parsing them."""
    total = 0
    with open(path, "rb") as stream:
        for physical in _file_lines(stream):
            if physical.lstrip()[:11].upper() == b"BEGIN:VCARD":
                total += 1
    return total
