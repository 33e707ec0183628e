"""vCard files as a stream of import records (the ``records.Reader`` protocol).

The codec's ``parse`` reads a whole text at once; an import of 100,000 cards must not hold them
all in memory, so this reader cuts the file at each ``END:VCARD`` line and parses card by card,
keeping line numbers relative to the whole file. A card the codec cannot read becomes a record
with an error naming its line; the rest of the file goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

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
        head = stream.read(2)
        if head in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: small legacy files, read whole
            yield 0, head + stream.read()
            return
        buffer: list[bytes] = [head] if head else []
        offset = 0
        count = 0
        for physical in stream:
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
                    yield card_record(item, offset + line, text)
                else:
                    start = max((b for b in begins if b <= line), default=line)
                    yield SourceRecord(
                        line=offset + start,
                        data={},
                        errors=[f"line {offset + line}: {item.message}"],
                    )


def count_cards(path: str | Path) -> int:
    """How many cards a file holds (for a progress total), without parsing them."""
    total = 0
    with open(path, "rb") as stream:
        for physical in stream:
            if physical[:11].upper() == b"BEGIN:VCARD":
                total += 1
    return total
